package writeback

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/writeback/gitrepo"
)

func insecure(p *v1alpha1.ImagePolicy) *v1alpha1.ImagePolicy {
	p.Spec.WriteBack.Git.Insecure = true
	return p
}

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
		"token in the URL":     {policy("a", "https://hunter2@git.example.com/r.git", "main", "git"), false},
		"no write-back at all": {&v1alpha1.ImagePolicy{}, false},
		"insecure":             {insecure(policy("a", "https://git.example.com/r.git", "main", "git")), false},
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

// TestStoredURLWithCredentials: a policy stored before the API server
// refused credentials in URLs is left out of the write, with InvalidSpec
// and a message that names the field and not the secret.
func TestStoredURLWithCredentials(t *testing.T) {
	for _, url := range []string{"https://u:hunter2@git.example.com/r.git", "https://hunter2@git.example.com/r.git", "ssh://git:hunter2@host/r.git"} {
		p := &v1alpha1.ImagePolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "a", Name: "p"}}
		p.Spec.WriteBack = &v1alpha1.WriteBack{Git: v1alpha1.GitWriteBack{URL: url, Branch: "main"}}
		p.Status.Current = &v1alpha1.CurrentImage{ImageRecord: v1alpha1.ImageRecord{Image: "r/app:1.0.0", Tag: "1.0.0"}}
		tg, _ := targetOf(p)
		key, err := parseKey(tg.key()) // as Reconcile gets it
		if err != nil {
			t.Fatal(err)
		}
		b := newBatch(key, []v1alpha1.ImagePolicy{*p})
		if len(b.valid()) != 0 || b.specTarget().URL == url {
			t.Errorf("%s: the policy is written with its URL", url)
		}
		o := b.outcome(b.entries[0], gitrepo.Result{}, nil, metav1.Now())
		if o.reason != v1alpha1.ReasonInvalidSpec || !strings.Contains(o.message, "spec.writeBack.git.url") || strings.Contains(o.message, "hunter2") {
			t.Errorf("%s: outcome %s: %s", url, o.reason, o.message)
		}
	}
}
