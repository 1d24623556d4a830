package writeback_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// backedOff is how many failed cycles make the next retry of a target
// wait twice as long as pickUp: controller-runtime's backoff starts at 5ms
// and doubles, so the retry after the 14th failure waits 5ms × 2^13 ≈ 41 s
// (and the 14 failures take about as long).
const backedOff = 14

// pickUp bounds how long a Secret fix may take to reach write-back here.
// It is no promise of speed (the test logs what it measured; the design
// says seconds): it is generous for a busy machine, yet half the backoff,
// so that only the watch of Secrets can pass, not a retry.
const pickUp = 20 * time.Second

// TestSecretFixTakesEffectWithinSeconds: a missing Secret, created after
// the target's backoff has grown to 40 s, is read within seconds; so is a
// wrong password fixed in it, and the commit lands.
func TestSecretFixTakesEffectWithinSeconds(t *testing.T) {
	f := newFixture(t)
	c := startWriteBack(t, f.ns)
	app := f.policy(t, "app", func(g *v1alpha1.GitWriteBack) { g.SecretRef.Name = "later" })
	setCurrent(t, app, "1.0.0", v1alpha1.SourceScan)
	waitFor(t, app, "WrittenBack False SecretNotFound", writtenBack(metav1.ConditionFalse, v1alpha1.ReasonSecretNotFound))
	waitUntilLong(t, "the backoff to grow", 3*time.Minute, func() bool { return c.cycles(t, "failed") >= backedOff })

	f.secret(t, "later", map[string]string{"username": gitUser, "password": "wrong"})
	took := timeTo(t, func() bool {
		return cl.Get(t.Context(), client.ObjectKeyFromObject(app), app) == nil &&
			writtenBack(metav1.ConditionFalse, v1alpha1.ReasonAuthenticationFailed)(app)
	})
	t.Logf("a created Secret was read after %s", took.Round(100*time.Millisecond))

	s := &corev1.Secret{}
	if err := cl.Get(t.Context(), client.ObjectKey{Namespace: f.ns, Name: "later"}, s); err != nil {
		t.Fatal(err)
	}
	s.Data = map[string][]byte{"username": []byte(gitUser), "password": []byte(gitPassword)}
	if err := cl.Update(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	took = timeTo(t, func() bool {
		log, err := f.git.Log(t.Context())
		return err == nil && len(log) == 2
	})
	t.Logf("a fixed password was used after %s", took.Round(100*time.Millisecond))
}

// timeTo waits up to pickUp for cond and returns how long it took.
func timeTo(t *testing.T, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	waitUntilLong(t, "the Secret's change to take effect", pickUp, cond)
	return time.Since(start)
}

func waitUntilLong(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		return cond(), nil
	})
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}
