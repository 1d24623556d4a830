package gitserver

import "github.com/imagepin/imagepin/internal/testenv"

// StartT starts a server for the test t and closes it in t's cleanup.
// Under -short (the fast tier of pure unit tests) it skips t.
func StartT(t testenv.TB, opts Options) *Server {
	t.Helper()
	testenv.SkipShort(t, "starts a real Git server")
	s, err := Start(t.Context(), opts)
	if err != nil {
		t.Fatalf("start git server: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close git server: %v", err)
		}
	})
	return s
}

// CommitT is Commit that fails t on error.
func (s *Server) CommitT(t testenv.TB, message string, files map[string]string) string {
	t.Helper()
	hash, err := s.Commit(t.Context(), message, files)
	if err != nil {
		t.Fatalf("commit to git server: %v", err)
	}
	return hash
}

// FileT is File that fails t on error.
func (s *Server) FileT(t testenv.TB, path string) string {
	t.Helper()
	content, err := s.File(t.Context(), path)
	if err != nil {
		t.Fatalf("read %s from git server: %v", path, err)
	}
	return content
}

// LogT is Log that fails t on error.
func (s *Server) LogT(t testenv.TB) []Commit {
	t.Helper()
	log, err := s.Log(t.Context())
	if err != nil {
		t.Fatalf("git log of git server: %v", err)
	}
	return log
}

// FileOnT is FileOn that fails t on error.
func (s *Server) FileOnT(t testenv.TB, branch, path string) string {
	t.Helper()
	content, err := s.FileOn(t.Context(), branch, path)
	if err != nil {
		t.Fatalf("read %s of branch %s from git server: %v", path, branch, err)
	}
	return content
}

// LogOfT is LogOf that fails t on error.
func (s *Server) LogOfT(t testenv.TB, branch string) []Commit {
	t.Helper()
	log, err := s.LogOf(t.Context(), branch)
	if err != nil {
		t.Fatalf("git log of branch %s of git server: %v", branch, err)
	}
	return log
}
