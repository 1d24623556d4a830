package webhook_test

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/imagepin/imagepin/internal/testenv/kubescheme"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/webhook"
)

// countingReader counts the Secrets read through it.
type countingReader struct {
	client.Reader
	secrets atomic.Int64
}

// Get implements client.Reader.
func (r *countingReader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if _, ok := obj.(*corev1.Secret); ok {
		r.secrets.Add(1)
	}
	return r.Reader.Get(ctx, key, obj, opts...)
}

// TestPullSecretsUnderScaleUp admits 200 Pods of a strict namespace at
// once, each resolving an image of a registry that needs the Pods' pull
// secret, with the Secrets read from a real API server through a client
// limited to 5 requests per second: every Pod is pinned within the resolve
// budget, and the Secret is read a handful of times, not once per Pod.
func TestPullSecretsUnderScaleUp(t *testing.T) {
	c := startCluster(t)
	digest := c.push(t, "team/scale", "v1")
	strict := c.namespace(t, v1alpha1.PinningStrict)
	cfg := rest.CopyConfig(c.cp.Config)
	cfg.QPS, cfg.Burst = 5, 5
	limited, err := client.New(cfg, client.Options{Scheme: kubescheme.NewT(t)})
	if err != nil {
		t.Fatal(err)
	}
	reader := &countingReader{Reader: limited}
	h, err := webhook.NewPodHandler(own, c.mgr.GetCache(), newResolver(t),
		webhook.WithAPIReader(reader), webhook.WithPullSecrets(true), webhook.WithRegistryCA(c.reg.CAPEM))
	if err != nil {
		t.Fatal(err)
	}
	image := c.reg.Repo("team/scale:v1")
	raw, err := json.Marshal(pod(strict, "scale", "app="+image)) // with the pull secret regcred
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var denied atomic.Int64
	var firstDenial sync.Once
	for range 200 {
		wg.Go(func() {
			resp := h.ForMode(v1alpha1.PinningStrict).Handle(t.Context(), admission.Request{AdmissionRequest: *podRequest(strict, raw)})
			if !resp.Allowed || len(resp.Patches) == 0 {
				denied.Add(1)
				firstDenial.Do(func() { t.Logf("not pinned: %s %q", message(resp), resp.Warnings) })
			}
		})
	}
	wg.Wait()
	if n := denied.Load(); n != 0 {
		t.Errorf("%d of 200 Pods not pinned to %s", n, digest)
	}
	if n := reader.secrets.Load(); n > 5 {
		t.Errorf("the pull secret was read %d times for 200 Pods, want a handful", n)
	}
}

// TestPullSecretTTL reads the pull secret through WithSecretReader: a
// Secret fixed after a denial is used once the TTL has passed, not before,
// and the Secret is read once per TTL, not once per admission.
func TestPullSecretTTL(t *testing.T) {
	reg := startRegistry(t, "alice")
	reg.push(t, "private/app", "1.0", remoteAuth("alice", "pw"))
	secret := pullSecret("secure", "regcred", reg.host, "alice", "wrong")
	api := fakeCache(t, secret)
	reader := &countingReader{Reader: api}
	h, err := webhook.NewPodHandler(own, fakeCache(t, world(reg.host)...), newResolver(t),
		webhook.WithSecretReader(reader), webhook.WithPullSecrets(true), webhook.WithPullSecretTTL(time.Second), webhook.WithRegistryCA(reg.ca))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(pod("secure", "p", "app="+reg.host+"/private/app:1.0"))
	if err != nil {
		t.Fatal(err)
	}
	admit := func() admission.Response {
		return h.ForMode(v1alpha1.PinningStrict).Handle(t.Context(), admission.Request{AdmissionRequest: *podRequest("secure", raw)})
	}
	if resp := admit(); resp.Allowed {
		t.Fatal("admitted with the wrong password")
	}
	*secret = *pullSecret("secure", "regcred", reg.host, "alice", "pw")
	if err := api.Update(t.Context(), secret); err != nil {
		t.Fatal(err)
	}
	if resp := admit(); resp.Allowed {
		t.Error("the fixed Secret was used within the TTL, want the cached one")
	}
	time.Sleep(1100 * time.Millisecond)
	for range 3 {
		if resp := admit(); !resp.Allowed || len(resp.Patches) == 0 {
			t.Errorf("after the TTL: allowed=%v %v, want pinned with the fixed Secret", resp.Allowed, resp.Result)
		}
	}
	if n := reader.secrets.Load(); n != 2 {
		t.Errorf("Secret read %d times in two TTLs, want 2", n)
	}
}
