package validation

import (
	"strings"
	"testing"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

func TestWarnings(t *testing.T) {
	secret := &v1alpha1.LocalObjectReference{Name: "git"}
	tests := map[string]struct {
		git  v1alpha1.GitWriteBack
		want string // "" for none
	}{
		"https":                  {v1alpha1.GitWriteBack{URL: "https://git.example.com/x.git", SecretRef: secret}, ""},
		"http without a Secret":  {v1alpha1.GitWriteBack{URL: "http://git.example.com/x.git"}, ""},
		"http with a Secret":     {v1alpha1.GitWriteBack{URL: "http://git.example.com/x.git", SecretRef: secret}, "are not sent over plain http://"},
		"http, insecure":         {v1alpha1.GitWriteBack{URL: "http://git.example.com/x.git", SecretRef: secret, Insecure: true}, "sent over plain HTTP"},
		"https, insecure (moot)": {v1alpha1.GitWriteBack{URL: "https://git.example.com/x.git", SecretRef: secret, Insecure: true}, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := &v1alpha1.ImagePolicy{Spec: *spec(func(s *v1alpha1.ImagePolicySpec) { s.WriteBack = &v1alpha1.WriteBack{Git: tc.git} })}
			w := strings.Join(warnings(p), "\n")
			if (tc.want == "") != (w == "") || !strings.Contains(w, tc.want) {
				t.Errorf("warnings %q; want %q", w, tc.want)
			}
		})
	}
}
