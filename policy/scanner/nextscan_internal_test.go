package scanner

import (
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

func TestFirstScanAt(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 30, 0, time.UTC)
	policy := func(schedule string, next *time.Time) *v1alpha1.ImagePolicy {
		p := &v1alpha1.ImagePolicy{Spec: v1alpha1.ImagePolicySpec{Image: "registry.example/team/app", Schedule: schedule}}
		if next != nil {
			p.Status.NextScanAt = &metav1.Time{Time: *next}
		}
		return p
	}
	ahead, overdue := now.Add(3*time.Minute), now.Add(-time.Hour)
	if got := firstScanAt(policy("@every 5m", &ahead), now, time.Hour); !got.Equal(ahead) {
		t.Errorf("next scan ahead: first scan at %v, want %v", got, ahead)
	}
	if got := firstScanAt(policy("@every 5m", nil), now, time.Hour); !got.IsZero() {
		t.Errorf("no next scan (suspended or stalled): first scan at %v, want at once (zero)", got)
	}
	tests := map[string]struct {
		schedule string
		spread   time.Duration
		within   time.Duration
	}{
		"every 5m":                    {schedule: "@every 5m", spread: time.Hour, within: 5 * time.Minute},
		"cron every minute":           {schedule: "* * * * *", spread: time.Hour, within: time.Minute},
		"daily, capped by the spread": {schedule: "0 3 * * *", spread: 10 * time.Minute, within: 10 * time.Minute},
		"default schedule":            {schedule: "", spread: time.Hour, within: 5 * time.Minute},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			buckets := make([]int, 10)
			for i := range 1000 {
				p := policy(tc.schedule, &overdue)
				p.Spec.Image = fmt.Sprintf("registry.example/team/app%d", i)
				at := firstScanAt(p, now, tc.spread)
				if at.Before(now) || !at.Before(now.Add(tc.within)) {
					t.Fatalf("%s: first scan at %v, want within %s of %v", p.Spec.Image, at, tc.within, now)
				}
				other := p.DeepCopy()
				other.Namespace, other.Name = "elsewhere", "other"
				if again := firstScanAt(other, now, tc.spread); !again.Equal(at) {
					t.Fatalf("%s: first scans at %v and %v; want one for the policies of one repository", p.Spec.Image, at, again)
				}
				buckets[int(at.Sub(now)*10/tc.within)]++
			}
			for i, n := range buckets {
				if n < 60 || n > 140 { // 100 each when even
					t.Errorf("first scans per tenth of %s: %v; tenth %d holds %d", tc.within, buckets, i, n)
					break
				}
			}
		})
	}
}

func TestPeriod(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 30, 0, time.UTC)
	for expr, want := range map[string]time.Duration{
		"@every 2m": 2 * time.Minute, "*/15 * * * *": 15 * time.Minute, "@hourly": time.Hour, "not a schedule": 5 * time.Minute,
	} {
		if got := period(parseSchedule(expr), now); got != want {
			t.Errorf("period(%q) = %s, want %s", expr, got, want)
		}
	}
}

func TestNotDueFollowsOwnSchedule(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	r := &Reconciler{opts: Options{StartSpread: time.Minute}, next: newNextScans()}
	stale := metav1.NewTime(now.Add(-time.Hour))
	p := &v1alpha1.ImagePolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "a", Generation: 2},
		Spec:   v1alpha1.ImagePolicySpec{Schedule: "@every 5m"},
		Status: v1alpha1.ImagePolicyStatus{ObservedGeneration: 2, NextScanAt: &stale}}
	k := key("a")
	wait, notDue := r.notDue(p, k, now)
	if !notDue || wait >= time.Minute {
		t.Fatalf("overdue policy first seen: wait %s, not due %v; want a wait under the start spread", wait, notDue)
	}
	if again, _ := r.notDue(p, k, now); again != wait {
		t.Errorf("second look: wait %s, want the same %s", again, wait)
	}
	r.schedule(k, now, 5*time.Minute)
	if wait, notDue := r.notDue(p, k, now.Add(time.Minute)); !notDue || wait != 4*time.Minute {
		t.Errorf("after a scan the status did not record: wait %s, not due %v; want 4m from the scanner's own schedule", wait, notDue)
	}
	p.Generation = 3
	if _, notDue := r.notDue(p, k, now.Add(time.Minute)); notDue {
		t.Error("an edited spec is not due at once")
	}
	p.Generation = 2
	r.schedule(k, now, 0)
	if _, notDue := r.notDue(p, k, now); notDue {
		t.Error("a suspended policy is not due on the next reconcile")
	}
}

func TestUntilNextEveryIsOnTheRepositorysGrid(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	const every = 5 * time.Minute
	policy := func(image string) *v1alpha1.ImagePolicy {
		return &v1alpha1.ImagePolicy{Spec: v1alpha1.ImagePolicySpec{Image: image, Schedule: "@every 5m"}}
	}
	a := policy("registry.example/team/a")
	next := now.Add(untilNext(a, now, time.Hour))
	if d := next.Sub(now); d < every/2 || d >= 3*every/2 {
		t.Fatalf("next scan %s after a first scan, want between half and one and a half periods", d)
	}
	for later := time.Duration(0); later < every; later += 7 * time.Second {
		want := next // the same grid point while it is half a period away
		if later+every/2 > next.Sub(now) {
			want = next.Add(every)
		}
		if got := now.Add(later + untilNext(a, now.Add(later), time.Hour)); !got.Equal(want) {
			t.Fatalf("a policy of the same repository scanned %s later is due at %v, want %v", later, got, want)
		}
	}
	if d := untilNext(a, next, time.Hour); d != every {
		t.Errorf("a scan on the grid is followed %s later, want the period %s", d, every)
	}
	buckets := make([]int, 5)
	for i := range 500 {
		at := now.Add(untilNext(policy(fmt.Sprintf("registry.example/team/app%d", i)), now, 0))
		buckets[int(at.Sub(now.Add(every/2))*5/every)]++
	}
	for _, n := range buckets {
		if n < 60 || n > 140 {
			t.Errorf("next scans of 500 repositories per fifth of the period: %v, want about 100 each", buckets)
			break
		}
	}
}

func TestUntilNextCronHasJitter(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 30, 0, time.UTC)
	p := &v1alpha1.ImagePolicy{Spec: v1alpha1.ImagePolicySpec{Image: "registry.example/team/a", Schedule: "* * * * *"}}
	seen := map[time.Duration]bool{}
	for range 50 {
		d := untilNext(p, now, 5*time.Second)
		if d < 30*time.Second || d > 35*time.Second {
			t.Fatalf("next scan of a cron policy in %s, want at the next minute plus up to 5s", d)
		}
		seen[d] = true
	}
	if len(seen) < 2 {
		t.Error("50 cron schedules got one and the same delay: no jitter")
	}
}

func TestGridPoint(t *testing.T) {
	d := time.Minute
	base := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	p := gridPoint("img", d, base)
	if p.Before(base) || !p.Before(base.Add(d)) {
		t.Fatalf("grid point %v not within a period after %v", p, base)
	}
	if got := gridPoint("img", d, p); !got.Equal(p) {
		t.Errorf("a time on the grid maps to %v, want itself %v", got, p)
	}
	if got := gridPoint("img", d, p.Add(time.Nanosecond)); !got.Equal(p.Add(d)) {
		t.Errorf("just after a grid point maps to %v, want the next one %v", got, p.Add(d))
	}
	early := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC) // before 1970: negative UnixNano
	if q := gridPoint("img", d, early); q.Before(early) || !q.Before(early.Add(d)) || q.Sub(p)%d != 0 {
		t.Errorf("grid point before 1970 %v is off the grid of %v", q, p)
	}
}
