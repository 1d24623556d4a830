package receiver

import (
	"encoding/json"
	"errors"
	"strings"
)

// GitHub sends registry_package and package webhooks for GitHub Packages
// (https://docs.github.com/en/webhooks/webhook-events-and-payloads#registry_package),
// named in the X-GitHub-Event header; container images live on ghcr.io.

// githubEventHeader names the event of a GitHub webhook.
const githubEventHeader = "X-GitHub-Event"

type githubPackage struct {
	Name        string `json:"name"`
	Ecosystem   string `json:"ecosystem"`
	PackageType string `json:"package_type"`
	Owner       struct {
		Login string `json:"login"`
	} `json:"owner"`
	PackageVersion struct {
		PackageURL string `json:"package_url"`
	} `json:"package_version"`
	Registry struct {
		Type string `json:"type"`
	} `json:"registry"`
}

func isGitHub(b *body) bool {
	return b.header.Get(githubEventHeader) != "" || b.has("registry_package") || b.has("package", "action")
}

func parseGitHub(b *body) (string, []string, error) {
	if ev := b.header.Get(githubEventHeader); ev != "" && ev != "registry_package" && ev != "package" {
		return SourceGitHub, nil, nil // ping and every other event: nothing pushed
	}
	var hook struct {
		Action          string         `json:"action"`
		RegistryPackage *githubPackage `json:"registry_package"`
		Package         *githubPackage `json:"package"`
	}
	if err := json.Unmarshal(b.raw, &hook); err != nil {
		return SourceGitHub, nil, err
	}
	pkg := hook.RegistryPackage
	if pkg == nil {
		pkg = hook.Package
	}
	switch {
	case pkg == nil:
		return SourceGitHub, nil, errors.New("neither registry_package nor package in the body")
	case hook.Action != "published" && hook.Action != "updated", !pkg.isContainer():
		return SourceGitHub, nil, nil
	}
	ref, err := pkg.reference()
	return SourceGitHub, []string{ref}, err
}

// isContainer tells container images from npm, Maven and other packages.
func (p *githubPackage) isContainer() bool {
	for _, kind := range []string{p.Ecosystem, p.PackageType, p.Registry.Type} {
		if strings.EqualFold(kind, "docker") || strings.EqualFold(kind, "container") {
			return true
		}
	}
	return false
}

// reference is package_version.package_url ("ghcr.io/owner/name:tag"), or
// ghcr.io/<owner>/<name> when it is missing.
func (p *githubPackage) reference() (string, error) {
	if u := p.PackageVersion.PackageURL; u != "" {
		return u, nil
	}
	if p.Owner.Login == "" || p.Name == "" {
		return "", errors.New("package without package_version.package_url, owner.login or name")
	}
	return "ghcr.io/" + p.Owner.Login + "/" + p.Name, nil
}
