package writeback

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

func TestTargetKey(t *testing.T) {
	policy := func(ns, url, branch, secret string, push ...string) *v1alpha1.ImagePolicy {
		p := &v1alpha1.ImagePolicy{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "p"}}
		p.Spec.WriteBack = &v1alpha1.WriteBack{Git: v1alpha1.GitWriteBack{URL: url, Branch: branch}}
		if len(push) > 0 {
			p.Spec.WriteBack.Git.PushBranch = push[0]
		}
		if secret != "" {
			p.Spec.WriteBack.Git.SecretRef = &v1alpha1.LocalObjectReference{Name: secret}
		}
		return p
	}
	key := func(p *v1alpha1.ImagePolicy) string {
		tg, ok := targetOf(p)
		if !ok {
			return ""
		}
		return tg.key()
	}
	base := key(policy("a", "https://git.example.com/r.git", "main", "git"))
	tests := map[string]struct {
		p    *v1alpha1.ImagePolicy
		same bool
	}{
		"same target":          {policy("a", "https://git.example.com/r.git", "", "git"), true},
		"other namespace":      {policy("b", "https://git.example.com/r.git", "main", "git"), false},
		"other Secret":         {policy("a", "https://git.example.com/r.git", "main", "other"), false},
		"no Secret":            {policy("a", "https://git.example.com/r.git", "main", ""), false},
		"other branch":         {policy("a", "https://git.example.com/r.git", "release", "git"), false},
		"a push branch":        {policy("a", "https://git.example.com/r.git", "main", "git", "review"), false},
		"other repository":     {policy("a", "https://git.example.com/s.git", "main", "git"), false},
		"password in the URL":  {policy("a", "https://u:hunter2@git.example.com/r.git", "main", "git"), false},
		"no write-back at all": {&v1alpha1.ImagePolicy{}, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			k := key(tc.p)
			if (k == base) != tc.same {
				t.Errorf("key %q vs %q: same = %v, want %v", k, base, k == base, tc.same)
			}
			if strings.Contains(k, "hunter2") {
				t.Errorf("key %q holds the URL's password", k)
			}
			if k != "" {
				if tg, err := parseKey(k); err != nil || tg.key() != k {
					t.Errorf("parseKey(%q) = %+v, %v", k, tg, err)
				}
			}
		})
	}
}
