package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/util/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// flagPolicy builds the policy that scan's flags describe.
func (o *scanOptions) flagPolicy() (v1alpha1.ImagePolicy, error) {
	p := v1alpha1.ImagePolicy{Spec: o.spec}
	if p.Spec.Image == "" {
		return p, errors.New("give -f FILE or --image REPO")
	}
	sel := &p.Spec.Select
	if o.semver != "" {
		sel.SemVer = &v1alpha1.SemVerSelection{Range: o.semver}
	}
	if o.alphabetical != "" {
		sel.Alphabetical = &v1alpha1.OrderSelection{Order: v1alpha1.Order(o.alphabetical)}
	}
	if o.numerical != "" {
		sel.Numerical = &v1alpha1.OrderSelection{Order: v1alpha1.Order(o.numerical)}
	}
	if o.tag != "" {
		sel.Tag = &v1alpha1.TagNameSelection{Name: o.tag}
	}
	for _, order := range []string{o.alphabetical, o.numerical} {
		if order != "" && order != string(v1alpha1.OrderAsc) && order != string(v1alpha1.OrderDesc) {
			return p, fmt.Errorf("order %q: must be asc or desc", order)
		}
	}
	if o.filter.Pattern != "" || o.filter.Extract != "" || len(o.filter.Exclude) > 0 {
		if o.filter.Extract != "" && o.filter.Pattern == "" {
			return p, errors.New("--extract needs --filter-pattern")
		}
		p.Spec.FilterTags = &o.filter
	}
	return p, nil
}

// readPolicyFiles reads every ImagePolicy document of the files; unknown
// fields and other kinds are errors, as they would be with kubectl apply.
func readPolicyFiles(paths []string) ([]v1alpha1.ImagePolicy, error) {
	var all []v1alpha1.ImagePolicy
	for _, path := range paths {
		policies, err := readPolicyFile(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		all = append(all, policies...)
	}
	if len(all) == 0 {
		return nil, errors.New("no ImagePolicy documents in the given files")
	}
	return all, nil
}

func readPolicyFile(path string) ([]v1alpha1.ImagePolicy, error) {
	var in io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		in = f
	}
	docs := yaml.NewYAMLReader(bufio.NewReader(in))
	var policies []v1alpha1.ImagePolicy
	for i := 1; ; i++ {
		doc, err := docs.Read()
		if errors.Is(err, io.EOF) {
			return policies, nil
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		var p v1alpha1.ImagePolicy
		if err := sigsyaml.UnmarshalStrict(doc, &p); err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		if p.Kind == "" && p.APIVersion == "" && p.Name == "" {
			continue // empty document, e.g. a trailing ---
		}
		if p.Kind != "ImagePolicy" || p.APIVersion != v1alpha1.GroupVersion.String() {
			return nil, fmt.Errorf("document %d: %s %s is not an %s ImagePolicy", i, p.APIVersion, p.Kind, v1alpha1.GroupVersion)
		}
		policies = append(policies, p)
	}
}

func policyName(p v1alpha1.ImagePolicy) string {
	switch {
	case p.Name == "":
		return p.Spec.Image
	case p.Namespace == "":
		return p.Name
	default:
		return p.Namespace + "/" + p.Name
	}
}
