package receiver

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// CloudEvents (https://github.com/cloudevents/spec) arrive structured (one
// JSON object with specversion), batched (a JSON array of those, as Azure
// Event Grid sends them) or binary (ce-* headers, the body is the data).
// Harbor's CloudEvents format and Azure Container Registry's events are of
// this kind. An event counts when its type names a push ("…pushed",
// "…ImagePushed", "…published") and its data names a repository in one of
// the shapes dataReferences knows.

// cloudEvent is a structured-mode event.
type cloudEvent struct {
	SpecVersion string          `json:"specversion"`
	Type        string          `json:"type"`
	Data        json.RawMessage `json:"data"`
	DataBase64  string          `json:"data_base64"`
}

func isCloudEventBinary(h http.Header) bool {
	return h.Get("Ce-Specversion") != ""
}

func isCloudEvents(b *body) bool {
	return isCloudEventBinary(b.header) || b.has("specversion") || b.array != nil
}

func parseCloudEvents(b *body) (string, []string, error) {
	events, err := cloudEventsOf(b)
	if err != nil {
		return SourceCloudEvents, nil, err
	}
	var refs []string
	for i, ev := range events {
		if !isPushType(ev.Type) {
			continue
		}
		data, err := ev.data()
		if err != nil {
			return SourceCloudEvents, nil, fmt.Errorf("event %d: %w", i, err)
		}
		r, err := dataReferences(data)
		if err != nil {
			return SourceCloudEvents, nil, fmt.Errorf("event %d (%s): %w", i, ev.Type, err)
		}
		refs = append(refs, r...)
	}
	return SourceCloudEvents, refs, nil
}

// cloudEventsOf returns the events of a binary, structured or batched body.
func cloudEventsOf(b *body) ([]cloudEvent, error) {
	if isCloudEventBinary(b.header) {
		return []cloudEvent{{SpecVersion: b.header.Get("Ce-Specversion"), Type: b.header.Get("Ce-Type"), Data: b.raw}}, nil
	}
	elems := b.array
	if elems == nil {
		elems = []json.RawMessage{b.raw}
	}
	events := make([]cloudEvent, len(elems))
	for i, e := range elems {
		if err := json.Unmarshal(e, &events[i]); err != nil || events[i].SpecVersion == "" {
			return nil, fmt.Errorf("element %d is not a CloudEvent (no specversion); imagepin understands %s", i, Understood)
		}
	}
	return events, nil
}

// isPushType reports whether a CloudEvents type announces new content, not
// a pull, a delete or a scan.
func isPushType(t string) bool {
	t = strings.ToLower(t)
	return strings.Contains(t, "push") || strings.Contains(t, "publish")
}

func (ev *cloudEvent) data() ([]byte, error) {
	if ev.DataBase64 == "" {
		return ev.Data, nil
	}
	d, err := base64.StdEncoding.DecodeString(ev.DataBase64)
	if err != nil {
		return nil, fmt.Errorf("data_base64: %w", err)
	}
	return d, nil
}

// dataReferences reads the repositories of event data shaped as Harbor's
// (resources[].resource_url), as a registry event (target.repository with
// request.host, as Azure Container Registry sends), or as a plain
// "repository": "host/path" string.
func dataReferences(data []byte) ([]string, error) {
	var d struct {
		harborData
		Target struct {
			Repository string `json:"repository"`
		} `json:"target"`
		Request struct {
			Host string `json:"host"`
		} `json:"request"`
		Repository json.RawMessage `json:"repository"`
	}
	if len(data) == 0 || json.Unmarshal(data, &d) != nil {
		return nil, errors.New("data is not a JSON object")
	}
	if len(d.Resources) > 0 {
		return d.references()
	}
	if d.Target.Repository != "" {
		ref, err := onHost(d.Request.Host, d.Target.Repository)
		return []string{ref}, err
	}
	var repo string
	if json.Unmarshal(d.Repository, &repo) == nil && repo != "" {
		return []string{repo}, nil
	}
	return nil, errors.New("data names no repository (resources[].resource_url, target.repository with request.host, or repository)")
}
