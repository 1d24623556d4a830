package gitserver_test

import (
	"bytes"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/imagepin/imagepin/internal/testenv/gitserver"
)

func TestCloneAndPushOverHTTP(t *testing.T) {
	srv := gitserver.StartT(t, gitserver.Options{User: "bot", Password: "s3cret"})
	first := srv.CommitT(t, "seed", map[string]string{"apps/values.yaml": "image: a:1\n"})

	work := filepath.Join(t.TempDir(), "clone")
	gitCLI(t, "", "clone", "-q", withAuth(t, srv.URL, "bot", "s3cret"), work)
	if err := os.WriteFile(filepath.Join(work, "apps", "values.yaml"), []byte("image: a:2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitCLI(t, work, "commit", "-q", "-am", "bump")
	gitCLI(t, work, "push", "-q", "origin", "HEAD:main")

	if got := srv.FileT(t, "apps/values.yaml"); got != "image: a:2\n" {
		t.Errorf("file at head = %q", got)
	}
	log := srv.LogT(t)
	if len(log) != 2 || log[1].Hash != first || log[0].Message != "bump" || log[0].Author != "Tester <tester@example.com>" ||
		strings.Join(log[0].Files, ",") != "apps/values.yaml" {
		t.Errorf("log = %+v", log)
	}
	if n := srv.Pushes(gitserver.PushReceive); n != 1 {
		t.Errorf("Pushes(PushReceive) = %d; want 1", n)
	}
}

func TestWrongPasswordIsRefused(t *testing.T) {
	srv := gitserver.StartT(t, gitserver.Options{User: "bot", Password: "s3cret"})
	srv.CommitT(t, "seed", map[string]string{"a.yaml": "a: 1\n"})
	cmd := exec.Command("git", "ls-remote", withAuth(t, srv.URL, "bot", "wrong"))
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "Authentication failed") {
		t.Errorf("ls-remote with a wrong password: %v\n%s", err, out)
	}
}

// TestOnPushRunsBeforeThePush makes someone else push while a client pushes:
// at PushReceive the server refuses the client's now stale update.
func TestOnPushRunsBeforeThePush(t *testing.T) {
	srv := gitserver.StartT(t, gitserver.Options{})
	srv.CommitT(t, "seed", map[string]string{"a.yaml": "a: 1\n"})
	work := filepath.Join(t.TempDir(), "clone")
	gitCLI(t, "", "clone", "-q", srv.URL, work)
	gitCLI(t, work, "commit", "-q", "--allow-empty", "-m", "mine")

	srv.OnPush(gitserver.PushReceive, func() {
		if _, err := srv.Commit(t.Context(), "theirs", map[string]string{"b.yaml": "b: 1\n"}); err != nil {
			t.Error(err)
		}
	})
	cmd := exec.Command("git", "-C", work, "push", "origin", "HEAD:main")
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("push after someone else's succeeded:\n%s", out)
	}
	if log := srv.LogT(t); log[0].Message != "theirs" {
		t.Errorf("head is %q; want theirs", log[0].Message)
	}
}

func TestSSHServesUploadPack(t *testing.T) {
	srv := gitserver.StartT(t, gitserver.Options{SSH: true})
	head := srv.CommitT(t, "seed", map[string]string{"a.yaml": "a: 1\n"})

	signer, err := ssh.ParsePrivateKey(srv.SSH.ClientKey)
	if err != nil {
		t.Fatal(err)
	}
	known := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(known, srv.SSH.KnownHosts, 0o600); err != nil {
		t.Fatal(err)
	}
	hostKeys, err := knownhosts.New(known)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(srv.SSH.URL)
	if err != nil {
		t.Fatal(err)
	}
	client, err := ssh.Dial("tcp", u.Host, &ssh.ClientConfig{User: "git", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, HostKeyCallback: hostKeys})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	var out bytes.Buffer
	sess.Stdout = &out
	sess.Stdin = strings.NewReader("0000") // flush: advertisement only
	if err := sess.Run("git-upload-pack '/" + gitserver.RepoName + "'"); err != nil {
		t.Fatalf("git-upload-pack over ssh: %v", err)
	}
	if !strings.Contains(out.String(), head+" refs/heads/main") {
		t.Errorf("advertisement does not name main at %s:\n%s", head, out.String())
	}
}

func withAuth(t *testing.T, raw, user, pass string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(user, pass)
	return u.String()
}

func gitCLI(t *testing.T, dir string, args ...string) {
	t.Helper()
	if dir != "" {
		args = append([]string{"-C", dir}, args...)
	}
	cmd := exec.Command("git", args...)
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Tester", "GIT_AUTHOR_EMAIL=tester@example.com", "GIT_COMMITTER_NAME=Tester", "GIT_COMMITTER_EMAIL=tester@example.com")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}
