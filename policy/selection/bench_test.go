package selection

import (
	"fmt"
	"testing"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

const benchTags = 10_000

// mixedTags looks like a busy repository: releases with and without v,
// pre-releases, build metadata, and tags no strategy reads.
func mixedTags() []string {
	tags := make([]string, 0, benchTags)
	for i := 0; len(tags) < benchTags; i++ {
		v := fmt.Sprintf("%d.%d.%d", i%7, i/7%50, i%13)
		switch i % 10 {
		case 0:
			tags = append(tags, "v"+v)
		case 1:
			tags = append(tags, v+"-rc."+fmt.Sprint(i%5))
		case 2:
			tags = append(tags, v+"+build."+fmt.Sprint(i))
		case 3:
			tags = append(tags, fmt.Sprintf("sha-%07x", i*7919))
		case 4:
			tags = append(tags, fmt.Sprintf("sha256-%012x.sig", i*104729))
		default:
			tags = append(tags, v)
		}
	}
	return tags
}

func timestampTags() []string {
	tags := make([]string, benchTags)
	for i := range tags {
		tags[i] = fmt.Sprintf("2024%016d", (i*7919)%benchTags)
	}
	return tags
}

func dateTags() []string {
	tags := make([]string, benchTags)
	for i := range tags {
		tags[i] = fmt.Sprintf("%04d-%02d-%02d-%d", 2000+i%25, 1+i%12, 1+i%28, i)
	}
	return tags
}

func ciTags() []string {
	tags := make([]string, benchTags)
	for i := range tags {
		tags[i] = fmt.Sprintf("main-%07x-%d", i*31337, 1700000000+(i*7919)%benchTags)
		if i%4 == 0 {
			tags[i] += ".sig"
		}
	}
	return tags
}

func BenchmarkLatest(b *testing.B) {
	benches := map[string]struct {
		sel    v1alpha1.TagSelection
		filter *v1alpha1.TagFilter
		tags   []string
	}{
		"semver mixed":             {sel: semverSel(">=1.0.0 <6.0.0"), tags: mixedTags()},
		"semver with pre-releases": {sel: semverSel(">=1.0.0-0"), tags: mixedTags()},
		"semver exclude":           {sel: semverSel("*"), filter: tf("", "", `\.sig$`, `\.att$`, `\.sbom$`), tags: mixedTags()},
		"numerical":                {sel: numSel(v1alpha1.OrderAsc), tags: timestampTags()},
		"numerical desc":           {sel: numSel(v1alpha1.OrderDesc), tags: timestampTags()},
		"alphabetical":             {sel: alphaSel(v1alpha1.OrderAsc), tags: dateTags()},
		"tag":                      {sel: tagSel("latest"), tags: append(mixedTags()[:benchTags-1], "latest")},
		"numerical filter extract": {
			sel:    numSel(v1alpha1.OrderAsc),
			filter: tf(`^main-[a-f0-9]+-(?P<ts>[0-9]+)$`, "$ts", `\.sig$`, `\.att$`, `\.sbom$`),
			tags:   ciTags(),
		},
	}
	for name, bc := range benches {
		s, err := New(bc.sel, bc.filter)
		if err != nil {
			b.Fatalf("%s: New: %v", name, err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Latest(bc.tags); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
