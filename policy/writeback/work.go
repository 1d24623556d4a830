package writeback

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/imagepin/imagepin/policy/writeback/gitrepo"
)

// work is the content of the files of a cycle as the edits so far left it.
type work map[string]*workFile

type workFile struct {
	content []byte
	missing bool // not in the branch (yet)
	orig    []byte
}

func newWork(files []gitrepo.File) work {
	w := work{}
	for _, f := range files {
		w[f.Path] = &workFile{content: f.Content, missing: f.Missing, orig: f.Content}
	}
	return w
}

// set stores a target's output, and returns file if it changed it.
func (w work) set(file string, out []byte, err error) (string, error) {
	if err != nil {
		return "", fmt.Errorf("%s: %w", file, err)
	}
	f := w[file]
	if bytes.Equal(f.content, out) {
		return "", nil
	}
	f.content, f.missing = out, false
	return file, nil
}

// snapshot and restore undo the edits of a policy that failed.
func (w work) snapshot() map[string]workFile {
	s := make(map[string]workFile, len(w))
	for p, f := range w {
		s[p] = *f
	}
	return s
}

func (w work) restore(s map[string]workFile) {
	for p, f := range s {
		*w[p] = f
	}
}

// paths are the files in a stable order.
func (w work) paths() []string {
	paths := make([]string, 0, len(w))
	for p := range w {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths
}

// changed are the files whose content differs from the branch's.
func (w work) changed() map[string][]byte {
	out := map[string][]byte{}
	for p, f := range w {
		if !bytes.Equal(f.content, f.orig) {
			out[p] = f.content
		}
	}
	return out
}
