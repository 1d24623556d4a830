package gitrepo

import (
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// maxFileSize bounds the files read: marker files are small, and a large
// blob under a path would otherwise be read into memory on every write.
const maxFileSize = 4 << 20

// readFiles returns the files under paths in tree: the YAML files of a
// directory, a file named itself.
func readFiles(tree *object.Tree, paths []string) ([]File, error) {
	var files []File
	seen := map[string]bool{}
	for _, p := range cleanPaths(paths) {
		found, err := filesUnder(tree, p)
		if err != nil {
			return nil, err
		}
		for _, f := range found {
			if !seen[f.Path] {
				seen[f.Path] = true
				files = append(files, f)
			}
		}
	}
	return files, nil
}

// cleanPaths makes paths relative and slash-separated; "" (the whole tree)
// replaces all others.
func cleanPaths(paths []string) []string {
	var out []string
	for _, p := range paths {
		p = strings.Trim(path.Clean("/"+p), "/")
		if p == "" {
			return []string{""}
		}
		out = append(out, p)
	}
	return out
}

func filesUnder(tree *object.Tree, p string) ([]File, error) {
	if p != "" {
		entry, err := tree.FindEntry(p)
		if err != nil {
			return missing(tree, p), nil
		}
		if entry.Mode != filemode.Dir {
			return blobFile(tree, p, entry)
		}
		if tree, err = tree.Tree(p); err != nil {
			return nil, fmt.Errorf("tree %s: %w", p, err)
		}
	}
	var files []File
	err := tree.Files().ForEach(func(f *object.File) error {
		if !isYAML(f.Name) || !regular(f.Mode) || f.Size > maxFileSize {
			return nil
		}
		content, err := blobContent(&f.Blob)
		if err != nil {
			return fmt.Errorf("read %s: %w", f.Name, err)
		}
		files = append(files, File{Path: path.Join(p, f.Name), Content: content})
		return nil
	})
	return files, err
}

// missing returns p as a Missing file when its folder exists: a file that
// an Edit may create. Any other path that does not exist has no files.
func missing(tree *object.Tree, p string) []File {
	if dir := path.Dir(p); dir != "." {
		if entry, err := tree.FindEntry(dir); err != nil || entry.Mode != filemode.Dir {
			return nil
		}
	}
	return []File{{Path: p, Missing: true}}
}

func blobFile(tree *object.Tree, p string, entry *object.TreeEntry) ([]File, error) {
	if !regular(entry.Mode) {
		return nil, nil
	}
	f, err := tree.TreeEntryFile(entry)
	if err != nil || f.Size > maxFileSize {
		return nil, err
	}
	content, err := blobContent(&f.Blob)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return []File{{Path: p, Content: content}}, nil
}

func blobContent(b *object.Blob) ([]byte, error) {
	r, err := b.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

func isYAML(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}

func regular(m filemode.FileMode) bool {
	return m == filemode.Regular || m == filemode.Executable
}

// writeTree stores a copy of tree with the changed files (paths relative to
// tree) and returns its hash. Existing files change in place; a new file
// may be added to an existing folder, in Git's order of entries.
func writeTree(st storer.EncodedObjectStorer, tree *object.Tree, changes map[string][]byte) (plumbing.Hash, error) {
	direct, sub := map[string][]byte{}, map[string]map[string][]byte{}
	for p, content := range changes {
		if dir, rest, ok := strings.Cut(p, "/"); ok {
			if sub[dir] == nil {
				sub[dir] = map[string][]byte{}
			}
			sub[dir][rest] = content
		} else {
			direct[p] = content
		}
	}
	entries := append([]object.TreeEntry(nil), tree.Entries...)
	for i, e := range entries {
		var err error
		content, isFile := direct[e.Name]
		switch {
		case isFile && e.Mode != filemode.Dir:
			entries[i].Hash, err = writeBlob(st, content)
			delete(direct, e.Name)
		case isFile:
			return plumbing.ZeroHash, fmt.Errorf("%s is a folder, not a file", e.Name)
		case sub[e.Name] != nil && e.Mode == filemode.Dir:
			entries[i].Hash, err = writeSubtree(st, e.Hash, sub[e.Name])
			delete(sub, e.Name)
		}
		if err != nil {
			return plumbing.ZeroHash, err
		}
	}
	if len(sub) > 0 {
		return plumbing.ZeroHash, fmt.Errorf("changed files %v are not in the tree", keys(direct, sub))
	}
	for name, content := range direct {
		hash, err := writeBlob(st, content)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		entries = append(entries, object.TreeEntry{Name: name, Mode: filemode.Regular, Hash: hash})
	}
	sort.Slice(entries, func(i, j int) bool { return treeName(entries[i]) < treeName(entries[j]) })
	return storeObject(st, &object.Tree{Entries: entries})
}

// treeName is what Git sorts tree entries by: folders as if they ended
// with a slash.
func treeName(e object.TreeEntry) string {
	if e.Mode == filemode.Dir {
		return e.Name + "/"
	}
	return e.Name
}

func writeSubtree(st storer.EncodedObjectStorer, hash plumbing.Hash, changes map[string][]byte) (plumbing.Hash, error) {
	tree, err := object.GetTree(st, hash)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	return writeTree(st, tree, changes)
}

func writeBlob(st storer.EncodedObjectStorer, content []byte) (plumbing.Hash, error) {
	obj := st.NewEncodedObject()
	obj.SetType(plumbing.BlobObject)
	w, err := obj.Writer()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if _, err := w.Write(content); err != nil {
		return plumbing.ZeroHash, err
	}
	if err := w.Close(); err != nil {
		return plumbing.ZeroHash, err
	}
	return st.SetEncodedObject(obj)
}

// storeObject encodes and stores a tree or commit.
func storeObject(st storer.EncodedObjectStorer, o interface {
	Encode(plumbing.EncodedObject) error
}) (plumbing.Hash, error) {
	obj := st.NewEncodedObject()
	if err := o.Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	return st.SetEncodedObject(obj)
}

func keys(direct map[string][]byte, sub map[string]map[string][]byte) []string {
	var out []string
	for k := range direct {
		out = append(out, k)
	}
	for k := range sub {
		out = append(out, k+"/…")
	}
	return out
}
