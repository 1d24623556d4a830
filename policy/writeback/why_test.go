package writeback

import (
	"testing"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

func TestWhy(t *testing.T) {
	scan := func(tag string) v1alpha1.ImageRecord {
		return v1alpha1.ImageRecord{Image: "r/app:" + tag + "@sha256:" + tag, Tag: tag, Digest: "sha256:" + tag, Source: v1alpha1.SourceScan}
	}
	pin := func(r v1alpha1.ImageRecord) v1alpha1.ImageRecord { r.Source = v1alpha1.SourcePin; return r }
	tests := map[string]struct {
		history []v1alpha1.ImageRecord // newest first; the first is current unless current is set
		current *v1alpha1.ImageRecord
		pin     *v1alpha1.Pin
		why     string
		reason  string
	}{
		"first scan":         {[]v1alpha1.ImageRecord{scan("1.0.0")}, nil, nil, WhyScan, "scan: first image chosen by a scan"},
		"newer tag":          {[]v1alpha1.ImageRecord{scan("1.1.0"), scan("1.0.0")}, nil, nil, WhyScan, "scan: newer allowed tag 1.1.0"},
		"tag moved":          {[]v1alpha1.ImageRecord{scan("1.0.0"), {Image: "r/app:1.0.0@sha256:old", Tag: "1.0.0", Source: v1alpha1.SourceScan}}, nil, nil, WhyScan, "scan: tag 1.0.0 now points at a new digest"},
		"pinned tag":         {[]v1alpha1.ImageRecord{pin(scan("1.0.0")), scan("1.1.0")}, nil, &v1alpha1.Pin{Tag: "1.0.0"}, WhyRollback, "rollback: spec.pin holds tag 1.0.0"},
		"pinned digest":      {[]v1alpha1.ImageRecord{pin(scan("1.0.0"))}, nil, &v1alpha1.Pin{Digest: "sha256:1.0.0"}, WhyRollback, "rollback: spec.pin holds digest sha256:1.0.0"},
		"unpinned":           {[]v1alpha1.ImageRecord{scan("1.1.0"), pin(scan("1.0.0"))}, nil, nil, WhyPolicyEdit, "policy edit: spec.pin was removed; a scan chose the latest allowed tag"},
		"narrowed range":     {[]v1alpha1.ImageRecord{scan("1.0.0"), scan("1.1.0")}, nil, nil, WhyPolicyEdit, "policy edit: spec.select no longer allows 1.1.0; a scan chose the older 1.0.0"},
		"history is behind":  {[]v1alpha1.ImageRecord{scan("1.0.0")}, ptr(scan("1.1.0")), nil, WhyScan, "scan: first image chosen by a scan"},
		"unreadable old tag": {[]v1alpha1.ImageRecord{scan("1.0.0"), scan("latest")}, nil, nil, WhyScan, "scan: newer allowed tag 1.0.0"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := &v1alpha1.ImagePolicy{Spec: v1alpha1.ImagePolicySpec{Select: v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: ">=0"}}, Pin: tc.pin}}
			p.Status.History = tc.history
			cur := tc.history[0]
			if tc.current != nil {
				cur = *tc.current
			}
			p.Status.Current = &v1alpha1.CurrentImage{ImageRecord: cur}
			if why, reason := why(p); why != tc.why || reason != tc.reason {
				t.Errorf("why = %q, %q; want %q, %q", why, reason, tc.why, tc.reason)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
