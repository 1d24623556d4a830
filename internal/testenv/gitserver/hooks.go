package gitserver

import (
	"net/http"
	"strings"
	"sync"
)

// Phase is a moment of a client's push over HTTP.
type Phase int

const (
	// PushAdvertise is the start of a push: the client asks which commits
	// the branches point at (GET info/refs?service=git-receive-pack). A
	// commit pushed by someone else now is seen by the client, whose push
	// is then not a fast-forward.
	PushAdvertise Phase = iota + 1
	// PushReceive is the push itself (POST git-receive-pack). A commit
	// pushed by someone else now is not seen by the client: the server
	// refuses the update because the branch is no longer where the client
	// said it was.
	PushReceive
)

func phaseOf(r *http.Request) Phase {
	switch {
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/info/refs") && r.URL.Query().Get("service") == "git-receive-pack":
		return PushAdvertise
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/git-receive-pack"):
		return PushReceive
	}
	return 0
}

// hooks are callbacks run before the server handles a request of a phase.
type hooks struct {
	mu     sync.Mutex
	once   map[Phase][]func()
	always map[Phase]func()
	count  map[Phase]int
}

// OnPush runs fn before the server handles the next request of phase, once.
// fn typically calls Commit: someone else pushes in the middle of a push.
func (s *Server) OnPush(phase Phase, fn func()) {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	if s.hooks.once == nil {
		s.hooks.once = map[Phase][]func(){}
	}
	s.hooks.once[phase] = append(s.hooks.once[phase], fn)
}

// OnEveryPush runs fn before the server handles every request of phase
// from now on; nil stops it.
func (s *Server) OnEveryPush(phase Phase, fn func()) {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	if s.hooks.always == nil {
		s.hooks.always = map[Phase]func(){}
	}
	s.hooks.always[phase] = fn
}

// Pushes returns how many push requests of phase the server received.
// Pushes(PushReceive) counts pushes that sent commits.
func (s *Server) Pushes(phase Phase) int {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	return s.hooks.count[phase]
}

func (h *hooks) run(phase Phase) {
	if phase == 0 {
		return
	}
	h.mu.Lock()
	if h.count == nil {
		h.count = map[Phase]int{}
	}
	h.count[phase]++
	fns := h.once[phase]
	delete(h.once, phase)
	if fn := h.always[phase]; fn != nil {
		fns = append(fns, fn)
	}
	h.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}
