package scanner_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/internal/testenv/registry"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/scanner"
)

// hostile is a registry that answers the /v2/ ping and lets behave answer
// everything else; open counts the requests it is still answering.
type hostile struct {
	host string
	open atomic.Int32
}

// newHostile serves behave in front of a /v2/ ping until the test ends.
// behave gets a channel closed at cleanup, so that nothing outlives the test.
func newHostile(t *testing.T, behave func(w http.ResponseWriter, r *http.Request, stop <-chan struct{})) *hostile {
	t.Helper()
	h := &hostile{}
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			w.WriteHeader(http.StatusOK)
			return
		}
		h.open.Add(1)
		defer h.open.Add(-1)
		behave(w, r, stop)
	}))
	t.Cleanup(func() { close(stop); srv.Close() })
	h.host = strings.TrimPrefix(srv.URL, "http://")
	return h
}

// trickle sends a tag list's headers at once and then its body one byte a
// second, for ever.
func trickle(w http.ResponseWriter, r *http.Request, stop <-chan struct{}) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"tags":["1.0.0"`))
	for {
		http.NewResponseController(w).Flush()
		select {
		case <-r.Context().Done():
			return
		case <-stop:
			return
		case <-time.After(time.Second):
			_, _ = w.Write([]byte(" "))
		}
	}
}

// endlessPages answers every tag list with a page of 1000 new tags and a
// link to the next page.
func endlessPages(w http.ResponseWriter, r *http.Request, _ <-chan struct{}) {
	last := r.URL.Query().Get("last")
	tags := make([]string, 1000)
	for i := range tags {
		tags[i] = fmt.Sprintf(`"1.%s%d.0"`, strings.TrimPrefix(last, "p"), i)
	}
	w.Header().Set("Link", fmt.Sprintf(`<%s?last=p%s1>; rel="next"`, r.URL.Path, strings.TrimPrefix(last, "p")))
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"tags":[%s]}`, strings.Join(tags, ","))
}

// TestHangingRegistryDoesNotStopOthers gives a scanner of two workers two
// policies on a registry that trickles its tag list, and one on a healthy
// registry: the healthy policy is scanned on its schedule while the first
// trickling listing is open, and the trickling scans end at the timeout.
func TestHangingRegistryDoesNotStopOthers(t *testing.T) {
	ns, good := namespace(t), registry.NewInProcess(t)
	d := good.Push(t, "team/app", "1.0.0")
	slow := newHostile(t, trickle)
	const timeout = 20 * time.Second
	// Every scan writes lastScan, by which the test tells the scans apart.
	startScanner(t, ns, newResolver(t), scannerOpts{concurrency: 2, scanTimeout: timeout, statusRefresh: scanner.EveryScan})
	healthy := semverPolicy(ns, "healthy", good.Repo("team/app"), "^1")
	if err := cl.Create(t.Context(), healthy); err != nil {
		t.Fatal(err)
	}
	waitFor(t, healthy, "current 1.0.0", currentIs("1.0.0", d["1.0.0"], v1alpha1.SourceScan))

	var hanging []*v1alpha1.ImagePolicy
	for i := range 2 {
		p := semverPolicy(ns, fmt.Sprintf("slow%d", i), fmt.Sprintf("%s/team/app%d", slow.host, i), "^1")
		hanging = append(hanging, p)
	}
	for _, p := range hanging {
		if err := cl.Create(t.Context(), p); err != nil {
			t.Fatal(err)
		}
	}
	waitOpen(t, slow)
	for i := range 3 {
		before := lastScan(t, healthy)
		waitFor(t, healthy, fmt.Sprintf("scan %d while the registry trickles", i+1), func(p *v1alpha1.ImagePolicy) bool {
			return p.Status.LastScan != nil && p.Status.LastScan.Time.After(before.Time)
		})
	}
	for _, p := range hanging {
		if c := condition(get(t, p), v1alpha1.ConditionReady); c.Status != "" {
			t.Fatalf("%s finished its first scan (%s %s) before the healthy policy was scanned three times", p.Name, c.Status, c.Reason)
		}
	}
	for _, p := range hanging { // one at a time: the registry's share is one worker
		waitWithin(t, p, "Ready=False after the scan timeout", 4*timeout, readyIs(metav1.ConditionFalse, v1alpha1.ReasonRegistryUnavailable))
		if msg := condition(p, v1alpha1.ConditionReady).Message; !strings.Contains(msg, "timed out after "+timeout.String()) {
			t.Errorf("%s: Ready message %q does not name the scan timeout", p.Name, msg)
		}
	}
}

// TestEndlessPagesAreCut scans a registry that pages for ever: the listing
// stops at its caps and the policy says TagListTooLarge.
func TestEndlessPagesAreCut(t *testing.T) {
	ns, endless := namespace(t), newHostile(t, endlessPages)
	startScanner(t, ns, newResolver(t), scannerOpts{})
	p := semverPolicy(ns, "paging", endless.host+"/team/app", "^1")
	if err := cl.Create(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, "Ready=False TagListTooLarge", readyIs(metav1.ConditionFalse, v1alpha1.ReasonTagListTooLarge))
	if msg := condition(p, v1alpha1.ConditionReady).Message; !strings.Contains(msg, "more than 100000 tags") {
		t.Errorf("Ready message %q does not name the cap", msg)
	}
}

// waitOpen waits until h is answering a request.
func waitOpen(t *testing.T, h *hostile) {
	t.Helper()
	err := wait.PollUntilContextTimeout(t.Context(), 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return h.open.Load() > 0, nil
	})
	if err != nil {
		t.Fatalf("no request reached %s: %v", h.host, err)
	}
}

// get reads p again.
func get(t *testing.T, p *v1alpha1.ImagePolicy) *v1alpha1.ImagePolicy {
	t.Helper()
	if err := cl.Get(t.Context(), client.ObjectKeyFromObject(p), p); err != nil {
		t.Fatal(err)
	}
	return p
}

func lastScan(t *testing.T, p *v1alpha1.ImagePolicy) metav1.Time {
	t.Helper()
	if get(t, p).Status.LastScan == nil {
		return metav1.Time{}
	}
	return p.Status.LastScan.Time
}

// TestHugeRegistryErrorIsCut makes a registry answer with a 40 KB error
// body, more than a condition message may hold: Ready turns False with a
// message of at most 1 KiB, status patches keep landing, and the Warning
// events (whose notes the API server caps at 1 KiB) are recorded.
func TestHugeRegistryErrorIsCut(t *testing.T) {
	ns := namespace(t)
	var huge atomic.Bool
	good := registry.NewInProcess(t)
	d := good.Push(t, "team/app", "1.0.0")
	front := newHostile(t, func(w http.ResponseWriter, r *http.Request, _ <-chan struct{}) {
		if huge.Load() {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `{"errors":[{"code":"DENIED","message":"%s"}]}`, strings.Repeat("no! ", 10000))
			return
		}
		proxyTo(w, r, good.Host)
	})
	// Every scan writes the status: the test sees the patches with the cut
	// message land.
	startScanner(t, ns, newResolver(t), scannerOpts{statusRefresh: scanner.EveryScan})
	p := semverPolicy(ns, "app", front.host+"/team/app", "^1")
	if err := cl.Create(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	waitFor(t, p, "current 1.0.0", currentIs("1.0.0", d["1.0.0"], v1alpha1.SourceScan))

	huge.Store(true)
	waitFor(t, p, "Ready=False AuthenticationFailed", readyIs(metav1.ConditionFalse, v1alpha1.ReasonAuthenticationFailed))
	for _, c := range p.Status.Conditions {
		if len(c.Message) > 1024 {
			t.Errorf("%s message is %d bytes, want at most 1024", c.Type, len(c.Message))
		}
	}
	for i := range 2 {
		next := *p.Status.NextScanAt
		waitFor(t, p, fmt.Sprintf("status patch %d after the failure", i+1), func(p *v1alpha1.ImagePolicy) bool {
			return p.Status.NextScanAt != nil && !p.Status.NextScanAt.Equal(&next)
		})
	}
	waitEvent(t, p, v1alpha1.ReasonAuthenticationFailed)
}

// proxyTo passes r on to the registry at host.
func proxyTo(w http.ResponseWriter, r *http.Request, host string) {
	out := r.Clone(r.Context())
	out.RequestURI, out.URL.Scheme, out.URL.Host = "", "http", host
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// waitEvent waits for an event about p with reason, checks that its note
// fits the API server's 1 KiB, and returns the note.
func waitEvent(t *testing.T, p *v1alpha1.ImagePolicy, reason string) string {
	t.Helper()
	var notes []string
	err := wait.PollUntilContextTimeout(t.Context(), 200*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		notes = eventNotes(t, p, reason)
		return len(notes) > 0, nil
	})
	if err != nil {
		t.Fatalf("no %s event about %s: %v", reason, p.Name, err)
	}
	if len(notes[0]) > 1024 {
		t.Errorf("event note is %d bytes", len(notes[0]))
	}
	return notes[0]
}

// eventNotes are the notes of the events about p with reason.
func eventNotes(t *testing.T, p *v1alpha1.ImagePolicy, reason string) []string {
	t.Helper()
	var list eventsv1.EventList
	if err := cl.List(t.Context(), &list, client.InNamespace(p.Namespace)); err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, e := range list.Items {
		if e.Regarding.Name == p.Name && e.Reason == reason {
			notes = append(notes, e.Note)
		}
	}
	return notes
}
