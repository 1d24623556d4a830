package writeback_test

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// TestCredentialsOverPlainHTTP: a password is not sent to an http:// URL
// (no request with credentials reaches the server) until the policy says
// insecure; then the commit lands.
func TestCredentialsOverPlainHTTP(t *testing.T) {
	f := newFixture(t)
	startWriteBack(t, f.ns)
	app := f.policy(t, "app", func(g *v1alpha1.GitWriteBack) { g.Insecure = false })
	setCurrent(t, app, "1.0.0", v1alpha1.SourceScan)

	waitFor(t, app, "WrittenBack False CredentialsOverHTTP", writtenBack(metav1.ConditionFalse, v1alpha1.ReasonCredentialsOverHTTP))
	c := condition(app, v1alpha1.ConditionWrittenBack)
	t.Logf("WrittenBack: %s: %s", c.Reason, c.Message)
	if !strings.Contains(c.Message, "plain http://") || !strings.Contains(c.Message, "spec.writeBack.git.insecure") {
		t.Errorf("message %q does not say what to do", c.Message)
	}
	waitForEvent(t, app, v1alpha1.ReasonCredentialsOverHTTP)
	if n := f.git.CredentialsReceived(); n != 0 {
		t.Errorf("the server received credentials %d times", n)
	}
	if n := len(f.git.LogT(t)); n != 1 {
		t.Errorf("%d commits; want only the seed", n)
	}

	edit(t, app, func(p *v1alpha1.ImagePolicy) { p.Spec.WriteBack.Git.Insecure = true })
	log := waitForCommits(t, f.git, 2)
	waitFor(t, app, "the commit in the status", recorded(log[0].Hash))
}
