package writeback

import (
	"context"
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/writeback/gitrepo"
)

// errSecretNotFound means the credentials Secret does not exist.
var errSecretNotFound = errors.New("credentials Secret not found")

// gitTarget returns the gitrepo target of t with its credentials, read
// from the Secret in the policies' namespace on every cycle (a rotated
// token is used at once), and the secret values to keep out of messages.
func (r *Reconciler) gitTarget(ctx context.Context, t target) (gitrepo.Target, []string, error) {
	gt := gitrepo.Target{URL: t.URL, Branch: t.Branch, PushBranch: t.PushBranch, Scope: t.Secret}
	if t.Secret == "" {
		return gt, nil, nil
	}
	ns, name, _ := strings.Cut(t.Secret, "/")
	var s corev1.Secret
	if err := r.opts.APIReader.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, &s); err != nil {
		if apierrors.IsNotFound(err) {
			return gt, nil, fmt.Errorf("%w: %s", errSecretNotFound, t.Secret)
		}
		return gt, nil, fmt.Errorf("get Secret %s: %w", t.Secret, err)
	}
	secrets := secretValues(s.Data)
	auth, err := gitrepo.Auth(t.URL, s.Data)
	if err != nil {
		return gt, secrets, fmt.Errorf("credentials in Secret %s: %w", t.Secret, err)
	}
	gt.Auth, gt.CABundle = auth, s.Data[gitrepo.CAKey]
	return gt, secrets, nil
}

// secretValues are the values that must never appear in a message.
func secretValues(data map[string][]byte) []string {
	var out []string
	for _, k := range []string{gitrepo.PasswordKey, gitrepo.BearerTokenKey, gitrepo.IdentityKey} {
		if v := strings.TrimSpace(string(data[k])); len(v) >= 4 {
			out = append(out, v)
		}
	}
	return out
}

// redact removes secret values and a URL's password from msg.
func redact(msg string, t target, secrets []string) string {
	if u := t.redactedURL(); u != t.URL {
		msg = strings.ReplaceAll(msg, t.URL, u)
	}
	for _, s := range secrets {
		msg = strings.ReplaceAll(msg, s, "[redacted]")
	}
	return msg
}

// reasonOf names the WrittenBack condition reason of a failed write.
func reasonOf(err error) string {
	switch {
	case errors.Is(err, errSecretNotFound):
		return v1alpha1.ReasonSecretNotFound
	case errors.Is(err, gitrepo.ErrInvalidCredentials):
		return v1alpha1.ReasonInvalidSecret
	case errors.Is(err, gitrepo.ErrAuthentication):
		return v1alpha1.ReasonAuthenticationFailed
	case errors.Is(err, gitrepo.ErrPushRejected):
		return v1alpha1.ReasonPushRejected
	case errors.Is(err, gitrepo.ErrNotFound):
		return v1alpha1.ReasonNotFound
	default:
		return v1alpha1.ReasonGitUnavailable
	}
}
