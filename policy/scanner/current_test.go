package scanner

import (
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/selection"
)

func TestSetCurrentKeepsTenNewestFirst(t *testing.T) {
	var st v1alpha1.ImagePolicyStatus
	for i := range 12 {
		tag := fmt.Sprintf("1.%d.0", i)
		if !setCurrent(&st, record("app", tag, fmt.Sprintf("sha256:%064d", i), v1alpha1.SourceScan, metav1.Now())) {
			t.Fatalf("setCurrent(%s) reported no change", tag)
		}
	}
	if len(st.History) != v1alpha1.HistoryLimit || st.History[0].Tag != "1.11.0" || st.History[9].Tag != "1.2.0" {
		t.Errorf("history = %d entries from %s to %s, want 10 from 1.11.0 to 1.2.0", len(st.History), st.History[0].Tag, st.History[len(st.History)-1].Tag)
	}
	if st.Current.ShortDigest != "000000000000" || st.Current.Image != "app:1.11.0@sha256:"+fmt.Sprintf("%064d", 11) {
		t.Errorf("current = %+v", st.Current)
	}
	if setCurrent(&st, st.Current.ImageRecord) {
		t.Error("setting the same image again reported a change")
	}
	pinned := st.Current.ImageRecord
	pinned.Source = v1alpha1.SourcePin
	if !setCurrent(&st, pinned) {
		t.Error("the same image from a pin is a change of source, want it recorded")
	}
}

func TestOlderThanCurrent(t *testing.T) {
	sel, err := selection.New(v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: ">=1.0.0"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	policy := func(tag string, source v1alpha1.Source, generation, observed int64) *v1alpha1.ImagePolicy {
		p := &v1alpha1.ImagePolicy{}
		p.Generation, p.Status.ObservedGeneration = generation, observed
		if tag != "" {
			p.Status.Current = &v1alpha1.CurrentImage{ImageRecord: v1alpha1.ImageRecord{Tag: tag, Source: source}}
		}
		return p
	}
	tests := map[string]struct {
		p         *v1alpha1.ImagePolicy
		candidate string
		older     bool
	}{
		"older on a scheduled scan": {p: policy("1.2.0", v1alpha1.SourceScan, 1, 1), candidate: "1.1.0", older: true},
		"newer":                     {p: policy("1.2.0", v1alpha1.SourceScan, 1, 1), candidate: "1.3.0"},
		"same tag, new digest":      {p: policy("1.2.0", v1alpha1.SourceScan, 1, 1), candidate: "1.2.0"},
		"older after an edit":       {p: policy("1.2.0", v1alpha1.SourceScan, 2, 1), candidate: "1.1.0"},
		"older than a pin":          {p: policy("1.2.0", v1alpha1.SourcePin, 1, 1), candidate: "1.1.0"},
		"no current yet":            {p: policy("", "", 1, 0), candidate: "1.1.0"},
		"current not comparable":    {p: policy("latest", v1alpha1.SourceScan, 1, 1), candidate: "1.1.0"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			older, why := olderThanCurrent(tc.p, sel, tc.candidate)
			if older != tc.older || (older && why == "") {
				t.Errorf("olderThanCurrent = %v %q, want %v", older, why, tc.older)
			}
		})
	}
}
