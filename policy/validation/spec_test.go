package validation

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// spec builds a valid spec and applies modifiers to it.
func spec(mods ...func(*v1alpha1.ImagePolicySpec)) *v1alpha1.ImagePolicySpec {
	s := &v1alpha1.ImagePolicySpec{
		Image:  "ghcr.io/stefanprodan/podinfo",
		Select: v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: ">=6.0.0 <7.0.0"}},
	}
	for _, m := range mods {
		m(s)
	}
	return s
}

func TestSpec(t *testing.T) {
	tests := map[string]struct {
		spec      *v1alpha1.ImagePolicySpec
		wantField string // empty: valid
		wantMsg   string
	}{
		"valid semver":        {spec: spec()},
		"valid short image":   {spec: spec(func(s *v1alpha1.ImagePolicySpec) { s.Image = "nginx" })},
		"valid registry port": {spec: spec(func(s *v1alpha1.ImagePolicySpec) { s.Image = "127.0.0.1:5000/team/app" })},
		"valid cron":          {spec: spec(func(s *v1alpha1.ImagePolicySpec) { s.Schedule = "*/5 * * * *" })},
		"valid every":         {spec: spec(func(s *v1alpha1.ImagePolicySpec) { s.Schedule = "@every 2m" })},
		"valid filter": {spec: spec(func(s *v1alpha1.ImagePolicySpec) {
			s.Select = v1alpha1.TagSelection{Numerical: &v1alpha1.OrderSelection{}}
			s.FilterTags = &v1alpha1.TagFilter{Pattern: `^main-[a-f0-9]+-(?P<ts>[0-9]+)$`, Extract: "$ts", Exclude: []string{`\.sig$`}}
		})},
		"valid template": {spec: spec(func(s *v1alpha1.ImagePolicySpec) {
			s.WriteBack = &v1alpha1.WriteBack{Git: v1alpha1.GitWriteBack{URL: "https://git.example.com/x.git", MessageTemplate: "bump {{ .Policy }}"}}
		})},
		"uppercase image": {spec: spec(func(s *v1alpha1.ImagePolicySpec) { s.Image = "ghcr.io/Org/App" }),
			wantField: "spec.image", wantMsg: "repository can only contain"},
		"bad cron": {spec: spec(func(s *v1alpha1.ImagePolicySpec) { s.Schedule = "every day" }),
			wantField: "spec.schedule", wantMsg: "5-field cron"},
		"six-field cron": {spec: spec(func(s *v1alpha1.ImagePolicySpec) { s.Schedule = "0 */5 * * * *" }),
			wantField: "spec.schedule", wantMsg: "expected exactly 5 fields"},
		"bad semver": {spec: spec(func(s *v1alpha1.ImagePolicySpec) { s.Select.SemVer.Range = "not a range" }),
			wantField: "spec.select.semver.range", wantMsg: "must be a semver constraint"},
		"two strategies": {spec: spec(func(s *v1alpha1.ImagePolicySpec) { s.Select.Alphabetical = &v1alpha1.OrderSelection{} }),
			wantField: "spec.select", wantMsg: "exactly one"},
		"no strategy": {spec: spec(func(s *v1alpha1.ImagePolicySpec) { s.Select = v1alpha1.TagSelection{} }),
			wantField: "spec.select", wantMsg: "exactly one"},
		"bad pattern": {spec: spec(func(s *v1alpha1.ImagePolicySpec) { s.FilterTags = &v1alpha1.TagFilter{Pattern: "([a-z"} }),
			wantField: "spec.filterTags.pattern", wantMsg: "missing closing ]"},
		"unknown group": {spec: spec(func(s *v1alpha1.ImagePolicySpec) {
			s.FilterTags = &v1alpha1.TagFilter{Pattern: `^(?P<ver>.*)$`, Extract: "$ts"}
		}), wantField: "spec.filterTags.extract", wantMsg: `names group "ts", which pattern ` + "`^(?P<ver>.*)$`" + ` does not have`},
		"no group named": {spec: spec(func(s *v1alpha1.ImagePolicySpec) {
			s.FilterTags = &v1alpha1.TagFilter{Pattern: `^v(.*)$`, Extract: "constant"}
		}), wantField: "spec.filterTags.extract", wantMsg: "must name a capture group"},
		"bad exclude": {spec: spec(func(s *v1alpha1.ImagePolicySpec) {
			s.FilterTags = &v1alpha1.TagFilter{Exclude: []string{`\.sig$`, `*sbom`}}
		}), wantField: "spec.filterTags.exclude[1]", wantMsg: "missing argument to repetition operator"},
		"bad pin tag": {spec: spec(func(s *v1alpha1.ImagePolicySpec) { s.Pin = &v1alpha1.Pin{Tag: "v1!"} }),
			wantField: "spec.pin.tag", wantMsg: "tag can only contain"},
		"template with join": {spec: spec(withTemplate(`{{ range .Changes }}{{ join .Files ", " }}{{ end }}`))},
		"template bomb": {spec: spec(withTemplate("{{ printf \"" + strings.Repeat("%9999999d", 400) + "\" 0 }}")),
			wantField: "spec.writeBack.git.messageTemplate", wantMsg: "width 9999999 is over 1024"},
		"recursive template": {spec: spec(withTemplate(`{{ define "t" }}{{ template "t" }}{{ end }}{{ template "t" }}`)),
			wantField: "spec.writeBack.git.messageTemplate", wantMsg: `template "t" calls itself`},
		"url with a password": {spec: spec(withURL("https://imagepin:s3cret@git.example.com/x.git")),
			wantField: "spec.writeBack.git.url", wantMsg: "must not contain credentials"},
		"url with a token": {spec: spec(withURL("http://ghp_token@git.example.com/x.git")),
			wantField: "spec.writeBack.git.url", wantMsg: "must not contain credentials"},
		"ssh url with a password": {spec: spec(withURL("ssh://git:s3cret@git.example.com/x.git")),
			wantField: "spec.writeBack.git.url", wantMsg: "must not contain credentials"},
		"ssh url with a user":      {spec: spec(withURL("ssh://git@git.example.com/x.git"))},
		"scp-like url":             {spec: spec(withURL("git@github.com:org/x.git"))},
		"https url with @ in path": {spec: spec(withURL("https://git.example.com/team/a@b.git"))},
		"bad template": {spec: spec(func(s *v1alpha1.ImagePolicySpec) {
			s.WriteBack = &v1alpha1.WriteBack{Git: v1alpha1.GitWriteBack{URL: "https://x/y.git", MessageTemplate: "{{ .Policy"}}
		}), wantField: "spec.writeBack.git.messageTemplate", wantMsg: "must be a Go text/template"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			errs := Spec(tc.spec, field.NewPath("spec"))
			if tc.wantField == "" {
				if len(errs) != 0 {
					t.Fatalf("Spec() = %v, want no errors", errs)
				}
				return
			}
			if len(errs) != 1 {
				t.Fatalf("Spec() = %v, want exactly one error on %s", errs, tc.wantField)
			}
			if errs[0].Field != tc.wantField || !strings.Contains(errs[0].Error(), tc.wantMsg) {
				t.Errorf("Spec() = %q on %s, want %q on %s", errs[0].Error(), errs[0].Field, tc.wantMsg, tc.wantField)
			}
		})
	}
}

func withURL(url string) func(*v1alpha1.ImagePolicySpec) {
	return func(s *v1alpha1.ImagePolicySpec) {
		s.WriteBack = &v1alpha1.WriteBack{Git: v1alpha1.GitWriteBack{URL: url}}
	}
}

func withTemplate(text string) func(*v1alpha1.ImagePolicySpec) {
	return func(s *v1alpha1.ImagePolicySpec) {
		s.WriteBack = &v1alpha1.WriteBack{Git: v1alpha1.GitWriteBack{URL: "https://git.example.com/x.git", MessageTemplate: text}}
	}
}

func FuzzSpec(f *testing.F) {
	f.Add("nginx", "*/5 * * * *", ">=1.0.0", `^v(?P<v>.*)$`, "$v", `\.sig$`)
	f.Add("ghcr.io/a/b", "@every 1m", "~1.2", "", "", "")
	f.Fuzz(func(t *testing.T, image, sched, rng, pattern, extract, exclude string) {
		s := &v1alpha1.ImagePolicySpec{
			Image:      image,
			Schedule:   sched,
			Select:     v1alpha1.TagSelection{SemVer: &v1alpha1.SemVerSelection{Range: rng}},
			FilterTags: &v1alpha1.TagFilter{Pattern: pattern, Extract: extract, Exclude: []string{exclude}},
		}
		for _, e := range Spec(s, field.NewPath("spec")) {
			if !strings.HasPrefix(e.Field, "spec.") {
				t.Fatalf("error without a spec field: %v", e)
			}
		}
	})
}
