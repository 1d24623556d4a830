package registry

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// repositoriesDir is where Distribution's filesystem driver keeps each
// repository's links to blobs, manifests and tags.
const repositoriesDir = "docker/registry/v2/repositories"

// CloneRepository makes each of dsts a copy of repository src, with every
// tag pointing where src's does, by copying src's folder in the registry's
// storage: what Distribution itself would have written had the same images
// been pushed to dsts. Blobs and manifests are global in its storage and a
// repository's folder holds only links to them by digest, so the copy
// serves at once. It is for seeding registries of thousands of
// repositories, which pushing would take minutes to fill; dsts must not
// exist yet.
func (r *Registry) CloneRepository(ctx context.Context, src string, dsts []string, workers int) error {
	from := r.repositoryDir(src)
	if _, err := os.Stat(from); err != nil {
		return fmt.Errorf("clone %s: %w", src, err)
	}
	return parallel(ctx, len(dsts), workers, func(i int) error {
		to := r.repositoryDir(dsts[i])
		if _, err := os.Stat(to); err == nil {
			return fmt.Errorf("clone %s to %s: it exists", src, dsts[i])
		}
		if err := copyTree(from, to); err != nil {
			return fmt.Errorf("clone %s to %s: %w", src, dsts[i], err)
		}
		return nil
	})
}

// repositoryDir is the storage folder of repo ("team/app" or a full name).
func (r *Registry) repositoryDir(repo string) string {
	return filepath.Join(r.Dir, repositoriesDir, filepath.FromSlash(strings.TrimPrefix(repo, r.Host+"/")))
}

// copyTree copies the folders and regular files under from to to.
func copyTree(from, to string) error {
	return filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		target := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}
