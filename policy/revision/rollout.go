package revision

import (
	"slices"
	"strings"
)

// RolloutValue is the value of the imagepin.dev/rollout Pod-template
// annotation for a template whose governed repositories are pinned to
// digests (repository → digest). It depends on nothing but those digests:
// rolling back to an earlier set of digests yields the earlier value, hence
// the earlier Pod template, and the Deployment controller scales the old
// ReplicaSet back up, whose Pods already run those digests. Each entry is
// the repository's last path component and the digest's first 12 hex
// digits, as `kubectl get ipol` shows them.
func RolloutValue(digests map[string]string) string {
	repos := make([]string, 0, len(digests))
	for r := range digests {
		repos = append(repos, r)
	}
	slices.Sort(repos)
	parts := make([]string, len(repos))
	for i, r := range repos {
		parts[i] = r[strings.LastIndex(r, "/")+1:] + "@" + ShortDigest(digests[r])
	}
	return strings.Join(parts, ",")
}

// ShortDigest is the first 12 hex digits of a digest, as container tools
// print them.
func ShortDigest(digest string) string {
	hex := digest[strings.IndexByte(digest, ':')+1:]
	if len(hex) > 12 {
		hex = hex[:12]
	}
	return hex
}
