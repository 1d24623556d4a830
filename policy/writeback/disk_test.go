package writeback_test

import (
	"os"
	"strings"
	"testing"

	"github.com/imagepin/imagepin/internal/testenv/gitserver"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// TestClonesOfRemovedTargetsAreRemoved: when the last policy of a
// repository is deleted, or moves to another repository, its clone is
// removed; the clones of repositories still written stay.
func TestClonesOfRemovedTargetsAreRemoved(t *testing.T) {
	f := newFixture(t)
	other := gitserver.StartT(t, gitserver.Options{User: gitUser, Password: gitPassword})
	other.CommitT(t, "seed", map[string]string{"apps/values.yaml": f.values("0.0.0", "0.0.0")})
	third := gitserver.StartT(t, gitserver.Options{User: gitUser, Password: gitPassword})
	third.CommitT(t, "seed", map[string]string{"apps/values.yaml": f.values("0.0.0", "0.0.0")})
	c := startWriteBack(t, f.ns)
	app := f.policy(t, "app")
	worker := f.policy(t, "worker", func(g *v1alpha1.GitWriteBack) { g.URL = other.URL })
	setCurrent(t, app, "1.0.0", v1alpha1.SourceScan)
	setCurrent(t, worker, "1.0.0", v1alpha1.SourceScan)
	waitForCommits(t, f.git, 2)
	waitForCommits(t, other, 2)
	waitUntil(t, "two clones", func() bool { return len(clones(t, c.cacheDir)) == 2 })
	before := clones(t, c.cacheDir)

	if err := cl.Delete(t.Context(), worker); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the deleted policy's clone removed", func() bool { return len(clones(t, c.cacheDir)) == 1 },
		func() string { return "clones: " + strings.Join(clones(t, c.cacheDir), " ") })
	edit(t, app, func(p *v1alpha1.ImagePolicy) { p.Spec.WriteBack.Git.URL = third.URL })
	waitForCommits(t, third, 2)
	waitUntil(t, "the moved policy's old clone removed", func() bool {
		now := clones(t, c.cacheDir)
		return len(now) == 1 && now[0] != before[0] && now[0] != before[1]
	}, func() string { return "clones: " + strings.Join(clones(t, c.cacheDir), " ") })
}

func clones(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
