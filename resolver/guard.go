package resolver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
)

// ErrAddressDenied means the resolver refused to connect to an address: a
// link-local one (where cloud metadata services answer) or one of
// WithDenyCIDRs. An image or a registry's redirect must not make imagepin
// reach into the cluster's network on a Pod author's behalf.
var ErrAddressDenied = errors.New("address denied")

// alwaysDenied are networks no registry lives in: link-local (169.254.0.0/16,
// fe80::/10, home of cloud metadata services), AWS's IPv6 metadata address,
// and the unspecified addresses, which reach the local host.
func alwaysDenied() []netip.Prefix {
	return []netip.Prefix{
		netip.MustParsePrefix("169.254.0.0/16"),
		netip.MustParsePrefix("fe80::/10"),
		netip.MustParsePrefix("fd00:ec2::254/128"),
		netip.MustParsePrefix("0.0.0.0/32"),
		netip.MustParsePrefix("::/128"),
	}
}

// addressGuard decides which addresses may be dialled.
type addressGuard struct {
	denied []netip.Prefix
}

// newAddressGuard denies the always-denied networks and extra.
func newAddressGuard(extra []netip.Prefix) *addressGuard {
	return &addressGuard{denied: append(alwaysDenied(), extra...)}
}

// check returns an error wrapping ErrAddressDenied when addr is denied.
// IPv4-mapped IPv6 addresses are checked as IPv4, zones are ignored.
func (g *addressGuard) check(addr netip.Addr) error {
	addr = addr.Unmap().WithZone("")
	for _, p := range g.denied {
		if p.Contains(addr) {
			return fmt.Errorf("%w: %s is in %s", ErrAddressDenied, addr, p)
		}
	}
	return nil
}

// control is the net.Dialer Control hook: it sees the address the dialer
// is about to connect to, after name resolution, so a name that resolves
// into a denied network cannot get past it.
func (g *addressGuard) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot read dialled address %q", ErrAddressDenied, address)
	}
	return g.check(ap.Addr())
}

// guardTransport refuses requests to a denied address literal before they
// take a per-host limiter or a metric series; names are checked at the dial.
type guardTransport struct {
	next  http.RoundTripper
	guard *addressGuard
}

// RoundTrip implements http.RoundTripper.
func (t *guardTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if addr, err := netip.ParseAddr(req.URL.Hostname()); err == nil {
		if err := t.guard.check(addr); err != nil {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: err}
		}
	}
	return t.next.RoundTrip(req)
}

// dialContext is a dialer whose connections pass the guard.
func (g *addressGuard) dialContext(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d.Control = g.control
	return d.DialContext
}
