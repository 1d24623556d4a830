package receiver

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// recorder records the scan requests a scheduler makes.
type recorder struct {
	mu    sync.Mutex
	calls map[string][]time.Time
	fail  int // fail the first calls
}

func (r *recorder) request(_ context.Context, repo string) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.calls == nil {
		r.calls = map[string][]time.Time{}
	}
	r.calls[repo] = append(r.calls[repo], time.Now())
	if r.fail > 0 {
		r.fail--
		return 0, errors.New("API unavailable")
	}
	return 1, nil
}

func (r *recorder) count(repo string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls[repo])
}

func runScheduler(t *testing.T, s *scheduler, r *recorder) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.run(ctx, r.request); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// TestBurstIsOneScan pushes five tags 20 ms apart: one request, a quiet
// period after the last push.
func TestBurstIsOneScan(t *testing.T) {
	s, r := newScheduler(200*time.Millisecond, 5*time.Second, time.Second, 10), &recorder{}
	runScheduler(t, s, r)
	start := time.Now()
	for range 5 {
		if err := s.add([]string{"example.com/app"}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(600 * time.Millisecond)
	if n := r.count("example.com/app"); n != 1 {
		t.Fatalf("%d requests for a burst, want 1", n)
	}
	if at := r.calls["example.com/app"][0].Sub(start); at < 280*time.Millisecond {
		t.Errorf("requested %v after the first push, want a quiet period after the last", at)
	}
}

// TestPushesAreSpacedNotLost pushes again right after a scan: the second
// scan waits for the minimum interval, and happens.
func TestPushesAreSpacedNotLost(t *testing.T) {
	s, r := newScheduler(50*time.Millisecond, time.Second, 700*time.Millisecond, 10), &recorder{}
	runScheduler(t, s, r)
	_ = s.add([]string{"example.com/app"})
	waitCount(t, r, "example.com/app", 1)
	_ = s.add([]string{"example.com/app"})
	waitCount(t, r, "example.com/app", 2)
	if gap := r.calls["example.com/app"][1].Sub(r.calls["example.com/app"][0]); gap < 650*time.Millisecond {
		t.Errorf("second scan %v after the first, want at least the minimum interval", gap)
	}
}

// TestContinuousPushesWaitAtMostMaxWait pushes every 50 ms, longer than
// the quiet period would ever allow: a scan still happens after MaxWait.
func TestContinuousPushesWaitAtMostMaxWait(t *testing.T) {
	s, r := newScheduler(200*time.Millisecond, 500*time.Millisecond, 10*time.Millisecond, 10), &recorder{}
	runScheduler(t, s, r)
	deadline := time.Now().Add(900 * time.Millisecond)
	for time.Now().Before(deadline) {
		_ = s.add([]string{"example.com/app"})
		time.Sleep(50 * time.Millisecond)
	}
	if n := r.count("example.com/app"); n == 0 {
		t.Errorf("no scan during 900 ms of pushes with a 500 ms maximum wait")
	}
}

func TestFailedRequestIsRetried(t *testing.T) {
	s, r := newScheduler(10*time.Millisecond, time.Second, 50*time.Millisecond, 10), &recorder{fail: 2}
	runScheduler(t, s, r)
	_ = s.add([]string{"example.com/app"})
	waitCount(t, r, "example.com/app", 3)
}

func TestTrackedRepositoriesAreBounded(t *testing.T) {
	s := newScheduler(time.Hour, time.Hour, time.Hour, 2)
	if err := s.add([]string{"a.example/x", "b.example/x"}); err != nil {
		t.Fatal(err)
	}
	if err := s.add([]string{"a.example/x"}); err != nil {
		t.Errorf("a repository already waiting refused: %v", err)
	}
	if err := s.add([]string{"c.example/x"}); !errors.Is(err, errBusy) {
		t.Errorf("third repository: %v, want errBusy", err)
	}
}

func waitCount(t *testing.T, r *recorder, repo string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for r.count(repo) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests for %s, want %d", r.count(repo), repo, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
