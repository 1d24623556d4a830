package resolver

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/imagepin/imagepin/internal/testenv/attack"
)

// TestDeniedAddressesAreNeverDialled points the resolver at a listener on a
// denied loopback network, by address and by a name that resolves to it,
// through ListTags (the scanner), Digest and CachedDigest (the webhook):
// each call fails with ErrAddressDenied and the listener accepts nothing.
func TestDeniedAddressesAreNeverDialled(t *testing.T) {
	l := attack.Listen(t, "127.0.0.1:0")
	r, _ := newResolver(t, WithDenyCIDRs(netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")))
	for _, host := range []string{"127.0.0.1", "localhost"} {
		repo, err := name.NewRepository(host + ":" + l.Port() + "/team/app")
		if err != nil {
			t.Fatal(err)
		}
		for op, call := range map[string]func() error{
			"ListTags": func() error { _, err := r.ListTags(t.Context(), repo, Access{}); return err },
			"Digest":   func() error { _, err := r.Digest(t.Context(), repo.Tag("1"), nil, Access{}); return err },
			"CachedDigest": func() error {
				_, err := r.CachedDigest(t.Context(), repo.Tag("1"), nil, Access{Insecure: true})
				return err
			},
		} {
			if err := call(); !errors.Is(err, ErrAddressDenied) {
				t.Errorf("%s of %s: %v, want ErrAddressDenied", op, repo, err)
			}
		}
	}
	if n := l.Accepts(); n != 0 {
		t.Errorf("the denied listener accepted %d connections, want 0", n)
	}
}

// TestRedirectToDeniedName has an allowed registry (on ::1) redirect the
// manifest request to a name that resolves into a denied network: refused
// at the dial, without a connection. go-containerregistry itself refuses
// redirects and token realms to private address literals, not names.
func TestRedirectToDeniedName(t *testing.T) {
	target := attack.Listen(t, "127.0.0.1:0")
	f := &front{next: registry.New(registry.Logger(log.New(io.Discard, "", 0)))}
	f.Server = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	l, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	f.Listener = l
	f.Config.ErrorLog = log.New(io.Discard, "", 0)
	f.Start()
	t.Cleanup(f.Close)
	f.host = strings.TrimPrefix(f.URL, "http://")
	f.setFault(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/manifests/") {
			http.Redirect(w, r, "http://localhost:"+target.Port()+r.URL.Path, http.StatusTemporaryRedirect)
		}
	})
	r, _ := newResolver(t, WithDenyCIDRs(netip.MustParsePrefix("127.0.0.0/8")))
	_, err = r.Digest(t.Context(), f.repo(t, "app").Tag("1"), nil, Access{})
	if !errors.Is(err, ErrAddressDenied) {
		t.Errorf("err = %v, want ErrAddressDenied", err)
	}
	if n := target.Accepts(); n != 0 {
		t.Errorf("the denied address accepted %d connections, want 0", n)
	}
	if f.count(http.MethodHead, "/manifests/") == 0 {
		t.Error("the allowed registry saw no manifest request")
	}
}

// TestLinkLocalAlwaysDenied resolves images on link-local addresses (cloud
// metadata services) with no deny list configured: refused before any
// connection, so at once and without a timeout.
func TestLinkLocalAlwaysDenied(t *testing.T) {
	r, reg := newResolver(t)
	for _, image := range []string{"169.254.169.254/latest/meta-data:1", "[fe80::1]:80/x:1", "[::ffff:169.254.169.254]/x:1", "0.0.0.0:5000/x:1"} {
		ref, err := name.NewTag(image)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		start := time.Now()
		_, err = r.CachedDigest(ctx, ref, nil, Access{})
		cancel()
		if !errors.Is(err, ErrAddressDenied) {
			t.Errorf("%s: %v, want ErrAddressDenied", image, err)
		}
		if took := time.Since(start); took > 4*time.Second {
			t.Logf("%s: refused after %s", image, took) // not asserted: shared machine
		}
	}
	n, err := testutil.GatherAndCount(reg, "imagepin_registry_requests_total")
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d registry request series after denied addresses, want none: nothing was sent", n)
	}
}

// TestControlChecksDialledAddress checks the dial hook on the addresses the
// dialer hands it, IPv4-mapped and zoned IPv6 included.
func TestControlChecksDialledAddress(t *testing.T) {
	g := newAddressGuard([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")})
	tests := map[string]bool{
		"169.254.169.254:80":      true,
		"[fe80::1%lo]:443":        true,
		"[fe80::abcd]:443":        true,
		"[::ffff:169.254.1.1]:80": true,
		"10.0.0.5:9200":           true,
		"[::ffff:10.0.0.5]:9200":  true,
		"0.0.0.0:5000":            true,
		"[::]:5000":               true,
		"not an address":          true,
		"192.168.1.10:5000":       false,
		"127.0.0.1:5000":          false,
		"[2001:db8::1]:443":       false,
		"[fd00:ec2::254]:80":      true,
		"[fd00:ec2::253]:80":      false,
		"203.0.113.7:443":         false,
	}
	for addr, denied := range tests {
		err := g.control("tcp", addr, nil)
		if got := errors.Is(err, ErrAddressDenied); got != denied {
			t.Errorf("control(%s) = %v, want denied=%v", addr, err, denied)
		}
		if denied && !strings.Contains(err.Error(), "denied") {
			t.Errorf("control(%s) = %q, want a message that says so", addr, err)
		}
	}
}
