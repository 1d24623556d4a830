package attack

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
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

// WaitListening waits until something accepts connections on addr, such
// as a metrics server that its process's readiness does not wait for.
func WaitListening(t testing.TB, addr string) {
	t.Helper()
	err := wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err != nil {
			return false, nil
		}
		return true, c.Close()
	})
	if err != nil {
		t.Fatalf("nothing listens on %s: %v", addr, err)
	}
}
