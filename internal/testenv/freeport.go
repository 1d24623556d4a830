package testenv

import (
	"fmt"
	"net"
)

// FreeAddr returns "127.0.0.1:PORT" of a port that is free when asked.
// Another process could take it before the caller binds it, which the
// caller's start then reports (the registry retries).
func FreeAddr() (string, error) {
	addr, err := free()
	if err != nil {
		return "", err
	}
	return addr.String(), nil
}

// FreePort is FreeAddr's port.
func FreePort() (int, error) {
	addr, err := free()
	if err != nil {
		return 0, err
	}
	return addr.Port, nil
}

func free() (*net.TCPAddr, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr), nil
}

// FreeAddrT is FreeAddr that fails t on error.
func FreeAddrT(t TB) string {
	t.Helper()
	addr, err := FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// FreePortT is FreePort that fails t on error.
func FreePortT(t TB) int {
	t.Helper()
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}
