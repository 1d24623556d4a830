package receiver

import (
	"encoding/json"
	"errors"
)

// Quay's "Push to Repository" notification carries docker_url and
// updated_tags; its build notifications carry docker_url without
// updated_tags and are not pushes
// (https://docs.redhat.com/en/documentation/red_hat_quay/3.3/html/use_red_hat_quay/repository_notifications).

func isQuay(b *body) bool {
	return b.has("docker_url")
}

func parseQuay(b *body) (string, []string, error) {
	if !b.has("updated_tags") {
		return SourceQuay, nil, nil
	}
	var hook struct {
		DockerURL string `json:"docker_url"`
	}
	if err := json.Unmarshal(b.raw, &hook); err != nil {
		return SourceQuay, nil, err
	}
	if hook.DockerURL == "" {
		return SourceQuay, nil, errors.New("docker_url is empty")
	}
	return SourceQuay, []string{hook.DockerURL}, nil
}
