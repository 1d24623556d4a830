package writeback

import (
	"fmt"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/writeback/gitrepo"
	"github.com/imagepin/imagepin/policy/writeback/marker"
)

// edit is the batch's gitrepo.Edit: it writes the targets of the valid
// policies, rewrites their markers in the files under their paths, and
// records what it found. A policy is written whole or not at all: when one
// of its targets fails, or it has targets and its markers fail, its changes
// are left out and the others are made without it. Edit is called again on
// a new head when a push is refused.
func (b *batch) edit(files []gitrepo.File) (gitrepo.Change, error) {
	for _, e := range b.entries {
		e.reset()
	}
	w := b.writeAll(files)
	changed := w.changed()
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

// writeAll applies targets and markers until no policy with targets fails
// its markers; each round drops at least one policy, so it ends.
func (b *batch) writeAll(files []gitrepo.File) work {
	for {
		w := newWork(files)
		for _, e := range b.valid() {
			e.markers, e.writable, e.skipped, e.files = 0, 0, nil, nil
			if e.dropped == nil {
				b.writeTargets(w, e)
			}
		}
		b.writeMarkers(w)
		again := false
		for _, e := range b.valid() {
			if e.dropped == nil && len(e.policy.Spec.WriteBack.Git.Targets) > 0 && e.wantsMarkers() && e.writable == 0 {
				e.dropped = &targetError{reason: v1alpha1.ReasonNoMarkers, msg: e.markerProblem()}
				again = true
			}
		}
		if !again {
			return w
		}
	}
}

// writeTargets writes e's targets into w, or none of them.
func (b *batch) writeTargets(w work, e *entry) {
	if len(e.policy.Spec.WriteBack.Git.Targets) == 0 {
		return
	}
	snap := w.snapshot()
	if err := e.applyTargets(w); err != nil {
		w.restore(snap)
		e.files, e.dropped = nil, err
	}
}

// writeMarkers rewrites the markers of the policies still in the write.
func (b *batch) writeMarkers(w work) {
	for _, file := range w.paths() {
		f := w[file]
		if f.missing {
			continue
		}
		out, matches := marker.Rewrite(f.content, b.lookup(file))
		b.record(file, matches)
		f.content = out
	}
}

// lookup knows the valid policies whose path covers file.
func (b *batch) lookup(file string) marker.Lookup {
	return func(p marker.Policy) (marker.Image, bool) {
		e := b.byPolicy[p]
		if e == nil || e.invalid != nil || e.dropped != nil || !e.wantsMarkers() || !under(file, e.path) {
			return marker.Image{}, false
		}
		return e.image, true
	}
}

// record counts a file's matches per policy.
func (b *batch) record(file string, matches []marker.Match) {
	for _, m := range matches {
		e := b.byPolicy[m.Marker.Policy]
		e.markers++
		if m.Skipped != "" {
			e.skipped = append(e.skipped, m.Skipped)
			continue
		}
		e.writable++
		if m.Changed {
			e.addFile(file)
		}
	}
}

func (e *entry) addFile(file string) {
	for _, f := range e.files {
		if f == file {
			return
		}
	}
	e.files = append(e.files, file)
}

// markerProblem says why none of e's markers can be written.
func (e *entry) markerProblem() string {
	if e.markers == 0 {
		return fmt.Sprintf("no marker %s (or its :tag, :digest or :name variant) in the YAML files under %s",
			marker.Marker{Policy: marker.Policy{Namespace: e.policy.Namespace, Name: e.policy.Name}}, pathName(e.path))
	}
	return fmt.Sprintf("%d markers found under %s, none can be written: %s", e.markers, pathName(e.path), e.skipped[0])
}

// firstChanged is the first policy with a changed file: its author and
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
	data := MessageData{URL: b.target.redactedURL(), Branch: b.target.dest()}
	for _, e := range b.entries {
		if len(e.files) > 0 {
			c := e.change
			c.Files = e.files
			data.Changes = append(data.Changes, c)
		}
	}
	return data
}
