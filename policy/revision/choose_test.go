package revision_test

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/revision"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func entry(image string, since time.Time) v1alpha1.ImageRecord {
	return v1alpha1.ImageRecord{Image: image, Source: v1alpha1.SourceScan, Since: metav1.NewTime(since)}
}

func TestChoose(t *testing.T) {
	// history, newest first: v3 at t0+1h, v2 at t0+10m, v1 at t0.
	history := []v1alpha1.ImageRecord{
		entry("v3", t0.Add(time.Hour)), entry("v2", t0.Add(10*time.Minute)), entry("v1", t0),
	}
	tests := map[string]struct {
		entries []v1alpha1.ImageRecord
		created time.Time
		want    string
	}{
		"created long after the newest change":   {history, t0.Add(2 * time.Hour), "v3"},
		"created between two changes":            {history, t0.Add(30 * time.Minute), "v2"},
		"created exactly when a change settled":  {history, t0.Add(time.Hour + revision.Settle), "v3"},
		"created within Settle of a change":      {history, t0.Add(time.Hour + revision.Settle - time.Second), "v2"},
		"created just before a change":           {history, t0.Add(time.Hour - time.Second), "v2"},
		"created before every known value":       {history, t0.Add(-24 * time.Hour), "v1"},
		"created within Settle of the first one": {history, t0.Add(time.Second), "v1"},
		"one entry, revision older":              {history[:1], t0, "v3"},
		"entries without since (older status)": {
			[]v1alpha1.ImageRecord{{Image: "b"}, {Image: "a"}}, t0, "b",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := revision.Choose(tc.entries, tc.created)
			if !ok || got.Image != tc.want {
				t.Fatalf("Choose(created %s) = %q, %v; want %q", tc.created.Format(time.TimeOnly), got.Image, ok, tc.want)
			}
		})
	}
}

func TestChooseNoEntries(t *testing.T) {
	if got, ok := revision.Choose(nil, t0); ok {
		t.Fatalf("Choose(nil) = %v, true; want false", got)
	}
}

// TestChooseIgnoresLaterChanges is the property every replica relies on: a
// value added to the history after a revision was created (since ≥ the
// revision's creation, as every new value is) never changes the revision's
// answer, whether a replica has seen that value yet or not.
func TestChooseIgnoresLaterChanges(t *testing.T) {
	history := []v1alpha1.ImageRecord{entry("v2", t0.Add(10*time.Minute)), entry("v1", t0)}
	for _, created := range []time.Time{t0.Add(-time.Hour), t0, t0.Add(7 * time.Minute), t0.Add(10*time.Minute + revision.Settle), t0.Add(11 * time.Minute)} {
		before, _ := revision.Choose(history, created)
		for _, since := range []time.Time{created, created.Add(time.Second), created.Add(time.Hour)} {
			after, _ := revision.Choose(append([]v1alpha1.ImageRecord{entry("v3", since)}, history...), created)
			if after.Image != before.Image {
				t.Errorf("revision created %s: %s before v3 (since %s) was known, %s after", created.Format(time.TimeOnly), before.Image, since.Format(time.TimeOnly), after.Image)
			}
		}
	}
}

func TestEntries(t *testing.T) {
	cur := entry("v2", t0)
	st := &v1alpha1.ImagePolicyStatus{Current: &v1alpha1.CurrentImage{ImageRecord: cur}, History: []v1alpha1.ImageRecord{cur, entry("v1", t0.Add(-time.Hour))}}
	if got := revision.Entries(st); len(got) != 2 || got[0].Image != "v2" {
		t.Errorf("Entries with current first in history = %v", got)
	}
	st.History = st.History[1:]
	if got := revision.Entries(st); len(got) != 2 || got[0].Image != "v2" || got[1].Image != "v1" {
		t.Errorf("Entries with current missing from history = %v; want v2, v1", got)
	}
	if got := revision.Entries(&v1alpha1.ImagePolicyStatus{}); len(got) != 0 {
		t.Errorf("Entries of an empty status = %v", got)
	}
}
