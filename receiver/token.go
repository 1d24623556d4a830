package receiver

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TokenKey is the key of the receiver's Secret that holds the token.
const TokenKey = "token"

// DefaultTokenTTL is how long a token read from the Secret is used before
// the Secret is read again: a rotation takes effect within it.
const DefaultTokenTTL = 5 * time.Second

// errNoToken marks a receiver that has no usable token: every request is
// refused until the Secret exists.
var errNoToken = errors.New("no receiver token")

// TokenSource checks the token of a request.
type TokenSource interface {
	// Check reports whether token is the receiver's token; an error means
	// the receiver's own token cannot be read.
	Check(ctx context.Context, token string) (bool, error)
}

// SecretToken reads the token from the `token` key of a Secret, at most
// once per TTL (also when it is missing, so that a flood of requests does
// not become a flood of API reads).
type SecretToken struct {
	reader client.Reader
	key    types.NamespacedName
	ttl    time.Duration
	now    func() time.Time

	mu      sync.Mutex
	sum     [sha256.Size]byte // of the token
	err     error
	readAt  time.Time
	hasRead bool
}

// NewSecretToken returns a SecretToken over reader (an API reader: the
// manager's cache would watch every Secret of the namespace).
func NewSecretToken(reader client.Reader, key types.NamespacedName, ttl time.Duration) *SecretToken {
	if ttl <= 0 {
		ttl = DefaultTokenTTL
	}
	return &SecretToken{reader: reader, key: key, ttl: ttl, now: time.Now}
}

// Check implements TokenSource. Tokens are compared as SHA-256 sums in
// constant time, so that neither their content nor their length leaks.
func (s *SecretToken) Check(ctx context.Context, token string) (bool, error) {
	want, err := s.current(ctx)
	if err != nil {
		return false, err
	}
	got := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1, nil
}

func (s *SecretToken) current(ctx context.Context) ([sha256.Size]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hasRead && s.now().Sub(s.readAt) < s.ttl {
		return s.sum, s.err
	}
	s.sum, s.err = s.read(ctx)
	s.readAt, s.hasRead = s.now(), true
	return s.sum, s.err
}

func (s *SecretToken) read(ctx context.Context) ([sha256.Size]byte, error) {
	var secret corev1.Secret
	if err := s.reader.Get(ctx, s.key, &secret); err != nil {
		return [sha256.Size]byte{}, fmt.Errorf("%w: Secret %s: %w", errNoToken, s.key, err)
	}
	token := secret.Data[TokenKey]
	if len(token) == 0 {
		return [sha256.Size]byte{}, fmt.Errorf("%w: Secret %s has no key %q", errNoToken, s.key, TokenKey)
	}
	return sha256.Sum256(token), nil
}
