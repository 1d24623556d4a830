package writeback

import (
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/validation"
	"github.com/imagepin/imagepin/policy/writeback/gitrepo"
	"github.com/imagepin/imagepin/policy/writeback/marker"
	"github.com/imagepin/imagepin/policy/writeback/msgtemplate"
)

// defaultAuthor writes commits of policies that name no author.
var defaultAuthor = gitrepo.Signature{Name: "imagepin", Email: "imagepin@imagepin.dev"}

// batch is one cycle of a target: its policies, and what the last attempt
// of the write found for each.
type batch struct {
	target   target
	entries  []*entry // by namespace/name
	byPolicy map[marker.Policy]*entry
	// messageErr is a messageTemplate that failed (the default was used).
	messageErr error
}

// entry is one policy of a batch.
type entry struct {
	policy  *v1alpha1.ImagePolicy
	image   marker.Image
	path    string
	tmpl    *msgtemplate.Template
	invalid error // a spec error that keeps the policy out of the write
	change  PolicyChange

	// What the last attempt found.
	markers  int          // markers of the policy under its path
	writable int          // of those, markers that could be written
	skipped  []string     // why the others could not
	files    []string     // files the policy changed (markers and targets)
	dropped  *targetError // why the policy was left out of the write
}

// newBatch makes the batch of the policies of t that have a current image.
func newBatch(t target, policies []v1alpha1.ImagePolicy) *batch {
	b := &batch{target: t, byPolicy: map[marker.Policy]*entry{}}
	for i := range policies {
		p := &policies[i]
		if p.Status.Current == nil {
			continue
		}
		e := newEntry(p)
		b.entries = append(b.entries, e)
		b.byPolicy[marker.Policy{Namespace: p.Namespace, Name: p.Name}] = e
	}
	sort.Slice(b.entries, func(i, j int) bool { return b.entries[i].change.Policy < b.entries[j].change.Policy })
	return b
}

func newEntry(p *v1alpha1.ImagePolicy) *entry {
	git := p.Spec.WriteBack.Git
	cur := p.Status.Current
	e := &entry{policy: p, image: marker.ParseImage(cur.Image), path: cleanPath(git.Path)}
	why, reason := why(p)
	e.change = PolicyChange{Namespace: p.Namespace, Name: p.Name, Policy: p.Namespace + "/" + p.Name,
		New: cur.Image, NewTag: shortRef(cur.Tag, cur.Digest), Why: why, Reason: reason}
	if prev := previous(p); prev != nil {
		e.change.Old, e.change.OldTag = prev.Image, shortRef(prev.Tag, prev.Digest)
	}
	// The API server checks new policies; stored ones may predate a rule.
	if errs := validation.GitWriteBack(&git, field.NewPath("spec", "writeBack", "git")); len(errs) > 0 {
		e.invalid = errs.ToAggregate()
	}
	if git.MessageTemplate != "" {
		e.tmpl, _ = parseTemplate(git.MessageTemplate) // nil (and invalid) when it does not parse
	}
	return e
}

// shortRef is the tag, or for a digest pin the digest's first 12 hex digits.
func shortRef(tag, digest string) string {
	if tag != "" {
		return tag
	}
	if i := strings.IndexByte(digest, ':'); i >= 0 && len(digest) > i+13 {
		return digest[:i+13]
	}
	return digest
}

// paths are the folders and files to read: those of the valid policies'
// markers and targets.
func (b *batch) paths() []string {
	seen := map[string]bool{}
	var paths []string
	for _, e := range b.valid() {
		var mine []string
		if e.wantsMarkers() {
			mine = append(mine, e.path)
		}
		for _, p := range append(mine, e.targetPaths()...) {
			if !seen[p] {
				seen[p] = true
				paths = append(paths, p)
			}
		}
	}
	return paths
}

// specTarget is the target with the URL as the specs have it (the key has
// it redacted), taken from a valid policy: an invalid one may hold
// credentials in its URL.
func (b *batch) specTarget() target {
	for _, e := range b.entries {
		if e.invalid == nil {
			t, _ := targetOf(e.policy)
			return t
		}
	}
	return b.target
}

func (b *batch) valid() []*entry {
	var valid []*entry
	for _, e := range b.entries {
		if e.invalid == nil {
			valid = append(valid, e)
		}
	}
	return valid
}

// author is the commit author the spec of e names, or the default.
func (e *entry) author() gitrepo.Signature {
	if a := e.policy.Spec.WriteBack.Git.Author; a != nil {
		return gitrepo.Signature{Name: a.Name, Email: a.Email}
	}
	return defaultAuthor
}

func (e *entry) reset() {
	e.markers, e.writable, e.skipped, e.files, e.dropped = 0, 0, nil, nil, nil
}
