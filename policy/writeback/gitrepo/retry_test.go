package gitrepo_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/imagepin/imagepin/internal/testenv/gitserver"
	"github.com/imagepin/imagepin/policy/writeback/gitrepo"
)

// TestWriteRetriesWhenTheBranchMoves makes someone else push while the
// writer pushes: before its push starts (the writer sees a branch that is
// not its commit's parent) or during it (the server refuses the stale
// update). The writer edits the new head and pushes again: both changes
// are kept, and its own is applied once, or not at all when the other
// push already made it.
func TestWriteRetriesWhenTheBranchMoves(t *testing.T) {
	tests := map[string]struct {
		phase    gitserver.Phase
		theirs   map[string]string
		wantOurs bool
	}{
		"other file, before the push": {gitserver.PushAdvertise, map[string]string{"apps/other.yaml": "a: 1\n"}, true},
		"other file, during the push": {gitserver.PushReceive, map[string]string{"apps/other.yaml": "a: 1\n"}, true},
		"same line, other value":      {gitserver.PushReceive, map[string]string{"apps/values.yaml": strings.Replace(values, "1.0.0", "9.9.9", 1)}, true},
		"same line, same value":       {gitserver.PushAdvertise, map[string]string{"apps/values.yaml": strings.Replace(values, "1.0.0", "1.1.0", 1)}, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			srv := newServer(t)
			srv.OnPush(tc.phase, func() {
				if _, err := srv.Commit(t.Context(), "theirs", tc.theirs); err != nil {
					t.Error(err)
				}
			})
			res, err := newWriter(t, "").Write(t.Context(), request(srv, setTag("1.1.0"), "apps"))
			if err != nil {
				t.Fatal(err)
			}
			log := srv.LogT(t)
			var messages []string
			for _, c := range log {
				messages = append(messages, c.Message)
			}
			want := "theirs,seed"
			if tc.wantOurs {
				want = "set tag 1.1.0," + want
			}
			if strings.Join(messages, ",") != want || res.Pushed != tc.wantOurs || res.Attempts != 2 || res.Commit != log[0].Hash {
				t.Errorf("log %v, result %+v; want log %s after 2 attempts", messages, res, want)
			}
			if got := srv.FileT(t, "apps/values.yaml"); !strings.Contains(got, `"1.1.0"`) {
				t.Errorf("values.yaml lost the write:\n%s", got)
			}
			for path, content := range tc.theirs {
				if got := srv.FileT(t, path); path != "apps/values.yaml" && got != content {
					t.Errorf("%s lost their change: %q", path, got)
				}
			}
		})
	}
}

func TestWriteGivesUpWhenTheBranchKeepsMoving(t *testing.T) {
	srv := newServer(t)
	n := 0
	srv.OnEveryPush(gitserver.PushAdvertise, func() {
		n++
		if _, err := srv.Commit(t.Context(), "theirs", map[string]string{"apps/other.yaml": strings.Repeat("a", n)}); err != nil {
			t.Error(err)
		}
	})
	w, err := gitrepo.New(gitrepo.Options{CacheDir: t.TempDir(), MaxAttempts: 3, Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.Write(t.Context(), request(srv, setTag("1.1.0"), "apps"))
	if !errors.Is(err, gitrepo.ErrPushRejected) || res.Attempts != 3 {
		t.Fatalf("Write = %+v, %v; want ErrPushRejected after 3 attempts", res, err)
	}
	if log := srv.LogT(t); log[0].Message != "theirs" {
		t.Errorf("head is %q; want theirs", log[0].Message)
	}
}

func TestWriteToAProtectedBranchIsRejectedAtOnce(t *testing.T) {
	srv := newServer(t)
	if err := srv.Protect("main is protected"); err != nil {
		t.Fatal(err)
	}
	res, err := newWriter(t, "").Write(t.Context(), request(srv, setTag("1.1.0"), "apps"))
	if !errors.Is(err, gitrepo.ErrPushRejected) || res.Attempts != 1 {
		t.Fatalf("Write = %+v, %v; want ErrPushRejected after one attempt", res, err)
	}
	if err := srv.Protect(""); err != nil {
		t.Fatal(err)
	}
	if res, err := newWriter(t, "").Write(t.Context(), request(srv, setTag("1.1.0"), "apps")); err != nil || !res.Pushed {
		t.Errorf("after the protection is lifted: %+v, %v", res, err)
	}
}
