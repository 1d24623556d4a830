package attack

import (
	"net"
	"sync/atomic"
	"testing"
)

// Listener is a TCP listener that counts and closes the connections it
// accepts, until the test ends.
type Listener struct {
	net.Listener
	accepts atomic.Int64
}

// Listen listens on addr, e.g. "127.0.0.2:0".
func Listen(t testing.TB, addr string) *Listener {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	a := &Listener{Listener: l}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			a.accepts.Add(1)
			_ = c.Close()
		}
	}()
	t.Cleanup(func() { _ = l.Close() })
	return a
}

// Accepts is the number of connections accepted so far.
func (a *Listener) Accepts() int64 {
	return a.accepts.Load()
}

// Port is the listener's port.
func (a *Listener) Port() string {
	_, p, _ := net.SplitHostPort(a.Addr().String())
	return p
}
