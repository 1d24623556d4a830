package hostile

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/e2e/stack"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// Bounds that TestMessageTemplateBombs states. Unbounded, each accepted
// bomb makes a string of 1 GiB or more before its message is written; the
// write-back of the policies (clones, pushes, status) and their scans need
// a few MiB.
const (
	maxBombPeakGrowthMiB = 64       // the manager's peak resident memory, above what it had before
	maxCommitMessage     = 16 << 10 // msgtemplate.MaxOutput
)

// bombNamespace holds the policies of the test.
const bombNamespace = "bombs"

// refusedBombs are messageTemplates that the API server refuses, by name.
var refusedBombs = map[string]string{
	"width":     "{{ printf \"" + strings.Repeat("%9999999d", 20) + "\"" + strings.Repeat(" 0", 20) + " }}",
	"precision": `{{ printf "%.99999999f" 1.0 }}`,
	"recursion": `{{ define "t" }}{{ template "t" . }}{{ template "t" . }}{{ end }}{{ template "t" . }}`,
}

// acceptedBombs are messageTemplates that parse, and ask for 1 GiB or more
// (or 2^40 template calls) when they run. Each policy name sorts before
// "good", whose target the first one shares.
var acceptedBombs = map[string]string{
	"a-printf": doubling(`{{ $a = printf "%s%s" $a $a }}`),
	"b-print":  doubling(`{{ $a = print $a $a }}`),
	"c-js":     `{{ $a := printf "%c" 92 }}` + strings.Repeat(`{{ $a = js $a }}`, 30) + `{{ $a }}`,
	"d-output": `{{ range 200000000 }}0123456789{{ end }}`,
	"e-calls":  templateCalls(40),
}

// doubling is a template that doubles an 8-byte string with step 27 times:
// 1 GiB.
func doubling(step string) string {
	return `{{ $a := "aaaaaaaa" }}` + strings.Repeat(step, 27) + `{{ $a }}`
}

// templateCalls is a template whose named templates each call the next
// twice: 2^n calls.
func templateCalls(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{{ define "t%d" }}{{ template "t%d" }}{{ template "t%d" }}{{ end }}`, i, i+1, i+1)
	}
	fmt.Fprintf(&b, `{{ define "t%d" }}{{ end }}{{ template "t0" }}`, n)
	return b.String()
}

// TestMessageTemplateBombs: commit-message templates that ask for
// unbounded output are refused when applied, or fail within msgtemplate's
// limits when they run. The manager's peak resident memory stays within
// maxBombPeakGrowthMiB of what it was, every policy's commit lands, with
// the default message, the policy without a template that shares a target
// with a bomb too.
func TestMessageTemplateBombs(t *testing.T) {
	s := stack.ForTest(t, stack.Options{})
	ns := stack.NewNamespace(bombNamespace, "")
	secrets, err := s.Secrets(bombNamespace)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Create(t.Context(), append([]client.Object{ns}, secrets...)...); err != nil {
		t.Fatal(err)
	}
	names := append(slices.Sorted(maps.Keys(acceptedBombs)), "good")
	seed, err := s.Git.Commit(t.Context(), "markers of the bombs", map[string]string{"bombs/values.yaml": markers(s, names)})
	if err != nil {
		t.Fatal(err)
	}

	for name, text := range refusedBombs {
		err := s.Client.Create(t.Context(), bombPolicy(s, "refused-"+name, stack.GitSecret, text))
		if err == nil || !strings.Contains(err.Error(), "spec.writeBack.git.messageTemplate") {
			t.Errorf("bomb %s: applied with error %v; want it refused, naming spec.writeBack.git.messageTemplate", name, err)
		}
	}

	pid := s.Manager.Pid()
	resetPeakRSS(t, pid)
	before := rssMiB(t, pid)
	for i, name := range names[:len(names)-1] {
		secret := stack.GitSecret // the first bomb shares the target of "good"
		if i > 0 {
			secret = "git-" + name // the others each make their own commit
			if err := s.Create(t.Context(), stack.GitCredentials(bombNamespace, secret, stack.GitPassword)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Create(t.Context(), bombPolicy(s, name, secret, acceptedBombs[name])); err != nil {
			t.Fatalf("bomb %s: %v", name, err)
		}
	}
	if err := s.Create(t.Context(), bombPolicy(s, "good", stack.GitSecret, "")); err != nil {
		t.Fatal(err)
	}

	var stuck error
	for _, name := range names {
		if _, err := s.WaitPolicy(t.Context(), client.ObjectKey{Namespace: bombNamespace, Name: name}, "written back at 1.2.0", writtenAt(s, "1.2.0")); err != nil {
			stuck = err
			break
		}
	}
	peak := peakRSSMiB(t, pid)
	t.Logf("manager resident memory: %.1f MiB before the bombs, peak %.1f MiB while they ran (+%.1f MiB)", before, peak, peak-before)
	if peak-before > maxBombPeakGrowthMiB {
		t.Errorf("the manager's peak resident memory grew by %.1f MiB; want at most %d MiB", peak-before, maxBombPeakGrowthMiB)
	}
	if stuck != nil {
		t.Fatal(stuck)
	}
	checkBombCommits(t, s, seed, names)
}

// checkBombCommits: every policy's marker holds 1.2.0 and every commit
// after seed has the default message.
func checkBombCommits(t *testing.T, s *stack.Stack, seed string, names []string) {
	t.Helper()
	values, err := s.Git.File(t.Context(), "bombs/values.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if !strings.Contains(values, name+": "+s.Pinned("1.2.0")+" ") {
			t.Errorf("the marker of %s is not at 1.2.0:\n%s", name, values)
		}
	}
	log, err := s.Git.Log(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range log {
		if c.Hash == seed {
			break // the log is newest first
		}
		if len(c.Message) > maxCommitMessage || !strings.HasPrefix(c.Message, "imagepin: update ") {
			t.Errorf("commit %s has a message of %d bytes: %.80q; want the default message", c.Hash, len(c.Message), c.Message)
		}
	}
	failed, err := s.Manager.LogLines("messageTemplate failed; the default message was used")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d commits; the manager logged %d failed templates", len(log), len(failed))
	if len(failed) < len(acceptedBombs) {
		t.Errorf("the manager logged %d failed templates; want one at least for each of the %d bombs", len(failed), len(acceptedBombs))
	}
}

// markers is the values file with one marker per policy, at 1.0.0.
func markers(s *stack.Stack, names []string) string {
	var b strings.Builder
	for _, name := range names {
		fmt.Fprintf(&b, "%s: %s:1.0.0 # {\"$imagepin\": \"%s:%s\"}\n", name, s.Image, bombNamespace, name)
	}
	return b.String()
}

// bombPolicy is the stack's sample policy, writing back under bombs/ with
// the Git Secret secret and the messageTemplate text.
func bombPolicy(s *stack.Stack, name, secret, text string) *v1alpha1.ImagePolicy {
	p := s.Policy(bombNamespace, name)
	p.Spec.WriteBack.Git.Path = "bombs/"
	p.Spec.WriteBack.Git.SecretRef = &v1alpha1.LocalObjectReference{Name: secret}
	p.Spec.WriteBack.Git.MessageTemplate = text
	return p
}

// writtenAt is a condition of WaitPolicy: current is tag and written back.
func writtenAt(s *stack.Stack, tag string) func(*v1alpha1.ImagePolicy) bool {
	return func(p *v1alpha1.ImagePolicy) bool {
		c := meta.FindStatusCondition(p.Status.Conditions, v1alpha1.ConditionWrittenBack)
		return s.CurrentIs(tag, v1alpha1.SourceScan)(p) && c != nil && c.Status == metav1.ConditionTrue &&
			c.ObservedGeneration == p.Generation && p.Status.WriteBack != nil
	}
}

// resetPeakRSS makes the kernel's peak resident memory of pid (VmHWM) the
// current one.
func resetPeakRSS(t *testing.T, pid int) {
	t.Helper()
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		t.Fatalf("reset the peak resident memory: %v", err)
	}
}

// peakRSSMiB is the peak resident memory of pid since resetPeakRSS.
func peakRSSMiB(t *testing.T, pid int) float64 {
	t.Helper()
	return procStatusMiB(t, pid, "VmHWM:")
}
