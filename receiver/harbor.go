package receiver

import (
	"encoding/json"
	"errors"
	"strings"
)

// harborData is Harbor's event_data (CloudEvents data has the same shape):
// https://goharbor.io/docs/latest/working-with-projects/project-configuration/configure-webhooks/
type harborData struct {
	Resources []struct {
		ResourceURL string `json:"resource_url"`
	} `json:"resources"`
}

func isHarbor(b *body) bool {
	return b.has("type", "event_data")
}

func parseHarbor(b *body) (string, []string, error) {
	var hook struct {
		Type      string     `json:"type"`
		EventData harborData `json:"event_data"`
	}
	if err := json.Unmarshal(b.raw, &hook); err != nil {
		return SourceHarbor, nil, err
	}
	// PUSH_ARTIFACT since Harbor 2.0, pushImage before.
	if !strings.EqualFold(hook.Type, "PUSH_ARTIFACT") && !strings.EqualFold(hook.Type, "pushImage") {
		return SourceHarbor, nil, nil
	}
	refs, err := hook.EventData.references()
	return SourceHarbor, refs, err
}

// references are the resource URLs (host/project/repo:tag or @digest).
func (d harborData) references() ([]string, error) {
	var refs []string
	for _, r := range d.Resources {
		if r.ResourceURL != "" {
			refs = append(refs, r.ResourceURL)
		}
	}
	if len(refs) == 0 {
		return nil, errors.New("no event_data.resources[].resource_url")
	}
	return refs, nil
}
