package writeback_test

import (
	"net/http"
	"strings"
	"testing"

	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// maxGitMessage is how long a condition or event may be when the Git
// server sends a long error: its part cut to 1 KiB, plus imagepin's words.
const maxGitMessage = 1024 + 256

// TestLongGitErrorsAreCut: a Git server that answers with a 40 KB error
// body (more than the CRD's 32 KiB maxLength of a condition message) gets
// WrittenBack=False with a short message, in the condition and the event;
// the status patch goes through, and write-back recovers with the server.
func TestLongGitErrorsAreCut(t *testing.T) {
	f := newFixture(t)
	startWriteBack(t, f.ns)
	long := strings.Repeat("the Git server is unwell; ", 40<<10/26)
	// go-git puts the body of a 401, 403 or 404 in its error.
	f.git.Break(http.StatusForbidden, long)
	app := f.policy(t, "app")
	setCurrent(t, app, "1.0.0", v1alpha1.SourceScan)

	waitFor(t, app, "WrittenBack False AuthenticationFailed", writtenBack(metav1.ConditionFalse, v1alpha1.ReasonAuthenticationFailed))
	c := condition(app, v1alpha1.ConditionWrittenBack)
	t.Logf("WrittenBack: %d bytes: %.200s…", len(c.Message), c.Message)
	if len(c.Message) > maxGitMessage || !strings.Contains(c.Message, "the Git server is unwell") {
		t.Errorf("condition message of %d bytes; want the server's words cut to at most %d", len(c.Message), maxGitMessage)
	}
	waitForEvent(t, app, v1alpha1.ReasonAuthenticationFailed)
	var events eventsv1.EventList
	if err := cl.List(t.Context(), &events, client.InNamespace(f.ns)); err != nil {
		t.Fatal(err)
	}
	for _, e := range events.Items {
		if len(e.Note) > 1024 { // the events API's limit
			t.Errorf("event %s has a note of %d bytes", e.Reason, len(e.Note))
		}
	}

	f.git.Break(0, "")
	setCurrent(t, app, "1.1.0", v1alpha1.SourceScan)
	log := waitForCommits(t, f.git, 2)
	waitFor(t, app, "the commit in the status", recorded(log[0].Hash))
}
