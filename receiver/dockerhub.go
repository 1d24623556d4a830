package receiver

import (
	"encoding/json"
	"errors"
)

// Docker Hub sends one webhook per push, without an event type
// (https://docs.docker.com/docker-hub/repos/manage/webhooks/).

func isDockerHub(b *body) bool {
	return b.has("push_data", "repository")
}

func parseDockerHub(b *body) (string, []string, error) {
	var hook struct {
		Repository struct {
			RepoName  string `json:"repo_name"`
			Namespace string `json:"namespace"`
			Name      string `json:"name"`
		} `json:"repository"`
	}
	if err := json.Unmarshal(b.raw, &hook); err != nil {
		return SourceDockerHub, nil, err
	}
	repo := hook.Repository.RepoName
	if repo == "" && hook.Repository.Name != "" {
		repo = hook.Repository.Namespace + "/" + hook.Repository.Name
	}
	if repo == "" {
		return SourceDockerHub, nil, errors.New("repository.repo_name is missing")
	}
	// Docker Hub names have no registry part: always docker.io.
	return SourceDockerHub, []string{"docker.io/" + repo}, nil
}
