package gitserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cgi"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/imagepin/imagepin/internal/testenv"
)

// RepoName is the path of the repository on the server.
const RepoName = "repo.git"

// Options configure a Server.
type Options struct {
	// User and Password are required by HTTP basic auth on every request.
	// An empty User serves without authentication.
	User, Password string
	// Branch is the default branch; "main" when empty.
	Branch string
	// SSH also serves the repository over SSH (see Server.SSH).
	SSH bool
}

// Server is a Git server for one bare repository.
type Server struct {
	// URL is the repository's HTTP URL, without credentials.
	URL string
	// Branch is the default branch.
	Branch string
	// SSH is set when Options.SSH was.
	SSH *SSH

	git   string
	tmp   *testenv.TempDir
	dir   string // bare repository
	work  string // work clone that Commit uses
	env   []string
	http  *http.Server
	hooks hooks
	// credentialed counts the requests that carried an Authorization header.
	credentialed atomic.Int64
	// failure, when set, answers every HTTP request (see Break).
	failure atomic.Pointer[failure]
	workMu  sync.Mutex
}

// Start creates the repository and serves it until Close.
func Start(ctx context.Context, opts Options) (*Server, error) {
	gitBin, err := exec.LookPath("git")
	if err != nil {
		return nil, fmt.Errorf("gitserver needs the git CLI: %w", err)
	}
	tmp, err := testenv.NewTempDir("imagepin-gitserver-")
	if err != nil {
		return nil, err
	}
	root := tmp.Path
	s := &Server{Branch: opts.Branch, git: gitBin, tmp: tmp, dir: filepath.Join(root, RepoName),
		work: filepath.Join(root, "work"), env: gitEnv(root)}
	if s.Branch == "" {
		s.Branch = "main"
	}
	if err := s.start(ctx, root, opts); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) start(ctx context.Context, root string, opts Options) error {
	if err := s.initRepos(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	s.URL = "http://" + ln.Addr().String() + "/" + RepoName
	s.http = &http.Server{Handler: s.handler(root, opts), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.http.Serve(ln) }()
	if opts.SSH {
		if s.SSH, err = s.startSSH(); err != nil {
			return fmt.Errorf("ssh: %w", err)
		}
	}
	return nil
}

// initRepos creates the bare repository, which accepts pushes over HTTP,
// and the work clone.
func (s *Server) initRepos(ctx context.Context) error {
	steps := [][]string{
		{"init", "--bare", "--initial-branch=" + s.Branch, s.dir},
		{"--git-dir=" + s.dir, "config", "http.receivepack", "true"},
		{"init", "--initial-branch=" + s.Branch, s.work},
		{"-C", s.work, "remote", "add", "origin", s.dir},
	}
	for _, args := range steps {
		if _, err := s.run(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

// handler serves the repository through git http-backend, behind basic auth.
func (s *Server) handler(root string, opts Options) http.Handler {
	backend := &cgi.Handler{
		Path:   s.git,
		Args:   []string{"http-backend"},
		Dir:    root,
		Stderr: io.Discard, // "not a git repository" and the like: the client sees the HTTP status
		Env:    append([]string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"}, s.env...),
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			s.credentialed.Add(1)
		}
		if f := s.failure.Load(); f != nil {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(f.status)
			_, _ = io.WriteString(w, f.body)
			return
		}
		if opts.User != "" {
			user, pass, ok := r.BasicAuth()
			if !ok || user != opts.User || pass != opts.Password {
				w.Header().Set("WWW-Authenticate", `Basic realm="imagepin gitserver"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
		}
		s.hooks.run(phaseOf(r))
		backend.ServeHTTP(w, r)
	})
}

// failure is the answer of a broken server.
type failure struct {
	status int
	body   string
}

// Break makes the server answer every HTTP request with status and body,
// as a broken or hostile server would; status 0 repairs it.
func (s *Server) Break(status int, body string) {
	if status == 0 {
		s.failure.Store(nil)
		return
	}
	s.failure.Store(&failure{status: status, body: body})
}

// CredentialsReceived returns how many HTTP requests carried credentials
// (an Authorization header), accepted or not.
func (s *Server) CredentialsReceived() int {
	return int(s.credentialed.Load())
}

// Close stops the server and removes the repository.
func (s *Server) Close() error {
	var errs []error
	if s.http != nil {
		errs = append(errs, s.http.Close())
	}
	if s.SSH != nil {
		errs = append(errs, s.SSH.close())
	}
	errs = append(errs, s.tmp.Remove())
	return errors.Join(errs...)
}

// gitEnv isolates the git CLI from the user's and the system's configuration.
func gitEnv(home string) []string {
	return []string{
		"HOME=" + home, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_AUTHOR_NAME=Someone Else", "GIT_AUTHOR_EMAIL=someone@example.com",
		"GIT_COMMITTER_NAME=Someone Else", "GIT_COMMITTER_EMAIL=someone@example.com",
		"GIT_TERMINAL_PROMPT=0",
	}
}
