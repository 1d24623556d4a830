package validation

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/google/go-containerregistry/pkg/name"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/schedule"
	"github.com/imagepin/imagepin/policy/selection"
	"github.com/imagepin/imagepin/policy/writeback/msgtemplate"
)

// Spec returns every problem of spec that the CRD's own rules do not catch,
// each with the path of the field at fault under fld.
func Spec(spec *v1alpha1.ImagePolicySpec, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if _, err := name.NewRepository(spec.Image); err != nil {
		errs = append(errs, field.Invalid(fld.Child("image"), spec.Image, err.Error()))
	}
	if _, err := schedule.Parse(spec.Schedule); err != nil {
		errs = append(errs, field.Invalid(fld.Child("schedule"), spec.Schedule,
			"must be a 5-field cron expression or a descriptor such as @hourly or @every 5m: "+err.Error()))
	}
	errs = append(errs, tagSelection(&spec.Select, fld.Child("select"))...)
	if spec.FilterTags != nil {
		errs = append(errs, filter(spec.FilterTags, fld.Child("filterTags"))...)
	}
	if spec.Pin != nil && spec.Pin.Tag != "" {
		if _, err := name.NewTag(spec.Image+":"+spec.Pin.Tag, name.StrictValidation); err != nil {
			errs = append(errs, field.Invalid(fld.Child("pin", "tag"), spec.Pin.Tag, err.Error()))
		}
	}
	if spec.WriteBack != nil {
		errs = append(errs, GitWriteBack(&spec.WriteBack.Git, fld.Child("writeBack", "git"))...)
	}
	return errs
}

func tagSelection(sel *v1alpha1.TagSelection, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	set := 0
	for _, s := range []bool{sel.SemVer != nil, sel.Alphabetical != nil, sel.Numerical != nil, sel.Tag != nil} {
		if s {
			set++
		}
	}
	if set != 1 {
		errs = append(errs, field.Invalid(fld, set, "set exactly one of semver, alphabetical, numerical or tag"))
	}
	if sel.SemVer != nil {
		if _, err := semver.NewConstraint(sel.SemVer.Range); err != nil {
			errs = append(errs, field.Invalid(fld.Child("semver", "range"), sel.SemVer.Range,
				"must be a semver constraint such as '>=1.2.0 <2.0.0' or '~1.4': "+err.Error()))
		}
	}
	return errs
}

func filter(f *v1alpha1.TagFilter, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	var pattern *regexp.Regexp
	if f.Pattern != "" {
		re, err := regexp.Compile(f.Pattern)
		if err != nil {
			errs = append(errs, field.Invalid(fld.Child("pattern"), f.Pattern, "must be a Go regular expression: "+err.Error()))
		}
		pattern = re
	}
	if f.Extract != "" && pattern != nil {
		if err := selection.CheckExtract(pattern, f.Extract); err != nil {
			errs = append(errs, field.Invalid(fld.Child("extract"), f.Extract, err.Error()))
		}
	}
	for i, ex := range f.Exclude {
		if _, err := regexp.Compile(ex); err != nil {
			errs = append(errs, field.Invalid(fld.Child("exclude").Index(i), ex, "must be a Go regular expression: "+err.Error()))
		}
	}
	return errs
}

// GitWriteBack returns the problems of a Git write-back spec that the
// CRD's rules do not catch, or catch only for new objects: credentials in
// the URL, and a message template that does not parse with the functions
// and limits that write-back runs it with. Write-back checks stored
// policies with it too.
func GitWriteBack(git *v1alpha1.GitWriteBack, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if urlHasCredentials(git.URL) {
		// The value is not repeated: it holds a secret.
		errs = append(errs, field.Invalid(fld.Child("url"), field.OmitValueType{},
			"must not contain credentials (user:password@ or token@): put them in the Secret named by secretRef"))
	}
	if _, err := msgtemplate.Parse(git.MessageTemplate); err != nil {
		// The template itself (up to 4 KiB) is not repeated.
		errs = append(errs, field.Invalid(fld.Child("messageTemplate"), field.OmitValueType{},
			"must be a Go text/template: "+err.Error()))
	}
	return errs
}

// urlHasCredentials reports whether an http(s) URL has a user part (a user
// and password, or a token as user), or an ssh URL a password. The user
// of an SSH URL names the account, not a secret.
func urlHasCredentials(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return true
	case "ssh":
		_, ok := u.User.Password()
		return ok
	}
	return false
}
