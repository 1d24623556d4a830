package writeback

import (
	"fmt"
	"os"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/imagepin/imagepin/internal/testenv/gitserver"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/writeback/gitrepo"
)

// BenchmarkWriteBackCycle times the Git side of one write-back cycle on a
// repository of 1,000 YAML files, 100 of them with markers of 10 policies:
// fetch, read every file under the path, rewrite the markers, and (when the
// policies moved) commit and push. Run it with -benchtime=20x: every
// iteration of "commit" makes a real commit.
func BenchmarkWriteBackCycle(b *testing.B) {
	srv := gitserver.StartT(b, gitserver.Options{User: "u", Password: "p"})
	srv.CommitT(b, "1,000 files", thousandFiles())
	w, err := gitrepo.New(gitrepo.Options{CacheDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	t := target{URL: srv.URL, Branch: "main"}
	gt := gitrepo.Target{URL: srv.URL, Branch: "main", Auth: basicAuth("u", "p")}
	cycle := func(tag string) gitrepo.Result {
		bt := newBatch(t, benchPolicies(srv.URL, tag))
		res, err := w.Write(b.Context(), gitrepo.Request{Target: gt, Paths: bt.paths(), Edit: bt.edit})
		if err != nil {
			b.Fatal(err)
		}
		return res
	}
	cycle("0.0.1") // clone once, as the controller does on its first cycle
	b.Run("commit", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if res := cycle(fmt.Sprintf("1.0.%d", i)); !res.Pushed {
				b.Fatal("no commit")
			}
		}
	})
	b.Run("unchanged", func(b *testing.B) {
		for b.Loop() {
			if res := cycle("2.0.0"); res.Pushed && res.Attempts > 1 {
				b.Fatal("unexpected retries")
			}
		}
	})
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		b.Logf("load average: %s", strings.TrimSpace(string(load)))
	}
}

// thousandFiles are Helm-style values files in 50 folders; every tenth has
// markers of one of 10 policies.
func thousandFiles() map[string]string {
	files := map[string]string{}
	for i := range 1000 {
		var markers string
		if i%10 == 0 {
			p := fmt.Sprintf("svc-%d", i/10%10)
			markers = fmt.Sprintf("  image: r.io/%[1]s:0.0.0 # {\"$imagepin\": \"bench:%[1]s\"}\n  tag: \"0.0.0\" # {\"$imagepin\": \"bench:%[1]s:tag\"}\n", p)
		}
		files[fmt.Sprintf("apps/team-%02d/service-%04d.yaml", i%50, i)] = fmt.Sprintf(
			"# values of service %d\nreplicaCount: 2\nimage:\n%s  pullPolicy: IfNotPresent\nresources:\n  limits: {cpu: 500m, memory: 256Mi}\n%s",
			i, markers, strings.Repeat("env:\n  - name: A\n    value: \"1\"\n", 10))
	}
	return files
}

func benchPolicies(url, tag string) []v1alpha1.ImagePolicy {
	var ps []v1alpha1.ImagePolicy
	for i := range 10 {
		name := fmt.Sprintf("svc-%d", i)
		image := "r.io/" + name + ":" + tag + "@sha256:" + strings.Repeat("a", 64)
		rec := v1alpha1.ImageRecord{Image: image, Tag: tag, Digest: "sha256:" + strings.Repeat("a", 64), Source: v1alpha1.SourceScan}
		ps = append(ps, v1alpha1.ImagePolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: "bench", Name: name},
			Spec: v1alpha1.ImagePolicySpec{Image: "r.io/" + name, WriteBack: &v1alpha1.WriteBack{
				Git: v1alpha1.GitWriteBack{URL: url, Branch: "main", Path: "apps"}}},
			Status: v1alpha1.ImagePolicyStatus{Current: &v1alpha1.CurrentImage{ImageRecord: rec}, History: []v1alpha1.ImageRecord{rec}},
		})
	}
	return ps
}

func basicAuth(user, pass string) *githttp.BasicAuth {
	return &githttp.BasicAuth{Username: user, Password: pass}
}
