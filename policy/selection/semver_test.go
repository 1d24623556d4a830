package selection

import "testing"

func TestLatestSemver(t *testing.T) {
	runLatest(t, map[string]latestCase{
		"highest in range": {
			sel: semverSel(">=6.0.0 <7.0.0"), tags: []string{"5.9.9", "6.0.0", "6.5.3", "6.5.4", "7.0.0"}, want: "6.5.4",
		},
		"numeric not lexical precedence": {
			sel: semverSel(">=1.0.0"), tags: []string{"1.9.0", "1.10.0", "1.2.0"}, want: "1.10.0",
		},
		"leading v accepted": {
			sel: semverSel("^2.0.0"), tags: []string{"v2.0.0", "v2.3.1", "v3.0.0"}, want: "v2.3.1",
		},
		"v and plain mixed": {
			sel: semverSel(">=1.0.0"), tags: []string{"1.4.0", "v1.5.0", "1.4.9"}, want: "v1.5.0",
		},
		"double v is not semver": {
			sel: semverSel(">=1.0.0"), tags: []string{"vv9.0.0", "1.0.0"}, want: "1.0.0",
		},
		"capital V is not semver": {
			sel: semverSel(">=1.0.0"), tags: []string{"V9.0.0", "1.0.0"}, want: "1.0.0",
		},
		"pre-releases skipped when the range names none": {
			sel: semverSel(">=1.0.0"), tags: []string{"1.0.0", "1.1.0-rc.1", "2.0.0-alpha"}, want: "1.0.0",
		},
		"only pre-releases and a plain range": {
			sel: semverSel(">=1.0.0"), tags: []string{"1.1.0-rc.1", "2.0.0-alpha"},
		},
		"pre-releases considered when the range names one": {
			sel: semverSel(">=1.0.0-0"), tags: []string{"1.0.0", "1.1.0-rc.1", "1.1.0-beta.2"}, want: "1.1.0-rc.1",
		},
		"release outranks its own pre-release": {
			sel: semverSel(">=1.1.0-0"), tags: []string{"1.1.0-rc.2", "1.1.0", "1.1.0-rc.10"}, want: "1.1.0",
		},
		"pre-release identifiers compare numerically": {
			sel: semverSel(">=2.0.0-rc.1 <2.0.0"), tags: []string{"2.0.0-rc.2", "2.0.0-rc.10", "2.0.0-rc.9"}, want: "2.0.0-rc.10",
		},
		"caret with pre-release": {
			sel: semverSel("^3.0.0-beta"), tags: []string{"3.0.0-beta.1", "3.0.0-alpha.9", "2.9.9"}, want: "3.0.0-beta.1",
		},
		"pre-release only in the OR group that names one": {
			sel: semverSel("^1.0.0 || >=2.0.0-0 <3.0.0"), tags: []string{"1.5.0", "1.6.0-rc.1", "2.1.0-rc.1"}, want: "2.1.0-rc.1",
		},
		"build metadata ignored for precedence": {
			sel: semverSel(">=1.0.0"), tags: []string{"1.2.3+build.9", "1.2.4+build.1"}, want: "1.2.4+build.1",
		},
		"tie: lexically greatest original tag": {
			sel: semverSel(">=1.0.0"), tags: []string{"1.2.3", "v1.2.3", "1.2.3+build.5"}, want: "v1.2.3",
		},
		"tie independent of list order": {
			sel: semverSel(">=1.0.0"), tags: []string{"1.2.3+build.5", "v1.2.3", "1.2.3"}, want: "v1.2.3",
		},
		"tie between build metadata": {
			sel: semverSel("~1.2"), tags: []string{"1.2.3+b", "1.2.3+a", "1.2.3"}, want: "1.2.3+b",
		},
		"mixed with non-semver tags": {
			sel: semverSel(">=1.0.0"), tags: []string{"latest", "main", "sha-1a2b3c", "1.3.0", "stable", "1.3.0.sig"}, want: "1.3.0",
		},
		"partial versions are not semver": {
			sel: semverSel(">=1.0.0"), tags: []string{"1.25", "7", "1.24.3"}, want: "1.24.3",
		},
		"dates are not semver": {
			sel: semverSel(">=1.0.0"), tags: []string{"20240101", "2024.01.05", "1.0.1"}, want: "1.0.1",
		},
		"leading zeros are not semver": {
			sel: semverSel(">=1.0.0"), tags: []string{"01.2.3", "1.02.3", "1.0.0"}, want: "1.0.0",
		},
		"tilde range": {
			sel: semverSel("~1.2.0"), tags: []string{"1.2.0", "1.2.9", "1.3.0"}, want: "1.2.9",
		},
		"x range": {
			sel: semverSel("1.x"), tags: []string{"0.9.0", "1.7.2", "2.0.0"}, want: "1.7.2",
		},
		"hyphen range": {
			sel: semverSel("1.2 - 1.4"), tags: []string{"1.1.0", "1.4.5", "1.5.0"}, want: "1.4.5",
		},
		"nothing in range": {
			sel: semverSel(">=9.0.0"), tags: []string{"1.0.0", "2.0.0"},
		},
		"no semver at all": {
			sel: semverSel(">=0.0.0"), tags: []string{"latest", "edge"},
		},
		"empty list": {
			sel: semverSel(">=1.0.0"), tags: nil,
		},
		"huge numbers stay exact": {
			sel: semverSel(">=1.0.0"), tags: []string{"18446744073709551615.0.0", "18446744073709551614.0.0"}, want: "18446744073709551615.0.0",
		},
		"overflowing segment is skipped": {
			sel: semverSel(">=1.0.0"), tags: []string{"18446744073709551616.0.0", "2.0.0"}, want: "2.0.0",
		},
		"extract version from a prefixed tag": {
			sel: semverSel(">=1.0.0"), filter: tf(`^app-(?P<ver>v?\d+\.\d+\.\d+)$`, "${ver}"),
			tags: []string{"app-1.2.0", "app-v1.10.0", "other-9.0.0", "app-1.9.9"}, want: "app-v1.10.0",
		},
		"exclude signatures": {
			sel: semverSel(">=1.0.0"), filter: tf("", "", `\.sig$`, `\.att$`),
			tags: []string{"1.0.0", "1.1.0", "sha256-abc.sig"}, want: "1.1.0",
		},
		"exclude by version": {
			sel: semverSel(">=1.0.0"), filter: tf("", "", `^1\.1\.`),
			tags: []string{"1.0.0", "1.1.0", "1.1.1"}, want: "1.0.0",
		},
	})
}
