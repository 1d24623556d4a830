package resolver

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"golang.org/x/time/rate"
)

func TestOptionsRejectNonsense(t *testing.T) {
	tests := map[string]struct {
		opts []Option
		want string
	}{
		"backoff above its cap":      {[]Option{WithRetry(3, 2*time.Second, time.Second)}, "exceeds maximum backoff"},
		"zero attempts":              {[]Option{WithRetry(0, 0, 0)}, "attempts >= 1"},
		"negative TTL":               {[]Option{WithCache(-time.Second, 10)}, "ttl >= 0"},
		"empty cache":                {[]Option{WithCache(time.Second, 0)}, "size >= 1"},
		"zero rate":                  {[]Option{WithRateLimit(0, 1)}, "rate limit must be > 0"},
		"finite rate without burst":  {[]Option{WithRateLimit(5, 0)}, "burst of at least 1"},
		"no requests in flight":      {[]Option{WithMaxInFlight(0)}, "max in flight"},
		"negative page size":         {[]Option{WithPageSize(-1)}, "page size"},
		"no shared timeout":          {[]Option{WithSharedTimeout(0)}, "shared timeout"},
		"later option fixes earlier": {[]Option{WithRateLimit(5, 0), WithRateLimit(rate.Inf, 0)}, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := New(tc.opts...)
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("New() err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestAccessRejectsKeychainAndAuth(t *testing.T) {
	repo, _ := name.NewRepository("registry.example.com/app")
	a := Access{Keychain: authn.DefaultKeychain, Auth: authn.Anonymous}
	if _, err := a.resolve(context.Background(), repo); err == nil {
		t.Error("Keychain and Auth together accepted")
	}
}
