package selection

import (
	"testing"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

func TestLatestOrdered(t *testing.T) {
	asc, desc := v1alpha1.OrderAsc, v1alpha1.OrderDesc
	runLatest(t, map[string]latestCase{
		"alphabetical asc: greatest date": {
			sel: alphaSel(asc), tags: []string{"2024-01-05", "2024-01-10", "2023-12-31"}, want: "2024-01-10",
		},
		"alphabetical default order is asc": {
			sel: alphaSel(""), tags: []string{"b", "c", "a"}, want: "c",
		},
		"alphabetical desc: smallest": {
			sel: alphaSel(desc), tags: []string{"b", "c", "a"}, want: "a",
		},
		"alphabetical is lexical: 9 beats 10": {
			sel: alphaSel(asc), tags: []string{"10", "9", "100"}, want: "9",
		},
		"alphabetical is byte-wise: lower case beats upper": {
			sel: alphaSel(asc), tags: []string{"Zeta", "alpha"}, want: "alpha",
		},
		"alphabetical skips empty extracted values": {
			sel: alphaSel(desc), filter: tf(`^x(?P<v>[a-z]*)$`, "$v"), tags: []string{"x", "xb", "xc"}, want: "xb",
		},
		"alphabetical empty list": {
			sel: alphaSel(asc), tags: []string{},
		},
		"numerical asc: 100 beats 99": {
			sel: numSel(asc), tags: []string{"99", "100", "9"}, want: "100",
		},
		"numerical desc: 9 beats 10": {
			sel: numSel(desc), tags: []string{"10", "9", "100"}, want: "9",
		},
		"numerical default order is asc": {
			sel: numSel(""), tags: []string{"9", "10"}, want: "10",
		},
		"numerical skips non-numbers": {
			sel: numSel(asc), tags: []string{"latest", "1e9", "0x10", "+5", "5.", ".5", "1.2.3", "12", " 13"}, want: "12",
		},
		"numerical decimals": {
			sel: numSel(asc), tags: []string{"1.5", "1.45", "1.05"}, want: "1.5",
		},
		"numerical negatives": {
			sel: numSel(asc), tags: []string{"-1", "-20", "-3.5"}, want: "-1",
		},
		"numerical negatives desc": {
			sel: numSel(desc), tags: []string{"-1", "-20", "0", "3"}, want: "-20",
		},
		"numerical 20-digit timestamps exact": {
			sel: numSel(asc), tags: []string{"20240101120000000001", "20240101120000000002", "20240101120000000000"}, want: "20240101120000000002",
		},
		"numerical beyond float64 and int64": {
			sel: numSel(asc), tags: []string{"123456789012345678901234567890", "123456789012345678901234567891"}, want: "123456789012345678901234567891",
		},
		"numerical tie: leading zeros, greatest tag wins": {
			sel: numSel(asc), tags: []string{"010", "10", "0010"}, want: "10",
		},
		"numerical tie under desc: same rule": {
			sel: numSel(desc), tags: []string{"1.50", "1.5", "5", "01.5"}, want: "1.50",
		},
		"numerical -0 equals 0": {
			sel: numSel(desc), tags: []string{"0", "-0", "1"}, want: "0",
		},
		"numerical nothing readable": {
			sel: numSel(asc), tags: []string{"latest", "v1"},
		},
		"numerical extract named timestamp": {
			sel: numSel(asc), filter: tf(`^main-[a-f0-9]+-(?P<ts>[0-9]+)$`, "$ts"),
			tags: []string{"main-abc123-1700000000", "main-def456-1700000500", "main-0a0b0c-999", "feature-fff-1800000000"},
			want: "main-def456-1700000500",
		},
		"numerical extract numbered group": {
			sel: numSel(asc), filter: tf(`^build-(\d+)$`, "$1"), tags: []string{"build-9", "build-10", "build-x"}, want: "build-10",
		},
		"numerical extract with braces and literal text": {
			sel: numSel(asc), filter: tf(`^r(\d+)-p(\d+)$`, "${1}.${2}"), tags: []string{"r1-p9", "r1-p10", "r0-p99"}, want: "r1-p9",
		},
		"numerical extract and exclude": {
			sel: numSel(asc), filter: tf(`^main-[a-f0-9]+-(?P<ts>[0-9]+)`, "$ts", `\.sig$`, `\.att$`, `\.sbom$`),
			tags: []string{"main-aa-100", "main-bb-200.sig", "main-bb-200.att", "main-bb-200"}, want: "main-bb-200",
		},
		"pattern matches nothing": {
			sel: numSel(asc), filter: tf(`^release-\d+$`, ""), tags: []string{"1", "2"},
		},
		"everything excluded": {
			sel: alphaSel(asc), filter: tf("", "", `.*`), tags: []string{"a", "b"},
		},
		"pattern without extract compares the tag": {
			sel: alphaSel(asc), filter: tf(`^2024-`, ""), tags: []string{"2024-05-01", "2025-01-01", "2024-12-01"}, want: "2024-12-01",
		},
		"tag present": {
			sel: tagSel("latest"), tags: []string{"1.0.0", "latest", "edge"}, want: "latest",
		},
		"tag absent": {
			sel: tagSel("stable"), tags: []string{"1.0.0", "latest"},
		},
		"tag is case-sensitive": {
			sel: tagSel("latest"), tags: []string{"Latest"},
		},
		"tag ignores extract": {
			sel: tagSel("main-abc-1"), filter: tf(`^main-[a-f0-9]+-(\d+)$`, "$1"), tags: []string{"main-abc-1", "1"}, want: "main-abc-1",
		},
		"tag dropped by exclude": {
			sel: tagSel("latest"), filter: tf("", "", "^latest$"), tags: []string{"latest"},
		},
		"tag empty list": {
			sel: tagSel("latest"), tags: nil,
		},
	})
}
