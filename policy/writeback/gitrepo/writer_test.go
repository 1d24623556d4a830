package gitrepo_test

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/imagepin/imagepin/internal/testenv/gitserver"
	"github.com/imagepin/imagepin/policy/writeback/gitrepo"
	"github.com/imagepin/imagepin/policy/writeback/marker"
)

const (
	user     = "imagepin"
	password = "s3cret"
	values   = "image:\n  tag: \"1.0.0\" # {\"$imagepin\": \"apps:app:tag\"}\n  pullPolicy: IfNotPresent\n"
)

var auth transport.AuthMethod = &githttp.BasicAuth{Username: user, Password: password}

func newServer(t *testing.T) *gitserver.Server {
	t.Helper()
	srv := gitserver.StartT(t, gitserver.Options{User: user, Password: password})
	srv.CommitT(t, "seed", map[string]string{
		"apps/values.yaml": values,
		"apps/README.md":   "tag: 0.0.1 # {\"$imagepin\": \"apps:app:tag\"}\n",
		"other/app.yaml":   "tag: 0.1.0 # {\"$imagepin\": \"apps:app:tag\"}\n",
	})
	return srv
}

func newWriter(t testing.TB, dir string) *gitrepo.Writer {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	w, err := gitrepo.New(gitrepo.Options{CacheDir: dir, Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// setTag is an Edit that sets the tag markers of apps/app to tag.
func setTag(tag string) gitrepo.Edit {
	img := marker.ParseImage("ghcr.io/acme/app:" + tag)
	lookup := func(p marker.Policy) (marker.Image, bool) {
		return img, p == marker.Policy{Namespace: "apps", Name: "app"}
	}
	return func(files []gitrepo.File) (gitrepo.Change, error) {
		change := gitrepo.Change{Files: map[string][]byte{}, Message: "set tag " + tag,
			Author: gitrepo.Signature{Name: "imagepin", Email: "imagepin@imagepin.dev"}}
		for _, f := range files {
			if out, _ := marker.Rewrite(f.Content, lookup); string(out) != string(f.Content) {
				change.Files[f.Path] = out
			}
		}
		return change, nil
	}
}

func request(srv *gitserver.Server, edit gitrepo.Edit, paths ...string) gitrepo.Request {
	return gitrepo.Request{Target: gitrepo.Target{URL: srv.URL, Branch: "main", Auth: auth}, Paths: paths, Edit: edit}
}

func TestWriteCommitsAndPushes(t *testing.T) {
	srv := newServer(t)
	res, err := newWriter(t, "").Write(t.Context(), request(srv, setTag("1.1.0"), "apps"))
	if err != nil {
		t.Fatal(err)
	}
	log := srv.LogT(t)
	if !res.Pushed || res.Commit != log[0].Hash || res.Attempts != 1 {
		t.Errorf("result = %+v; head is %s", res, log[0].Hash)
	}
	if c := log[0]; c.Message != "set tag 1.1.0" || c.Author != "imagepin <imagepin@imagepin.dev>" || strings.Join(c.Files, ",") != "apps/values.yaml" {
		t.Errorf("commit = %+v", c)
	}
	if got, want := srv.FileT(t, "apps/values.yaml"), strings.Replace(values, `"1.0.0"`, `"1.1.0"`, 1); got != want {
		t.Errorf("values.yaml = %q; want %q", got, want)
	}
	if got := srv.FileT(t, "other/app.yaml"); !strings.Contains(got, "0.1.0") {
		t.Errorf("a file outside the path changed: %q", got)
	}
}

func TestWriteWithoutChangeMakesNoCommit(t *testing.T) {
	srv := newServer(t)
	head := srv.LogT(t)[0].Hash
	res, err := newWriter(t, "").Write(t.Context(), request(srv, setTag("1.0.0"), "apps"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Pushed || res.Commit != head || srv.Pushes(gitserver.PushAdvertise) != 0 {
		t.Errorf("result = %+v, pushes = %d; want head %s and no push", res, srv.Pushes(gitserver.PushAdvertise), head)
	}
}

// TestWriteIsIdempotentAcrossRestarts writes, then writes the same again
// with the same writer, a new writer on the same cache and one on an
// empty cache (a restarted Pod): only the first write commits.
func TestWriteIsIdempotentAcrossRestarts(t *testing.T) {
	srv := newServer(t)
	cache := t.TempDir()
	first := newWriter(t, cache)
	writers := []struct {
		name string
		w    *gitrepo.Writer
	}{{"first", first}, {"same", first}, {"same cache", newWriter(t, cache)}, {"new cache", newWriter(t, "")}}
	for _, w := range writers {
		name := w.name
		res, err := w.w.Write(t.Context(), request(srv, setTag("1.1.0"), "apps"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if res.Pushed != (name == "first") {
			t.Errorf("%s writer: pushed = %v", name, res.Pushed)
		}
	}
	if n := len(srv.LogT(t)); n != 2 {
		t.Errorf("%d commits; want seed and one write", n)
	}
}

func TestWritePaths(t *testing.T) {
	tests := map[string]struct {
		paths   []string
		changed []string
	}{
		"directory":          {[]string{"apps/"}, []string{"apps/values.yaml"}},
		"file":               {[]string{"other/app.yaml"}, []string{"other/app.yaml"}},
		"a non-YAML file":    {[]string{"apps/README.md"}, []string{"apps/README.md"}},
		"whole repository":   {[]string{""}, []string{"apps/values.yaml", "other/app.yaml"}},
		"overlapping":        {[]string{"apps", "apps/values.yaml", "./other/../apps"}, []string{"apps/values.yaml"}},
		"missing path":       {[]string{"nope"}, nil},
		"two directories":    {[]string{"apps", "other"}, []string{"apps/values.yaml", "other/app.yaml"}},
		"escaping the root":  {[]string{"../../apps"}, []string{"apps/values.yaml"}},
		"nothing under path": {[]string{"apps/values.yaml/x"}, nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			srv := newServer(t)
			if _, err := newWriter(t, "").Write(t.Context(), request(srv, setTag("2.0.0"), tc.paths...)); err != nil {
				t.Fatal(err)
			}
			var changed []string
			if log := srv.LogT(t); len(log) > 1 {
				changed = log[0].Files
			}
			if strings.Join(changed, ",") != strings.Join(tc.changed, ",") {
				t.Errorf("changed %v; want %v", changed, tc.changed)
			}
		})
	}
}

func TestWriteErrors(t *testing.T) {
	tests := map[string]struct {
		target func(*gitserver.Server) gitrepo.Target
		want   error
	}{
		"wrong password": {func(s *gitserver.Server) gitrepo.Target {
			return gitrepo.Target{URL: s.URL, Branch: "main", Auth: &githttp.BasicAuth{Username: user, Password: "wrong"}}
		}, gitrepo.ErrAuthentication},
		"no credentials": {func(s *gitserver.Server) gitrepo.Target {
			return gitrepo.Target{URL: s.URL, Branch: "main"}
		}, gitrepo.ErrAuthentication},
		"missing branch": {func(s *gitserver.Server) gitrepo.Target {
			return gitrepo.Target{URL: s.URL, Branch: "release", Auth: auth}
		}, gitrepo.ErrNotFound},
		"missing repository": {func(s *gitserver.Server) gitrepo.Target {
			return gitrepo.Target{URL: strings.Replace(s.URL, gitserver.RepoName, "nope.git", 1), Branch: "main", Auth: auth}
		}, gitrepo.ErrNotFound},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			srv := newServer(t)
			req := gitrepo.Request{Target: tc.target(srv), Paths: []string{"apps"}, Edit: setTag("2.0.0")}
			_, err := newWriter(t, "").Write(t.Context(), req)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Write: %v; want %v", err, tc.want)
			}
			if strings.Contains(err.Error(), "wrong") || strings.Contains(err.Error(), password) {
				t.Errorf("the error shows a password: %v", err)
			}
			if n := len(srv.LogT(t)); n != 1 {
				t.Errorf("%d commits; want only the seed", n)
			}
		})
	}
}

// TestPushRefusedByTheServer: a branch the server protects with a hook is
// not pushed to, whatever the retries.
func TestWriteEditErrorStopsTheWrite(t *testing.T) {
	srv := newServer(t)
	var calls atomic.Int32
	edit := func([]gitrepo.File) (gitrepo.Change, error) {
		calls.Add(1)
		return gitrepo.Change{}, errors.New("template: bad")
	}
	if _, err := newWriter(t, "").Write(t.Context(), request(srv, edit, "apps")); err == nil || calls.Load() != 1 {
		t.Errorf("Write = %v after %d edits; want the edit's error after one", err, calls.Load())
	}
}
