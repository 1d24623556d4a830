package writeback

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"strconv"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/writeback/gitrepo"
)

// TargetIndex is the field index of ImagePolicies by write-back target.
const TargetIndex = "imagepin.dev/writeback-target"

// target is where a batch of policies is written: one commit per target
// and cycle. Policies that share a repository and branch but not their
// credentials are separate targets, so that credentials are never used
// for another namespace's policies.
type target struct {
	URL    string
	Branch string
	// Secret is namespace/name of the credentials Secret, or "".
	Secret string
	// PushBranch receives the commits instead of Branch when set.
	PushBranch string
	// Insecure allows credentials over plain http://. Policies that differ
	// in it are separate targets, so that each gets what it says.
	Insecure bool
}

// dest is the branch that commits are pushed to.
func (t target) dest() string {
	if t.PushBranch != "" {
		return t.PushBranch
	}
	return t.Branch
}

// gitrepo is the target as gitrepo knows it, without credentials: the
// Secret's name scopes the clone.
func (t target) gitrepo() gitrepo.Target {
	return gitrepo.Target{URL: t.URL, Branch: t.Branch, PushBranch: t.PushBranch, Scope: t.Secret}
}

// targetOf returns the write-back target of p, if it has one.
func targetOf(p *v1alpha1.ImagePolicy) (target, bool) {
	if p.Spec.WriteBack == nil || p.Spec.WriteBack.Git.URL == "" {
		return target{}, false
	}
	g := p.Spec.WriteBack.Git
	t := target{URL: g.URL, Branch: g.Branch, PushBranch: g.PushBranch, Insecure: g.Insecure}
	if t.Branch == "" {
		t.Branch = "main"
	}
	if g.SecretRef != nil {
		t.Secret = p.Namespace + "/" + g.SecretRef.Name
	}
	return t, true
}

// key is the target's workqueue key and index value. It holds the URL
// without a password, because controller-runtime logs keys; a cycle takes
// the URL itself from a policy's spec.
func (t target) key() string {
	b, _ := json.Marshal([]string{t.redactedURL(), t.Branch, t.Secret, t.PushBranch, strconv.FormatBool(t.Insecure)})
	return string(b)
}

func parseKey(key string) (target, error) {
	var parts []string
	if err := json.Unmarshal([]byte(key), &parts); err != nil || len(parts) != 5 {
		return target{}, fmt.Errorf("not a write-back target key: %q", key)
	}
	return target{URL: parts[0], Branch: parts[1], Secret: parts[2], PushBranch: parts[3], Insecure: parts[4] == "true"}, nil
}

// redactedURL is the URL without credentials, for keys, messages and
// logs. Policies with credentials in the URL are refused (see
// validation.GitWriteBack), but one stored before that rule must not show
// them either: the user of an HTTP URL may be a token, so all of it goes.
func (t target) redactedURL() string {
	u, err := url.Parse(t.URL)
	if err != nil || u.User == nil {
		return t.URL
	}
	if u.Scheme == "http" || u.Scheme == "https" {
		u.User = url.User("redacted")
	}
	return u.Redacted()
}

// IndexTargets registers TargetIndex; the manager's cache must not have
// started yet.
func IndexTargets(ctx context.Context, indexer client.FieldIndexer) error {
	return indexer.IndexField(ctx, &v1alpha1.ImagePolicy{}, TargetIndex, func(obj client.Object) []string {
		p, ok := obj.(*v1alpha1.ImagePolicy)
		if !ok {
			return nil
		}
		t, ok := targetOf(p)
		if !ok {
			return nil
		}
		return []string{t.key()}
	})
}

// cleanPath makes a spec path relative and slash-separated, "" for the
// whole repository, as gitrepo reads it.
func cleanPath(p string) string {
	return strings.Trim(path.Clean("/"+p), "/")
}

// under reports whether file is at or below dir ("" is the root).
func under(file, dir string) bool {
	return dir == "" || file == dir || strings.HasPrefix(file, dir+"/")
}
