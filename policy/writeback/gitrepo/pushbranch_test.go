package gitrepo_test

import (
	"strings"
	"testing"

	"github.com/imagepin/imagepin/internal/testenv/gitserver"
	"github.com/imagepin/imagepin/policy/writeback/gitrepo"
)

const review = "imagepin/review"

func toReview(srv *gitserver.Server, edit gitrepo.Edit) gitrepo.Request {
	req := request(srv, edit, "apps")
	req.PushBranch = review
	return req
}

func messages(log []gitserver.Commit) string {
	var m []string
	for _, c := range log {
		m = append(m, c.Message)
	}
	return strings.Join(m, ",")
}

// TestPushBranch: the first change creates the review branch from main,
// the second adds a commit on it; main is untouched; the commits are
// imagepin's and Result names the branch.
func TestPushBranch(t *testing.T) {
	srv := newServer(t)
	w := newWriter(t, "")
	mainHead := srv.LogT(t)[0].Hash
	for i, tag := range []string{"1.1.0", "1.2.0", "1.2.0"} {
		res, err := w.Write(t.Context(), toReview(srv, setTag(tag)))
		if err != nil {
			t.Fatal(err)
		}
		if res.Branch != review || res.Pushed != (i < 2) {
			t.Errorf("write %d: %+v; want pushed to %s only for a change", i, res, review)
		}
	}
	if got := messages(srv.LogOfT(t, review)); got != "set tag 1.2.0,set tag 1.1.0,seed" {
		t.Errorf("review branch: %s", got)
	}
	if log := srv.LogT(t); len(log) != 1 || log[0].Hash != mainHead {
		t.Errorf("main moved: %s", messages(log))
	}
	if c := srv.LogOfT(t, review)[0]; c.Committer != "imagepin <imagepin@imagepin.dev>" {
		t.Errorf("committer %q", c.Committer)
	}
	if got := srv.FileOnT(t, review, "apps/values.yaml"); !strings.Contains(got, `"1.2.0"`) {
		t.Errorf("values on the review branch:\n%s", got)
	}
}

// TestPushBranchAfterMainMovedAhead: main moved on (the review was merged,
// others pushed). A review branch of imagepin's commits only is made again
// from main; one that holds someone else's commit is committed on top.
func TestPushBranchAfterMainMovedAhead(t *testing.T) {
	for name, theirs := range map[string]bool{"only imagepin's commits": false, "a commit of someone else": true} {
		t.Run(name, func(t *testing.T) {
			srv := newServer(t)
			w := newWriter(t, "")
			if _, err := w.Write(t.Context(), toReview(srv, setTag("1.1.0"))); err != nil {
				t.Fatal(err)
			}
			if theirs {
				if _, err := srv.CommitOn(t.Context(), review, "reviewer's fix", map[string]string{"apps/fix.yaml": "a: 1\n"}); err != nil {
					t.Fatal(err)
				}
			}
			srv.CommitT(t, "main moved", map[string]string{"other/new.yaml": "b: 2\n"})
			res, err := w.Write(t.Context(), toReview(srv, setTag("1.2.0")))
			if err != nil || !res.Pushed {
				t.Fatalf("Write = %+v, %v", res, err)
			}
			want := "set tag 1.2.0,main moved,seed"
			if theirs {
				want = "set tag 1.2.0,reviewer's fix,set tag 1.1.0,seed"
			}
			if got := messages(srv.LogOfT(t, review)); got != want {
				t.Errorf("review branch: %s; want %s", got, want)
			}
		})
	}
}

// TestPushBranchRace: someone pushes to the review branch during the push;
// the write is retried on the new head and keeps both.
func TestPushBranchRace(t *testing.T) {
	srv := newServer(t)
	w := newWriter(t, "")
	if _, err := w.Write(t.Context(), toReview(srv, setTag("1.1.0"))); err != nil {
		t.Fatal(err)
	}
	srv.OnPush(gitserver.PushReceive, func() {
		if _, err := srv.CommitOn(t.Context(), review, "theirs", map[string]string{"apps/other.yaml": "a: 1\n"}); err != nil {
			t.Error(err)
		}
	})
	res, err := w.Write(t.Context(), toReview(srv, setTag("1.2.0")))
	if err != nil || !res.Pushed || res.Attempts != 2 {
		t.Fatalf("Write = %+v, %v; want a push after 2 attempts", res, err)
	}
	if got := messages(srv.LogOfT(t, review)); got != "set tag 1.2.0,theirs,set tag 1.1.0,seed" {
		t.Errorf("review branch: %s", got)
	}
}

// TestWriteCreatesAFile: a Missing file in an existing folder is created;
// a missing folder yields no file.
func TestWriteCreatesAFile(t *testing.T) {
	srv := newServer(t)
	var seen []gitrepo.File
	edit := func(files []gitrepo.File) (gitrepo.Change, error) {
		seen = files
		return gitrepo.Change{Files: map[string][]byte{"apps/.argocd-source-app.yaml": []byte("a: 1\n")}, Message: "create",
			Author: gitrepo.Signature{Name: "imagepin", Email: "imagepin@imagepin.dev"}}, nil
	}
	res, err := newWriter(t, "").Write(t.Context(), request(srv, edit, "apps/.argocd-source-app.yaml", "nope/.argocd-source-app.yaml"))
	if err != nil || !res.Pushed {
		t.Fatalf("Write = %+v, %v", res, err)
	}
	if len(seen) != 1 || !seen[0].Missing || seen[0].Path != "apps/.argocd-source-app.yaml" {
		t.Errorf("files given to Edit: %+v", seen)
	}
	if got := srv.FileT(t, "apps/.argocd-source-app.yaml"); got != "a: 1\n" {
		t.Errorf("created file: %q", got)
	}
	if got := srv.FileT(t, "apps/values.yaml"); got != values {
		t.Errorf("a file beside it changed: %q", got)
	}
}
