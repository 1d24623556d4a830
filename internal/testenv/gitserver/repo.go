package gitserver

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Commit is one commit of the branch.
type Commit struct {
	Hash      string
	Author    string // "Name <email>"
	Committer string // "Name <email>"
	Message   string
	Files     []string // paths the commit changed
}

// Commit writes files (path → content) into the branch as one commit by
// "Someone Else", pushed straight into the bare repository (not over HTTP,
// so it triggers no OnPush hook), and returns its hash. It builds on the
// branch as it is now, including what clients pushed.
func (s *Server) Commit(ctx context.Context, message string, files map[string]string) (string, error) {
	return s.CommitOn(ctx, s.Branch, message, files)
}

// CommitOn is Commit on another branch, which starts at the default
// branch's head when it does not exist yet.
func (s *Server) CommitOn(ctx context.Context, branch, message string, files map[string]string) (string, error) {
	s.workMu.Lock()
	defer s.workMu.Unlock()
	if err := s.syncWork(ctx, branch); err != nil {
		return "", err
	}
	for path, content := range files {
		full := filepath.Join(s.work, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			return "", err
		}
	}
	for _, args := range [][]string{
		{"-C", s.work, "add", "-A"},
		{"-C", s.work, "commit", "--allow-empty", "-q", "-m", message},
		{"-C", s.work, "push", "-q", "origin", "HEAD:refs/heads/" + branch},
	} {
		if _, err := s.run(ctx, args...); err != nil {
			return "", err
		}
	}
	return s.run(ctx, "-C", s.work, "rev-parse", "HEAD")
}

// syncWork moves the work clone to the head of branch, or of the default
// branch when branch does not exist, if that exists.
func (s *Server) syncWork(ctx context.Context, branch string) error {
	if _, err := s.run(ctx, "-C", s.work, "fetch", "-q", "--prune", "origin"); err != nil {
		return err
	}
	for _, b := range []string{branch, s.Branch} {
		if _, err := s.run(ctx, "-C", s.work, "rev-parse", "-q", "--verify", "origin/"+b); err == nil {
			_, err := s.run(ctx, "-C", s.work, "reset", "-q", "--hard", "origin/"+b)
			return err
		}
	}
	return nil // an empty repository: the first commit starts the branch
}

// File returns the content of path at the branch head.
func (s *Server) File(ctx context.Context, path string) (string, error) {
	return s.FileOn(ctx, s.Branch, path)
}

// FileOn returns the content of path at the head of branch.
func (s *Server) FileOn(ctx context.Context, branch, path string) (string, error) {
	return s.runRaw(ctx, "--git-dir="+s.dir, "show", branch+":"+path)
}

// Head returns the hash the branch points at.
func (s *Server) Head(ctx context.Context) (string, error) {
	return s.run(ctx, "--git-dir="+s.dir, "rev-parse", s.Branch)
}

// Log returns the commits of the branch, newest first.
func (s *Server) Log(ctx context.Context) ([]Commit, error) {
	return s.LogOf(ctx, s.Branch)
}

// LogOf returns the commits of branch, newest first.
func (s *Server) LogOf(ctx context.Context, branch string) ([]Commit, error) {
	out, err := s.run(ctx, "--git-dir="+s.dir, "rev-list", branch)
	if err != nil {
		return nil, err
	}
	var log []Commit
	for _, hash := range strings.Fields(out) {
		c, err := s.commit(ctx, hash)
		if err != nil {
			return nil, err
		}
		log = append(log, c)
	}
	return log, nil
}

func (s *Server) commit(ctx context.Context, hash string) (Commit, error) {
	c := Commit{Hash: hash}
	var err error
	if c.Author, err = s.run(ctx, "--git-dir="+s.dir, "show", "-s", "--format=%an <%ae>", hash); err != nil {
		return c, err
	}
	if c.Committer, err = s.run(ctx, "--git-dir="+s.dir, "show", "-s", "--format=%cn <%ce>", hash); err != nil {
		return c, err
	}
	if c.Message, err = s.runRaw(ctx, "--git-dir="+s.dir, "show", "-s", "--format=%B", hash); err != nil {
		return c, err
	}
	c.Message = strings.TrimRight(c.Message, "\n")
	files, err := s.run(ctx, "--git-dir="+s.dir, "diff-tree", "--root", "--no-commit-id", "--name-only", "-r", hash)
	c.Files = strings.Fields(files)
	return c, err
}

// run runs git and returns its trimmed output.
func (s *Server) run(ctx context.Context, args ...string) (string, error) {
	out, err := s.runRaw(ctx, args...)
	return strings.TrimSpace(out), err
}

func (s *Server) runRaw(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, s.git, args...)
	cmd.Env = append(os.Environ(), s.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// Protect makes the server refuse every push with message, as a protected
// branch or a pre-receive hook does; an empty message lifts it.
func (s *Server) Protect(message string) error {
	hook := filepath.Join(s.dir, "hooks", "pre-receive")
	if message == "" {
		return os.Remove(hook)
	}
	script := "#!/bin/sh\necho " + shellQuote(message) + " >&2\nexit 1\n"
	return os.WriteFile(hook, []byte(script), 0o755)
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
