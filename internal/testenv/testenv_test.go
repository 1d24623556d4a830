package testenv_test

import (
	"net"
	"strconv"
	"testing"

	"github.com/imagepin/imagepin/internal/testenv"
)

func TestShortFollowsTheFlag(t *testing.T) {
	if testenv.Short() != testing.Short() {
		t.Errorf("Short() = %v, testing.Short() = %v", testenv.Short(), testing.Short())
	}
}

func TestSkipShort(t *testing.T) {
	ran := false
	t.Run("inner", func(t *testing.T) {
		testenv.SkipShort(t, "starts something")
		ran = true
	})
	if ran == testing.Short() {
		t.Errorf("under -short=%v the test ran: %v", testing.Short(), ran)
	}
}

func TestFreeAddrCanBeBound(t *testing.T) {
	addr := testenv.FreeAddrT(t)
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on the free address %s: %v", addr, err)
	}
	l.Close()
	port := testenv.FreePortT(t)
	if port <= 0 || port > 65535 {
		t.Fatalf("FreePort = %d", port)
	}
	l, err = net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatalf("listen on the free port %d: %v", port, err)
	}
	l.Close()
}
