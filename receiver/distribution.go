package receiver

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
)

// distributionEvent is the part of a CNCF Distribution notification event
// that matters here (https://distribution.github.io/distribution/about/notifications/).
// GitLab's container registry sends the same envelope, with actor.user_type
// and meta added.
type distributionEvent struct {
	Action string `json:"action"`
	Target struct {
		MediaType  string `json:"mediaType"`
		Repository string `json:"repository"`
		URL        string `json:"url"`
		Tag        string `json:"tag"`
	} `json:"target"`
	Request struct {
		Host string `json:"host"`
	} `json:"request"`
	Actor struct {
		UserType *string `json:"user_type"`
	} `json:"actor"`
	Meta json.RawMessage `json:"meta"`
}

func isDistribution(b *body) bool {
	return b.has("events")
}

func parseDistribution(b *body) (string, []string, error) {
	var envelope struct {
		Events []distributionEvent `json:"events"`
	}
	if err := json.Unmarshal(b.raw, &envelope); err != nil {
		return SourceDistribution, nil, err
	}
	source := SourceDistribution
	var refs []string
	for _, ev := range envelope.Events {
		if ev.Actor.UserType != nil || len(ev.Meta) > 0 {
			source = SourceGitLab
		}
		r, err := ev.pushed()
		if err != nil {
			return source, nil, err
		}
		refs = append(refs, r...)
	}
	return source, refs, nil
}

// pushed returns the repository of a manifest push under every host the
// event names (the Host the client used, and the host of target.url), and
// nothing for pulls, deletes, mounts and blob uploads: only a manifest
// makes a new tag.
func (ev *distributionEvent) pushed() ([]string, error) {
	if ev.Action != "push" || !isManifest(ev.Target.MediaType, ev.Target.Tag) {
		return nil, nil
	}
	if ev.Target.Repository == "" {
		return nil, errors.New("a push event without target.repository")
	}
	var refs []string
	for _, host := range []string{ev.Request.Host, urlHost(ev.Target.URL)} {
		if host == "" {
			continue
		}
		ref, err := onHost(host, ev.Target.Repository)
		if err != nil {
			return nil, err
		}
		refs = append(refs, ref)
	}
	if len(refs) == 0 {
		return nil, errors.New("a push event names no registry host (request.host, target.url)")
	}
	return refs, nil
}

// isManifest tells a manifest (or index) from a blob: manifests are pushed
// by tag or carry a manifest media type.
func isManifest(mediaType, tag string) bool {
	return tag != "" || strings.Contains(mediaType, "manifest") || strings.Contains(mediaType, "index")
}

func urlHost(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}
