package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/internal/testenv"
	"github.com/imagepin/imagepin/internal/testenv/controlplane"
	"github.com/imagepin/imagepin/internal/testenv/registry"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/receiver"
)

const receiverToken = "a-receiver-token-of-some-length"

// TestScanOnPush runs two `imagepin manager` replicas with leader election
// and a real Distribution registry that notifies the non-leader's
// receiver. A policy scanned hourly follows a pushed tag within seconds
// (the latency is logged), the leader scans what the follower received,
// and a burst of five tags costs the registry one tag listing.
func TestScanOnPush(t *testing.T) {
	cp := controlPlane.Get(t)
	cl := newTestClient(t, cp)
	own, apps := newNamespace(t, cl, nil), newNamespace(t, cl, nil)
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: own, Name: "imagepin-receiver"},
		Data: map[string][]byte{receiver.TokenKey: []byte(receiverToken)}}
	if err := cl.Create(t.Context(), secret); err != nil {
		t.Fatal(err)
	}
	leader := startReplica(t, cp, own, fmt.Sprintf("%s:%d", cp.Webhook.Host, cp.Webhook.Port))
	waitLeader(t, cl, own)
	follower := startReplica(t, cp, own, testenv.FreeAddrT(t))
	reg := registry.StartT(t, registry.Options{AccessLog: true,
		NotifyURL: "http://" + follower.receiver + receiver.EventsPath + receiverToken})
	push(t, reg, "1.0.0")
	p := hourly(apps, "app", reg.Repo("demo/app"))
	if err := cl.Create(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	waitCurrent(t, cl, p, "1.0.0", time.Minute)

	var latencies []time.Duration
	for i, tag := range []string{"1.1.0", "1.1.1", "1.1.2"} {
		if i > 0 {
			time.Sleep(receiver.DefaultMinInterval) // one scan per repository per interval
		}
		pushed := push(t, reg, tag)
		latencies = append(latencies, waitCurrent(t, cl, p, tag, time.Minute).Sub(pushed))
	}
	slices.Sort(latencies)
	t.Logf("push → status.current moved: min %v, median %v, max %v (%d pushes; debounce %v)",
		latencies[0], latencies[1], latencies[2], len(latencies), receiver.DefaultQuiet)

	time.Sleep(receiver.DefaultMinInterval)
	listings := countListings(t, reg)
	burstStart := time.Now()
	burstEnd := push(t, reg, "1.2.0", "1.2.1", "1.2.2", "1.2.3", "1.2.4")
	waitCurrent(t, cl, p, "1.2.4", time.Minute)
	time.Sleep(receiver.DefaultMinInterval + 2*receiver.DefaultQuiet) // room for a second scan, were there one
	// One listing for the burst. On a loaded machine the five pushes may
	// take longer than the quiet time: then a scan may start mid-burst,
	// and the per-repository interval allows one more per interval spanned.
	most := 1
	if d := burstEnd.Sub(burstStart); d > receiver.DefaultQuiet {
		most += 1 + int(d/receiver.DefaultMinInterval)
	}
	if n := countListings(t, reg) - listings; n < 1 || n > most {
		t.Errorf("a burst of 5 tags over %v cost %d tag listings, want 1 to %d", burstEnd.Sub(burstStart), n, most)
	}

	assertCounter(t, follower, `imagepin_registry_events_total{result="accepted",source="distribution"}`, func(v float64) bool { return v >= 4 })
	assertCounter(t, leader, `imagepin_registry_events_total{result="accepted",source="distribution"}`, func(v float64) bool { return v == 0 })
	assertCounter(t, leader, `imagepin_scans_total{result="Succeeded"}`, func(v float64) bool { return v >= 5 })
	assertCounter(t, follower, `imagepin_scans_total{result="Succeeded"}`, func(v float64) bool { return v == 0 })
}

// replica is a running `imagepin manager`.
type replica struct {
	receiver, metrics string
}

// startReplica runs a manager with its own namespace own, leader election,
// its receiver and metrics on free ports, and the webhook server on
// webhookAddr, until the test ends.
func startReplica(t *testing.T, cp *controlplane.ControlPlane, own, webhookAddr string) *replica {
	t.Helper()
	r := &replica{receiver: testenv.FreeAddrT(t), metrics: testenv.FreeAddrT(t)}
	probe := testenv.FreeAddrT(t)
	startImagepin(t, probe, "manager", "--kubeconfig", cp.Kubeconfig, "--namespace", own,
		"--webhook-bind-address", webhookAddr, "--cert-mode", "external", "--cert-dir", cp.Webhook.CertDir,
		"--metrics-bind-address", r.metrics, "--metrics-secure=false", "--health-probe-bind-address", probe,
		"--receiver-bind-address", r.receiver, "--leader-elect=true")
	return r
}

// waitLeader waits until a manager holds the scanner's lease in own.
func waitLeader(t *testing.T, cl client.Client, own string) {
	t.Helper()
	key := client.ObjectKey{Namespace: own, Name: "imagepin-scanner"}
	err := wait.PollUntilContextTimeout(t.Context(), 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		var lease coordinationv1.Lease
		if err := cl.Get(ctx, key, &lease); err != nil {
			return false, client.IgnoreNotFound(err)
		}
		return lease.Spec.HolderIdentity != nil && *lease.Spec.HolderIdentity != "", nil
	})
	if err != nil {
		t.Fatalf("no manager became leader: %v", err)
	}
}

// push pushes tags in a burst and returns when the last push returned.
func push(t *testing.T, reg *registry.Registry, tags ...string) time.Time {
	t.Helper()
	if _, err := reg.Push(t.Context(), "demo/app", tags...); err != nil {
		t.Fatal(err)
	}
	return time.Now()
}

// waitCurrent polls p until status.current is tag and returns when it saw
// it (polls are 20 ms apart, so that the latency measured is close).
func waitCurrent(t *testing.T, cl client.Client, p *v1alpha1.ImagePolicy, tag string, timeout time.Duration) time.Time {
	t.Helper()
	err := wait.PollUntilContextTimeout(t.Context(), 20*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		if err := cl.Get(ctx, client.ObjectKeyFromObject(p), p); err != nil {
			return false, err
		}
		return p.Status.Current != nil && p.Status.Current.Tag == tag, nil
	})
	if err != nil {
		t.Fatalf("status.current never became %s: %v (status %+v)", tag, err, p.Status)
	}
	return time.Now()
}

func countListings(t *testing.T, reg *registry.Registry) int {
	t.Helper()
	n, err := reg.Requests(http.MethodGet, "/v2/demo/app/tags/list")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// assertCounter checks a sample of a replica's /metrics; an absent sample
// counts as 0.
func assertCounter(t *testing.T, r *replica, sample string, ok func(float64) bool) {
	t.Helper()
	v, err := scrape(t.Context(), "http://"+r.metrics+"/metrics", sample)
	if err != nil {
		t.Fatal(err)
	}
	if !ok(v) {
		t.Errorf("replica with receiver %s: %s = %v", r.receiver, sample, v)
	}
}

// scrape returns the value of one sample, written as name{label="v",...}
// with labels in alphabetical order.
func scrape(ctx context.Context, url, sample string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return 0, fmt.Errorf("parse %s: %w", url, err)
	}
	name := sample[:strings.IndexByte(sample+"{", '{')]
	for _, m := range families[name].GetMetric() {
		var labels []string
		for _, l := range m.GetLabel() {
			labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
		}
		s := name
		if len(labels) > 0 {
			s += "{" + strings.Join(labels, ",") + "}"
		}
		if s == sample {
			return m.GetCounter().GetValue(), nil
		}
	}
	return 0, nil
}
