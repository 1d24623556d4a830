package writeback

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/writeback/gitrepo"
	"github.com/imagepin/imagepin/policy/writeback/marker"
)

// outcome is what a cycle records for one policy.
type outcome struct {
	status    metav1.ConditionStatus
	reason    string
	message   string
	committed bool
	// writeBack replaces status.writeBack when set.
	writeBack *v1alpha1.WriteBackStatus
}

// outcome tells what the cycle's result means for e.
func (b *batch) outcome(e *entry, res gitrepo.Result, err error, now metav1.Time) outcome {
	t := b.target
	where := fmt.Sprintf("%s (branch %s)", t.redactedURL(), t.dest())
	switch {
	case e.invalid != nil:
		return failed(v1alpha1.ReasonInvalidSpec, e.invalid.Error())
	case err != nil:
		return failed(reasonOf(err), fmt.Sprintf("write-back to %s failed: %v", where, err))
	case e.dropped != nil:
		return failed(e.dropped.reason, fmt.Sprintf("%s, in %s; nothing of this policy was committed", e.dropped.msg, where))
	case !e.wantsMarkers():
	case e.markers == 0:
		return failed(v1alpha1.ReasonNoMarkers, fmt.Sprintf("no marker %s (or its :tag, :digest or :name variant) in the YAML files under %s of %s",
			marker.Marker{Policy: marker.Policy{Namespace: e.policy.Namespace, Name: e.policy.Name}}, pathName(e.path), where))
	case e.writable == 0:
		return failed(v1alpha1.ReasonNoMarkers, fmt.Sprintf("%d markers found under %s of %s, none can be written: %s",
			e.markers, pathName(e.path), where, e.skipped[0]))
	}
	// The message is the same whether this cycle committed or Git already
	// held the image, so that checking again changes nothing; the commit is
	// in status.writeBack and in the event.
	o := outcome{status: metav1.ConditionTrue, reason: v1alpha1.ReasonSucceeded,
		message: fmt.Sprintf("%s records %s", where, e.change.New)}
	branch := res.Branch
	if branch == "" {
		branch = t.dest()
	}
	if len(e.files) > 0 && res.Pushed {
		o.committed = true
		o.writeBack = &v1alpha1.WriteBackStatus{Commit: res.Commit, PushedAt: &now, URL: t.redactedURL(), Branch: branch}
	} else if wb := e.policy.Status.WriteBack; wb == nil || wb.URL != t.redactedURL() || wb.Branch != branch || wb.Commit == "" {
		// Git held the image before imagepin wrote it (or another target
		// did): the head records it.
		o.writeBack = &v1alpha1.WriteBackStatus{Commit: res.Commit, URL: t.redactedURL(), Branch: branch}
	}
	if len(e.skipped) > 0 {
		o.message += fmt.Sprintf("; %d markers left as they are: %s", len(e.skipped), e.skipped[0])
	}
	return o
}

func failed(reason, msg string) outcome {
	return outcome{status: metav1.ConditionFalse, reason: reason, message: msg}
}

func pathName(p string) string {
	if p == "" {
		return "the repository root"
	}
	return strings.TrimSuffix(p, "/")
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}
