package controlplane

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/imagepin/imagepin/internal/testenv"
)

// Shared is the one control plane of a test binary. The binary's TestMain
// runs the tests through Run, which stops the control plane after the last
// one; the first test that calls Get starts it. So a binary whose selected
// tests need none (go test -run of a pure test, or -short) starts none.
//
// The tests isolate themselves by namespace. Options are the union of what
// they need; what must differ between them (webhook configurations, CRDs)
// each installs for its own duration with InstallWebhooks, InstallCRDs and
// RemoveCRDs.
type Shared struct {
	opts  Options
	setup Setup

	mu       sync.Mutex
	started  bool
	cp       *ControlPlane
	teardown func()
	err      error
}

// Setup prepares a shared control plane once it runs: a client, a webhook
// server, CRDs from outside the repository. The teardown it returns, if
// not nil, runs before the control plane stops.
type Setup func(*ControlPlane) (teardown func(), err error)

// NewShared returns a test binary's control plane, not started; setup may
// be nil.
func NewShared(opts Options, setup Setup) *Shared {
	return &Shared{opts: opts, setup: setup}
}

// Get returns the running control plane, started (and set up) by the first
// call. It fails t when the start failed; under -short (the fast tier of
// pure unit tests) it skips t.
func (s *Shared) Get(t testenv.TB) *ControlPlane {
	t.Helper()
	testenv.SkipShort(t, "needs the real control plane of this test binary")
	cp, err := s.start()
	if err != nil {
		t.Fatalf("shared control plane: %v", err)
	}
	return cp
}

// start starts and sets up the control plane once; a failure is kept, so
// every later test fails fast with it.
func (s *Shared) start() (*ControlPlane, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started {
		s.started = true
		s.cp, s.err = Start(context.Background(), s.opts)
		if s.err == nil && s.setup != nil {
			if s.teardown, s.err = s.setup(s.cp); s.err != nil {
				s.err = fmt.Errorf("set up: %w", s.err)
			}
		}
	}
	return s.cp, s.err
}

// Run is the body of TestMain: it runs the tests and stops the control
// plane if one of them started it. It returns the exit code for os.Exit,
// which is not 0 when the stop failed.
func (s *Shared) Run(m testenv.M) int {
	code := m.Run()
	if err := s.stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop the shared control plane:", err)
		code = max(code, 1)
	}
	return code
}

// stop runs the teardown of the set-up, then stops the control plane.
func (s *Shared) stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.teardown != nil {
		s.teardown()
		s.teardown = nil
	}
	if s.cp == nil {
		return nil
	}
	err := s.cp.Stop()
	s.cp, s.err = nil, errors.New("stopped")
	return err
}
