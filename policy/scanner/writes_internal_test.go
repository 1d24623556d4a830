package scanner

import (
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

func TestStatusChanged(t *testing.T) {
	t0 := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	t1 := metav1.NewTime(t0.Add(time.Minute))
	base := func() *v1alpha1.ImagePolicyStatus {
		return &v1alpha1.ImagePolicyStatus{
			ObservedGeneration: 2,
			Latest:             &v1alpha1.LatestImage{Tag: "1.2.0", Digest: "sha256:aa", FoundAt: t0},
			Current:            &v1alpha1.CurrentImage{ImageRecord: v1alpha1.ImageRecord{Image: "r/a:1.2.0@sha256:aa", Tag: "1.2.0", Digest: "sha256:aa", Since: t0}},
			LastScan:           &v1alpha1.ScanRecord{Time: t0, Duration: metav1.Duration{Duration: time.Second}, TagCount: 4, Requests: 2},
			NextScanAt:         &t1,
			Conditions: []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonSucceeded,
				Message: "pods are pinned to r/a:1.2.0@sha256:aa", LastTransitionTime: t0, ObservedGeneration: 2}},
		}
	}
	tests := map[string]struct {
		mod  func(*v1alpha1.ImagePolicyStatus)
		want bool
	}{
		"nothing":                  {mod: func(*v1alpha1.ImagePolicyStatus) {}},
		"time of the last scan":    {mod: func(s *v1alpha1.ImagePolicyStatus) { s.LastScan.Time = t1 }},
		"figures of the last scan": {mod: func(s *v1alpha1.ImagePolicyStatus) { s.LastScan.Requests, s.LastScan.TagCount = 7, 5 }},
		"time of the next scan":    {mod: func(s *v1alpha1.ImagePolicyStatus) { s.NextScanAt = &metav1.Time{Time: t1.Add(time.Hour)} }},
		"no next scan any more":    {mod: func(s *v1alpha1.ImagePolicyStatus) { s.NextScanAt = nil }, want: true},
		"first scan recorded":      {mod: func(s *v1alpha1.ImagePolicyStatus) { s.LastScan = nil }, want: true},
		"latest digest":            {mod: func(s *v1alpha1.ImagePolicyStatus) { s.Latest.Digest = "sha256:bb" }, want: true},
		"current":                  {mod: func(s *v1alpha1.ImagePolicyStatus) { s.Current.Tag = "1.3.0" }, want: true},
		"observed generation":      {mod: func(s *v1alpha1.ImagePolicyStatus) { s.ObservedGeneration = 3 }, want: true},
		"condition message":        {mod: func(s *v1alpha1.ImagePolicyStatus) { s.Conditions[0].Message = "other" }, want: true},
		"scan request handled":     {mod: func(s *v1alpha1.ImagePolicyStatus) { s.LastHandledScanAt = "x" }, want: true},
		"history":                  {mod: func(s *v1alpha1.ImagePolicyStatus) { s.History = append(s.History, s.Current.ImageRecord) }, want: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			before, after := base(), base()
			tc.mod(after)
			if got := statusChanged(before, after); got != tc.want {
				t.Errorf("statusChanged = %v, want %v", got, tc.want)
			}
			if got := statusChanged(after, before); got != tc.want {
				t.Errorf("statusChanged the other way round = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRefreshDue(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	const refresh = time.Hour
	scannedAgo := func(d time.Duration) *v1alpha1.ScanRecord {
		return &v1alpha1.ScanRecord{Time: metav1.NewTime(now.Add(-d))}
	}
	if !refreshDue(nil, key("a"), refresh, now) {
		t.Error("a status without a last scan is not due for a refresh")
	}
	var due []time.Duration
	for i := range 200 {
		k := key(fmt.Sprint("p", i))
		if refreshDue(scannedAgo(refresh/2-time.Second), k, refresh, now) {
			t.Fatalf("%v is due before half the interval", k)
		}
		if !refreshDue(scannedAgo(refresh), k, refresh, now) {
			t.Fatalf("%v is not due after the whole interval", k)
		}
		at := refresh / 2
		for ; !refreshDue(scannedAgo(at), k, refresh, now); at += time.Minute {
		}
		due = append(due, at)
	}
	early, late := 0, 0
	for _, d := range due {
		if d < 3*refresh/4 {
			early++
		} else {
			late++
		}
	}
	if early < 60 || late < 60 {
		t.Errorf("refreshes of 200 policies: %d in the first half of the spread, %d in the second; want both near 100", early, late)
	}
}

func TestNeedsWrite(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	recent := &v1alpha1.ImagePolicyStatus{LastScan: &v1alpha1.ScanRecord{Time: metav1.NewTime(now.Add(-time.Minute))}}
	rescanned := recent.DeepCopy()
	rescanned.LastScan.Time = metav1.NewTime(now)
	tests := map[string]struct {
		refresh time.Duration
		want    bool
	}{
		"unchanged within the refresh interval": {refresh: time.Hour},
		"unchanged past the refresh interval":   {refresh: time.Minute, want: true},
		"every scan":                            {refresh: EveryScan, want: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := &Reconciler{opts: Options{StatusRefresh: tc.refresh}}
			if got := r.needsWrite(key("a"), recent, rescanned, now); got != tc.want {
				t.Errorf("needsWrite = %v, want %v", got, tc.want)
			}
		})
	}
}
