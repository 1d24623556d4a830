package hostile

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/e2e/stack"
	"github.com/imagepin/imagepin/internal/testenv/attack"
)

// Bounds that TestHostileInput states for 300 dry-run Pods naming 300 new
// registry hosts. The manager's heap grows with what it keeps: a resident
// memory growth above the bound means per-host state that is not bounded.
const (
	randomHosts     = 300
	maxRSSGrowthMiB = 48
	maxSeries       = 8 // of imagepin_registry_requests_total: "other" and the policies' registries, by code
	maxGoroutines   = 100
)

// Namespaces of the test, labelled with their mode.
const (
	enabled = "tenant-enabled"
	strict  = "tenant-strict"
)

// TestHostileInput runs the attacks in order on one stack; the last one
// stops the manager.
func TestHostileInput(t *testing.T) {
	denied := attack.Listen(t, "127.0.0.2:0") // in --registry-deny-cidrs
	h := &hostile{Stack: stack.ForTest(t, stack.Options{ManagerArgs: []string{"--registry-deny-cidrs=127.0.0.2/32"}}), denied: denied}
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"metrics answer only a token allowed to get them", h.metricsNeedAToken},
		{"300 dry-run Pods naming new hosts leave memory and series bounded", h.randomHosts},
		{"link-local and denied addresses are never dialled", h.deniedAddresses},
		{"a registry's 40 KiB error body reaches no warning or denial", h.errorBody},
		{"strict: finalizers and labels change while the manager is down", h.managerDown},
	}
	if err := h.Create(t.Context(), h.namespaces(t)...); err != nil {
		t.Fatal(err)
	}
	for _, step := range steps {
		if !t.Run(step.name, step.run) {
			t.FailNow()
		}
	}
}

// randomHosts creates randomHosts dry-run Pods in the enabled namespace,
// 30 at a time, each naming a registry host never seen before (random
// loopback addresses, which refuse at once and send nothing off the
// machine). They are admitted unpinned with a warning; afterwards the
// manager's resident memory, goroutines and registry request series stay
// within the stated bounds.
func (h *hostile) randomHosts(t *testing.T) {
	pid := h.Manager.Pid()
	before, goBefore := rssMiB(t, pid), h.gauge(t, "go_goroutines")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11))
	images := make([]string, randomHosts)
	for i := range images {
		images[i] = fmt.Sprintf("127.%d.%d.%d:%d/team/app:1", 1+rng.IntN(254), rng.IntN(256), 1+rng.IntN(254), 20000+rng.IntN(40000))
	}
	var admitted atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 30)
	for _, image := range images {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			pod := newPod(enabled, "random-", image)
			if err := h.fast.Create(t.Context(), pod, client.DryRunAll); err != nil {
				t.Errorf("dry-run Pod with %s: %v", image, err)
				return
			}
			if pod.Spec.Containers[0].Image == image {
				admitted.Add(1)
			}
		})
	}
	wg.Wait()
	if n := admitted.Load(); n != randomHosts {
		t.Errorf("%d of %d Pods admitted unpinned, want all", n, randomHosts)
	}
	goAfter := h.settle(t, goBefore)
	after := rssMiB(t, pid)
	t.Logf("manager: resident memory %.1f → %.1f MiB, goroutines %.0f → %.0f", before, after, goBefore, goAfter)
	if after-before > maxRSSGrowthMiB {
		t.Errorf("resident memory grew by %.1f MiB, want at most %d", after-before, maxRSSGrowthMiB)
	}
	series := h.series(t, "imagepin_registry_requests_total")
	t.Logf("imagepin_registry_requests_total: %d series: %v", len(series), series)
	if len(series) > maxSeries {
		t.Errorf("%d series of imagepin_registry_requests_total, want at most %d", len(series), maxSeries)
	}
	for _, s := range series {
		if strings.Contains(s, `registry="127.`) && !strings.Contains(s, h.Registry.Host) {
			t.Errorf("series %s names a host only a Pod named", s)
		}
	}
}

// deniedAddresses creates Pods naming the cloud metadata address and an
// address in --registry-deny-cidrs, where a listener counts connections:
// the enabled namespace admits them unpinned with a warning that says the
// address is denied, the strict one refuses them, and the listener accepts
// nothing.
func (h *hostile) deniedAddresses(t *testing.T) {
	images := []string{"169.254.169.254/latest/meta-data:1", fmt.Sprintf("127.0.0.2:%s/team/app:1", h.denied.Port())}
	pod := newPod(enabled, "denied-", images...)
	h.Warnings.Take()
	if err := h.Client.Create(t.Context(), pod); err != nil {
		t.Fatal(err)
	}
	warnings := strings.Join(h.Warnings.Take(), "\n")
	for i, image := range images {
		if got := pod.Spec.Containers[i].Image; got != image {
			t.Errorf("image %q became %q, want it admitted unpinned", image, got)
		}
		if !strings.Contains(warnings, image) || !strings.Contains(warnings, "address denied") {
			t.Errorf("warnings %q do not say that %s is denied", warnings, image)
		}
	}
	err := h.Client.Create(t.Context(), newPod(strict, "denied-", images...))
	if err == nil || !strings.Contains(err.Error(), "address denied") {
		t.Errorf("strict: %v, want a denial that names the denied address", err)
	}
	if n := h.denied.Accepts(); n != 0 {
		t.Errorf("the listener on a denied address accepted %d connections, want 0", n)
	}
}

// errorBody resolves an image of a registry that answers with a 40 KiB
// error body: the enabled namespace's warning and the strict namespace's
// denial name the status code and hold no 4 bytes in a row of the body.
func (h *hostile) errorBody(t *testing.T) {
	host, body := attack.ErrorRegistry(t, http.StatusNotFound)
	image := host + "/team/app:1"
	h.Warnings.Take()
	if err := h.Client.Create(t.Context(), newPod(enabled, "body-", image)); err != nil {
		t.Fatal(err)
	}
	warnings := strings.Join(h.Warnings.Take(), "\n")
	err := h.Client.Create(t.Context(), newPod(strict, "body-", image))
	if err == nil {
		t.Fatal("strict: admitted, want a denial")
	}
	for what, text := range map[string]string{"warnings": warnings, "denial": err.Error()} {
		if !strings.Contains(text, "HTTP 404") {
			t.Errorf("%s %q do not name the status code", what, text)
		}
		if piece := attack.Leak(text, body); piece != "" {
			t.Errorf("%s hold %q of the registry's body: %.400q", what, piece, text)
		}
	}
}

// managerDown stops the manager: a deleted Pod of the strict namespace
// still loses its finalizer and a Pod still takes a new label, since the
// webhooks' match conditions do not send those updates, while an image
// change is refused by failurePolicy Fail.
func (h *hostile) managerDown(t *testing.T) {
	ctx := t.Context()
	pinned := h.Pinned(stack.DefaultTags[0])
	kept, other := newPod(strict, "kept-", pinned), newPod(strict, "other-", pinned)
	kept.Finalizers = []string{"batch.kubernetes.io/job-tracking"} // as the Job controller's Pods carry
	other.Finalizers = []string{"example.com/keep"}
	if err := h.Create(ctx, kept, other); err != nil {
		t.Fatal(err)
	}
	if err := h.Manager.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := h.Client.Delete(ctx, kept); err != nil {
		t.Fatal(err)
	}
	// kube-controller-manager's Job controller removes its finalizer from a
	// Pod that no Job owns; whoever removes it, the Pod must go.
	if err := h.update(ctx, kept, func(p *corev1.Pod) { p.Finalizers = nil }); err != nil && !apierrors.IsNotFound(err) {
		t.Errorf("finalizer removal with the manager down: %v, want it to pass", err)
	}
	if err := h.gone(ctx, kept); err != nil {
		t.Errorf("deleted Pod with its finalizer removed: %v", err)
	}
	if err := h.update(ctx, other, func(p *corev1.Pod) { metav1.SetMetaDataLabel(&p.ObjectMeta, "seen", "yes") }); err != nil {
		t.Errorf("label edit with the manager down: %v, want it to pass", err)
	}
	err := h.update(ctx, other, func(p *corev1.Pod) { p.Spec.Containers[0].Image = h.Pinned(stack.DefaultTags[1]) })
	if err == nil || !strings.Contains(err.Error(), "failed calling webhook") {
		t.Errorf("image change with the manager down: %v, want the webhook's failure", err)
	}
	if err := h.update(ctx, other, func(p *corev1.Pod) { p.Finalizers = nil }); err != nil {
		t.Errorf("finalizer removal with the manager down: %v, want it to pass", err)
	}
}
