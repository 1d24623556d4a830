package receiver

// format is one kind of body: match tells it apart from the others by its
// headers and top-level keys; parse returns its source (a format may have
// variants, such as GitLab's envelope) and the references of the pushed
// repositories.
type format struct {
	match func(*body) bool
	parse func(*body) (source string, refs []string, err error)
}

// formats are tried in order: headers first, then the more specific keys.
func formats() []format {
	return []format{
		{match: isGitHub, parse: parseGitHub},
		{match: isCloudEvents, parse: parseCloudEvents},
		{match: isDistribution, parse: parseDistribution},
		{match: isDockerHub, parse: parseDockerHub},
		{match: isHarbor, parse: parseHarbor},
		{match: isQuay, parse: parseQuay},
	}
}
