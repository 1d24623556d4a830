package resolver

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
)

func TestErrorNamesNormalisedReference(t *testing.T) {
	ref, err := name.NewTag("nginx")
	if err != nil {
		t.Fatal(err)
	}
	r, _ := newResolver(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // no traffic leaves the machine

	_, err = r.CachedDigest(ctx, ref, nil, Access{})
	var re *Error
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want *Error", err)
	}
	if re.Ref != "index.docker.io/library/nginx:latest" || re.Registry != "index.docker.io" || re.Op != "resolve digest of" {
		t.Errorf("error = %+v, want the normalised Docker Hub reference", re)
	}
	if !strings.Contains(err.Error(), "index.docker.io/library/nginx:latest") {
		t.Errorf("message %q does not name the image", err)
	}
}

func TestClassifyStatus(t *testing.T) {
	tests := map[int]error{401: ErrUnauthorized, 403: ErrUnauthorized, 404: ErrNotFound, 429: ErrRateLimited, 500: ErrUnavailable, 503: ErrUnavailable, 400: nil, 405: nil}
	for code, want := range tests {
		if got := kindOfStatus(code); got != want {
			t.Errorf("kindOfStatus(%d) = %v, want %v", code, got, want)
		}
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := map[string]struct {
		value string
		want  time.Duration
		ok    bool
	}{
		"seconds":     {"7", 7 * time.Second, true},
		"zero":        {"0", 0, true},
		"http date":   {now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		"date passed": {now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		"absent":      {"", 0, false},
		"negative":    {"-3", 0, false},
		"garbage":     {"soon", 0, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := retryAfter(tc.value, now)
			if got != tc.want || ok != tc.ok {
				t.Errorf("retryAfter(%q) = %s, %v; want %s, %v", tc.value, got, ok, tc.want, tc.ok)
			}
		})
	}
}
