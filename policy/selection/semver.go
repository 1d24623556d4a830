package selection

import (
	"fmt"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// newSemver picks the highest version allowed by rng.
//
// Tags are read strictly as SemVer 2.0.0, MAJOR.MINOR.PATCH with optional
// pre-release and build metadata, after one optional leading "v". Partial or
// zero-padded tags (7, 1.25, 20240101, 01.2.3) are skipped rather than
// coerced as semver.NewVersion would: a date tag coerced to 20240101.0.0
// would outrank every real release, and 1.25 is a moving alias of 1.25.x.
//
// Masterminds' constraint rules decide pre-releases: a range considers them
// only in an AND group that names one (">=1.0.0-0", "^2.0.0-rc.1").
// Precedence ignores build metadata, so 1.2.3 and 1.2.3+build.5 are equal.
func newSemver(rng string) (strategy, error) {
	c, err := semver.NewConstraint(rng)
	if err != nil {
		return nil, fmt.Errorf("select.semver.range %q: %w", rng, err)
	}
	return &ranker[*semver.Version]{
		name:       fmt.Sprintf("semver range %q", rng),
		counts:     "readable as semver, none in range",
		unreadable: "is not a semantic version (MAJOR.MINOR.PATCH, optional leading v)",
		read:       readSemver,
		allow:      c.Check,
		cmp:        (*semver.Version).Compare,
		sign:       1,
	}, nil
}

func readSemver(v string) (*semver.Version, bool) {
	v = strings.TrimPrefix(v, "v")
	if v == "" || v[0] < '0' || v[0] > '9' {
		return nil, false // latest, sha-…, sha256-….sig: skip without allocating
	}
	ver, err := semver.StrictNewVersion(v)
	return ver, err == nil
}
