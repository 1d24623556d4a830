package writeback

import (
	"github.com/imagepin/imagepin/policy/writeback/gitrepo"
	"github.com/imagepin/imagepin/policy/writeback/marker"
)

// edit is the batch's gitrepo.Edit: it rewrites the markers of the valid
// policies in the files under their paths, and records what it found. It
// is called again on a new head when a push is refused.
func (b *batch) edit(files []gitrepo.File) (gitrepo.Change, error) {
	for _, e := range b.entries {
		e.reset()
	}
	changed := map[string][]byte{}
	for _, f := range files {
		out, matches := marker.Rewrite(f.Content, b.lookup(f.Path))
		if b.record(f.Path, matches) {
			changed[f.Path] = out
		}
	}
	if len(changed) == 0 {
		return gitrepo.Change{}, nil
	}
	first := b.firstChanged()
	msg, err := message(first.tmpl, b.messageData())
	b.messageErr = err
	if msg == "" {
		return gitrepo.Change{}, err
	}
	return gitrepo.Change{Files: changed, Message: msg, Author: first.author()}, nil
}

// lookup knows the valid policies whose path covers file.
func (b *batch) lookup(file string) marker.Lookup {
	return func(p marker.Policy) (marker.Image, bool) {
		e := b.byPolicy[p]
		if e == nil || e.invalid != nil || !under(file, e.path) {
			return marker.Image{}, false
		}
		return e.image, true
	}
}

// record counts a file's matches per policy and reports whether any
// marker changed.
func (b *batch) record(file string, matches []marker.Match) bool {
	changed := false
	for _, m := range matches {
		e := b.byPolicy[m.Marker.Policy]
		e.markers++
		if m.Skipped != "" {
			e.skipped = append(e.skipped, m.Skipped)
			continue
		}
		e.writable++
		if m.Changed {
			changed = true
			if n := len(e.files); n == 0 || e.files[n-1] != file {
				e.files = append(e.files, file)
			}
		}
	}
	return changed
}

// firstChanged is the first policy with a changed marker: its author and
// message template make the commit.
func (b *batch) firstChanged() *entry {
	for _, e := range b.entries {
		if len(e.files) > 0 {
			return e
		}
	}
	return b.entries[0]
}

func (b *batch) messageData() MessageData {
	data := MessageData{URL: b.target.redactedURL(), Branch: b.target.Branch}
	for _, e := range b.entries {
		if len(e.files) > 0 {
			c := e.change
			c.Files = e.files
			data.Changes = append(data.Changes, c)
		}
	}
	return data
}
