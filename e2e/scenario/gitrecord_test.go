package scenario

import (
	"context"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/imagepin/imagepin/e2e/stack"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// Why a commit was made, as the default commit message says it (the values
// of writeback.WhyScan, WhyRollback and WhyPolicyEdit).
const (
	whyScan       = "scan"
	whyRollback   = "rollback"
	whyPolicyEdit = "policy edit"
)

// assertGitRecords waits until the Git repository's values file names the
// sample image at tag (by digest), in a commit of imagepin's whose subject
// says why (whyScan, whyRollback, whyPolicyEdit) and that the
// policy's status.writeBack records.
func (sc *scenario) assertGitRecords(t *testing.T, tag, why string) {
	t.Helper()
	wantLines := []string{"  tag: " + tag + " ", "  ref: " + sc.Pinned(tag) + " "}
	var file, head string
	err := wait.PollUntilContextTimeout(t.Context(), pollInterval, stack.StepTimeout, true, func(ctx context.Context) (bool, error) {
		var err error
		if file, err = sc.Git.File(ctx, stack.ValuesPath); err != nil {
			return false, nil
		}
		if head, err = sc.Git.Head(ctx); err != nil {
			return false, nil
		}
		for _, line := range wantLines {
			if !strings.Contains(file, "\n"+line) {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("Git never recorded %s: %v; %s at the head:\n%s", sc.Pinned(tag), err, stack.ValuesPath, file)
	}
	sc.assertHeadCommit(t, head, tag, why)
}

// assertHeadCommit checks the commit that recorded tag: by imagepin, of
// the values file, with the default message's subject "imagepin: update
// (or roll back) <policy> from <old> to <tag> (<why>)", and in the
// policy's status.
func (sc *scenario) assertHeadCommit(t *testing.T, head, tag, why string) {
	t.Helper()
	c := sc.Git.LogT(t)[0]
	subject, _, _ := strings.Cut(c.Message, "\n")
	wantSubject := " " + policyKey.String() + " "
	wantEnd := "to " + tag + " (" + why + ")"
	if c.Hash != head || strings.Contains(c.Author, "Someone Else") || !strings.HasPrefix(subject, "imagepin: ") ||
		!strings.Contains(subject, wantSubject) || !strings.HasSuffix(subject, wantEnd) {
		t.Errorf("head commit %s by %s, subject %q: want imagepin's commit \"imagepin: … %s… %s\"", c.Hash, c.Author, subject, wantSubject, wantEnd)
	}
	if len(c.Files) != 1 || c.Files[0] != stack.ValuesPath {
		t.Errorf("head commit %s changed %v, want only %s", c.Hash, c.Files, stack.ValuesPath)
	}
	_, err := sc.WaitPolicy(t.Context(), policyKey, "status.writeBack.commit "+head, func(p *v1alpha1.ImagePolicy) bool {
		return p.Status.WriteBack != nil && p.Status.WriteBack.Commit == head
	})
	if err != nil {
		t.Error(err)
	}
}
