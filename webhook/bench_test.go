package webhook_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/imagepin/imagepin/internal/testenv/controlplane"
	"github.com/imagepin/imagepin/internal/testenv/kubescheme"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/revision"
	"github.com/imagepin/imagepin/webhook"
)

// Sizes of the benchmark cluster.
const (
	benchNamespaces  = 10
	benchPolicies    = 10000 // in all namespaces together
	benchReplicaSets = 5000  // in namespace bench-0
)

// BenchmarkAdmission measures a 10-container Pod (6 images governed by
// policies, 2 resolved through the resolver's cache, 2 already pinned) with
// 10,000 ImagePolicies in the manager's informer cache of a real API
// server: the handler alone (latency percentiles, allocations) and whole
// AdmissionReviews over HTTPS to the webhook server (admissions per second).
func BenchmarkAdmission(b *testing.B) {
	reg := startRegistry(b, "")
	reg.push(b, "team/app", "v1")
	reg.push(b, "team/tool", "1.0")
	req := benchRequest(b, reg.host)
	c, h := benchCluster(b)
	if resp := h.Handle(b.Context(), req); len(resp.Patches) != 9 || len(resp.Warnings) != 8 {
		b.Fatalf("warm-up: %d patches and warnings %q, want 9 (8 images, 1 annotation) and 8", len(resp.Patches), resp.Warnings)
	}
	// The handler at the enabled namespaces' path, which the chart's webhook calls.
	b.Run("handler", func(b *testing.B) { benchHandler(b, h.ForMode(v1alpha1.PinningEnabled), req) })
	b.Run("https", func(b *testing.B) { benchHTTPS(b, c.cp, req) })
	b.Run("https-client-process", func(b *testing.B) { benchHTTPSClientProcess(b, c.cp, req) })
	b.Run("https-h2load", func(b *testing.B) { benchHTTPSH2load(b, c.cp, req) })
	// The same Pod owned by a ReplicaSet among benchReplicaSets in the cache:
	// one with a record (the common case once the recorder has run) and one
	// without (its first Pods: the history is consulted).
	for _, rs := range []string{"bench-rs-recorded", "bench-rs-new"} {
		owned := ownedBy(b, req, rs)
		if resp := h.Handle(b.Context(), owned); len(resp.Patches) != 9 {
			b.Fatalf("warm-up of %s: %d patches, want 9", rs, len(resp.Patches))
		}
		b.Run("handler-owned-"+strings.TrimPrefix(rs, "bench-rs-"), func(b *testing.B) { benchHandler(b, h, owned) })
	}
}

// ownedBy returns req with its Pod controlled by ReplicaSet rs.
func ownedBy(b *testing.B, req admission.Request, rs string) admission.Request {
	var pod corev1.Pod
	if err := json.Unmarshal(req.Object.Raw, &pod); err != nil {
		b.Fatal(err)
	}
	yes := true
	pod.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs, UID: "u", Controller: &yes}}
	raw, err := json.Marshal(pod)
	if err != nil {
		b.Fatal(err)
	}
	return admission.Request{AdmissionRequest: *podRequest("bench-0", raw)}
}

// benchHandler calls the handler directly.
func benchHandler(b *testing.B, h admission.Handler, req admission.Request) {
	b.ReportAllocs()
	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		resp := h.Handle(b.Context(), req)
		took = append(took, time.Since(start))
		if !resp.Allowed {
			b.Fatal(resp.Result)
		}
	}
	reportPercentiles(b, took)
}

// benchHTTPS posts AdmissionReviews over TLS to the webhook server on
// 127.0.0.1 with HTTP/2, as the API server calls webhooks, 8 requests per
// core in flight. Besides the rate and latencies it reports the process's
// CPU time per admission (server and client together, as they share the
// process): unlike the rate, it hardly depends on what else the machine
// runs, and 2 cores / it bounds the rate an idle machine could reach.
func benchHTTPS(b *testing.B, cp *controlplane.ControlPlane, req admission.Request) {
	body := reviewBody(b, req)
	url := fmt.Sprintf("https://%s:%d%s", cp.Webhook.Host, cp.Webhook.Port, webhook.MutatePodsEnabledPath)
	client := tlsClient(b, cp.Webhook.CAPEM)
	var mu sync.Mutex
	var took []time.Duration
	b.SetParallelism(8)
	b.ResetTimer()
	start, cpu := time.Now(), processCPU(b)
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			t0 := time.Now()
			if err := post(client, url, body); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		took = append(took, mine...)
		mu.Unlock()
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "admissions/s")
	b.ReportMetric(float64((processCPU(b)-cpu).Microseconds())/float64(b.N), "cpu-µs/admission")
	reportPercentiles(b, took)
}

// reviewBody is the AdmissionReview of req as the API server sends it.
func reviewBody(b *testing.B, req admission.Request) []byte {
	body, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request:  &req.AdmissionRequest,
	})
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// processCPU is the CPU time (user and system) this process has used.
func processCPU(b *testing.B) time.Duration {
	d, err := ownCPU()
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// post sends one AdmissionReview and checks that a patch came back.
func post(client *http.Client, url string, body []byte) error {
	resp, err := client.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 2 {
		return fmt.Errorf("answered over %s, want HTTP/2 as the API server speaks it", resp.Proto)
	}
	var review admissionv1.AdmissionReview
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, &review); err != nil || review.Response == nil || len(review.Response.Patch) == 0 {
		return fmt.Errorf("response %s: %v", data, err)
	}
	return nil
}

// tlsClient trusts caPEM, speaks HTTP/2 and keeps connections alive.
func tlsClient(b *testing.B, caPEM []byte) *http.Client {
	c, err := newTLSClient(caPEM)
	if err != nil {
		b.Fatal(err)
	}
	return c.Client
}

// reviewClient posts AdmissionReviews.
type reviewClient struct{ *http.Client }

// post sends one AdmissionReview and checks that a patch came back.
func (c reviewClient) post(url string, body []byte) error { return post(c.Client, url, body) }

// newTLSClient returns a client that trusts caPEM, speaks HTTP/2 and keeps
// connections alive.
func newTLSClient(caPEM []byte) (reviewClient, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return reviewClient{}, errors.New("no CA certificate")
	}
	return reviewClient{&http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 16,
	}}}, nil
}

// reportPercentiles reports the 50th and 99th percentile of took.
func reportPercentiles(b *testing.B, took []time.Duration) {
	if len(took) == 0 {
		return
	}
	slices.Sort(took)
	at := func(q float64) float64 { return float64(took[int(q*float64(len(took)-1))].Microseconds()) }
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
}

// benchRequest is the CREATE of a 10-container Pod in namespace bench-0:
// app-0 … app-5 are governed by policies, team/app and team/tool of the
// registry are resolved, two images are already pinned.
func benchRequest(b *testing.B, host string) admission.Request {
	images := []string{
		"registry.example/team/app-0:1", "registry.example/team/app-1", "registry.example/team/app-2:2",
		"registry.example/team/app-3:3", "registry.example/team/app-4:4", "registry.example/team/app-5:5",
		host + "/team/app:v1", host + "/team/tool:1.0",
		"nginx:1.27@" + nginxDigest, "busybox@" + olderDigest,
	}
	pod := corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "bench", Namespace: "bench-0", Labels: map[string]string{"app": "bench"}}}
	for i, image := range images {
		pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{
			Name: fmt.Sprintf("c%d", i), Image: image,
			Env: []corev1.EnvVar{{Name: "MODE", Value: "production"}, {Name: "PORT", Value: "8080"}},
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")}},
		})
	}
	raw, err := json.Marshal(pod)
	if err != nil {
		b.Fatal(err)
	}
	return admission.Request{AdmissionRequest: *podRequest("bench-0", raw)}
}

// benchCluster is a control plane holding benchPolicies ImagePolicies with
// status.current, spread over benchNamespaces enabled namespaces, and a
// manager whose cache has synced them and whose webhook server serves the
// returned handler (with default options, as `imagepin manager` would).
// The control plane is the benchmark's own, not the tests' shared one: that
// one runs kube-controller-manager, which would reconcile the seeded
// ReplicaSets on the CPU the benchmark measures, and it holds the tests'
// objects, which the manager's cache would hold too.
func benchCluster(b *testing.B) (*cluster, *webhook.PodHandler) {
	c := &cluster{cp: controlplane.ForBenchmark(b, controlplane.Options{CRDDirs: []string{"charts/imagepin/crds"}})}
	cfg := rest.CopyConfig(c.cp.Config)
	cfg.QPS, cfg.Burst = -1, 0 // no client-side rate limit while seeding
	cl, err := client.New(cfg, client.Options{Scheme: kubescheme.NewT(b)})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := seedPolicies(b.Context(), cl); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d policies in %s", benchPolicies, time.Since(start).Round(time.Second))
	start = time.Now()
	if err := seedReplicaSets(b.Context(), cl); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d ReplicaSets in %s", benchReplicaSets, time.Since(start).Round(time.Second))
	var h *webhook.PodHandler
	c.startManager(b, func(ctx context.Context, mgr ctrl.Manager) error {
		var err error
		if h, err = webhook.NewPodHandler(own, mgr.GetCache(), newResolver(b), webhook.WithAPIReader(mgr.GetAPIReader())); err != nil {
			return err
		}
		return h.SetupWithManager(ctx, mgr)
	})
	return c, h
}

// seedPolicies creates the namespaces and policies, 16 requests at a time.
func seedPolicies(ctx context.Context, cl client.Client) error {
	for n := range benchNamespaces {
		if err := cl.Create(ctx, namespace(fmt.Sprintf("bench-%d", n), v1alpha1.PinningEnabled)); err != nil {
			return err
		}
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for i := range benchPolicies {
		g.Go(func() error {
			ns, repo := fmt.Sprintf("bench-%d", i%benchNamespaces), fmt.Sprintf("registry.example/team/app-%d", i/benchNamespaces)
			p := imagePolicy(ns, fmt.Sprintf("app-%d", i/benchNamespaces), repo, "")
			if err := cl.Create(ctx, p); err != nil {
				return err
			}
			p.Status = imagePolicy(ns, p.Name, repo, repo+":1.0.0@"+nginxDigest).Status
			return cl.Status().Update(ctx, p)
		})
	}
	return g.Wait()
}

// seedReplicaSets creates benchReplicaSets ReplicaSets of 10 containers in
// bench-0 (0 replicas: no Pods), among them bench-rs-recorded, whose record
// names every governed repository of benchRequest, and bench-rs-new.
func seedReplicaSets(ctx context.Context, cl client.Client) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for i := range benchReplicaSets {
		g.Go(func() error {
			name := fmt.Sprintf("bench-rs-%d", i)
			switch i {
			case 0:
				name = "bench-rs-recorded"
			case 1:
				name = "bench-rs-new"
			}
			return cl.Create(ctx, benchReplicaSet(name, i == 0))
		})
	}
	return g.Wait()
}

func benchReplicaSet(name string, recorded bool) *appsv1.ReplicaSet {
	labels := map[string]string{"app": name}
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: "bench-0", Name: name},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](0), Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}}},
	}
	record := map[string]string{}
	for c := range 10 {
		repo := fmt.Sprintf("registry.example/team/app-%d", c)
		rs.Spec.Template.Spec.Containers = append(rs.Spec.Template.Spec.Containers, corev1.Container{Name: fmt.Sprintf("c%d", c), Image: repo + ":1",
			Env: []corev1.EnvVar{{Name: "MODE", Value: "production"}}})
		record[repo] = repo + ":1.0.0@" + nginxDigest
	}
	if recorded {
		rs.Annotations = map[string]string{v1alpha1.RevisionImagesAnnotation: revision.FormatRecord(record)}
	}
	return rs
}
