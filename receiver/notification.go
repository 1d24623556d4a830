package receiver

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Sources: the label values of imagepin_registry_events_total{source}.
const (
	SourceDistribution = "distribution"
	SourceGitLab       = "gitlab"
	SourceDockerHub    = "dockerhub"
	SourceHarbor       = "harbor"
	SourceQuay         = "quay"
	SourceGitHub       = "github"
	SourceCloudEvents  = "cloudevents"
	// SourceUnknown counts requests refused before their body was read or
	// recognised.
	SourceUnknown = "unknown"
)

// MaxRepositories bounds the distinct repositories one body may name.
const MaxRepositories = 256

// Understood lists the formats, for the answer to a body of another shape.
const Understood = "CNCF Distribution or GitLab registry notifications ({\"events\": [...]}), " +
	"Docker Hub, Harbor, Quay and GitHub Packages (registry_package, package) webhooks, " +
	"and CloudEvents whose data names a repository"

// errUnknownFormat marks a body that no parser recognises.
var errUnknownFormat = errors.New("unrecognised body")

// Notification is what a body says: who sent it and which repositories
// were pushed (normalised, sorted, without duplicates). No repositories
// means the body was understood but reports no push (a pull, a delete, a
// blob upload, a ping).
type Notification struct {
	Source       string
	Repositories []string
}

// body is a request body decoded just enough to tell its format.
type body struct {
	header http.Header
	raw    []byte
	object map[string]json.RawMessage // the top-level keys, when an object
	array  []json.RawMessage          // the elements, when an array
}

// has reports whether the body is an object with all of keys.
func (b *body) has(keys ...string) bool {
	for _, k := range keys {
		if _, ok := b.object[k]; !ok {
			return false
		}
	}
	return b.object != nil
}

// Parse reads a notification body. Its errors are meant for the sender.
func Parse(raw []byte, header http.Header) (Notification, error) {
	b := &body{header: header, raw: raw}
	if !isCloudEventBinary(header) {
		if err := b.decode(); err != nil {
			return Notification{Source: SourceUnknown}, err
		}
	}
	for _, f := range formats() {
		if !f.match(b) {
			continue
		}
		source, refs, err := f.parse(b)
		if err != nil {
			return Notification{Source: source}, fmt.Errorf("%s notification: %w", source, err)
		}
		repos, err := normalise(refs)
		return Notification{Source: source, Repositories: repos}, err
	}
	return Notification{Source: SourceUnknown}, fmt.Errorf("%w: imagepin understands %s", errUnknownFormat, Understood)
}

func (b *body) decode() error {
	trimmed := strings.TrimSpace(string(b.raw))
	switch {
	case strings.HasPrefix(trimmed, "{"):
		if err := json.Unmarshal(b.raw, &b.object); err != nil {
			return fmt.Errorf("body is not valid JSON: %w", err)
		}
	case strings.HasPrefix(trimmed, "["):
		if err := json.Unmarshal(b.raw, &b.array); err != nil {
			return fmt.Errorf("body is not valid JSON: %w", err)
		}
	default:
		return fmt.Errorf("body is not a JSON object or array; imagepin understands %s", Understood)
	}
	return nil
}

// normalise maps references to repositories, dropping duplicates; a
// reference that is not a repository name is an error.
func normalise(refs []string) ([]string, error) {
	var repos []string
	for _, ref := range refs {
		repo, err := repositoryOf(ref)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(repos, repo) {
			repos = append(repos, repo)
		}
		if len(repos) > MaxRepositories {
			return nil, fmt.Errorf("more than %d repositories in one body", MaxRepositories)
		}
	}
	slices.Sort(repos)
	return repos, nil
}
