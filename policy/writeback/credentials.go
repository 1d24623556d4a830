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

var (
	// errSecretNotFound means the credentials Secret does not exist.
	errSecretNotFound = errors.New("credentials Secret not found")
	// errCredentialsOverHTTP means credentials would go over plain HTTP.
	errCredentialsOverHTTP = errors.New("credentials over plain http://")
)

// gitTarget returns the gitrepo target of t with its credentials, read
// from the Secret in the policies' namespace on every cycle (a rotated
// token is used at once), and the secret values to keep out of messages.
func (r *Reconciler) gitTarget(ctx context.Context, t target) (gitrepo.Target, []string, error) {
	gt := t.gitrepo()
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
	if auth != nil && plainHTTP(t.URL) && !t.Insecure {
		return gt, secrets, fmt.Errorf("%w: refusing to send the credentials of Secret %s over plain http:// to %s; "+
			"use an https:// URL, or set spec.writeBack.git.insecure: true to allow it", errCredentialsOverHTTP, t.Secret, t.redactedURL())
	}
	gt.Auth, gt.CABundle = auth, s.Data[gitrepo.CAKey]
	return gt, secrets, nil
}

// plainHTTP reports whether url is http:// (scheme case-insensitive).
func plainHTTP(url string) bool {
	return len(url) >= 7 && strings.EqualFold(url[:7], "http://")
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
	case errors.Is(err, errCredentialsOverHTTP):
		return v1alpha1.ReasonCredentialsOverHTTP
	case errors.Is(err, gitrepo.ErrInvalidCredentials):
		return v1alpha1.ReasonInvalidSecret
	case errors.Is(err, gitrepo.ErrAuthentication):
		return v1alpha1.ReasonAuthenticationFailed
	case errors.Is(err, gitrepo.ErrPushRejected):
		return v1alpha1.ReasonPushRejected
	case errors.Is(err, gitrepo.ErrNotFound):
		return v1alpha1.ReasonNotFound
	case errors.Is(err, gitrepo.ErrCacheFull):
		return v1alpha1.ReasonGitCacheFull
	default:
		return v1alpha1.ReasonGitUnavailable
	}
}
