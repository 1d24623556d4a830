package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/scan"
	"github.com/imagepin/imagepin/policy/validation"
	"github.com/imagepin/imagepin/resolver"
)

type scanOptions struct {
	files        []string
	spec         v1alpha1.ImagePolicySpec
	semver       string
	alphabetical string
	numerical    string
	tag          string
	filter       v1alpha1.TagFilter
	dockerConfig string
	caFile       string
	output       string
	timeout      time.Duration
}

// scanned is one line of output.
type scanned struct {
	Policy string `json:"policy,omitempty"`
	Image  string `json:"image"`
	Tag    string `json:"tag"`
	Digest string `json:"digest"`
}

func newScanCommand() *cobra.Command {
	o := &scanOptions{}
	cmd := &cobra.Command{
		Use:   "scan (-f FILE | --image REPO (--semver RANGE | --alphabetical | --numerical | --tag NAME))",
		Short: "Print the latest allowed tag and its digest, without a cluster",
		Long: `Scan a registry once, as the scanner would, and print IMAGE TAG DIGEST for each
policy. Policies come from ImagePolicy YAML files (-f, several documents per file)
or from flags. spec.pin is not applied: scan shows what the registry offers.
Credentials come from --docker-config (a Docker config.json); Secrets named in a
policy are not read.`,
		Example: `  imagepin scan --image ghcr.io/stefanprodan/podinfo --semver '>=6.0.0 <7.0.0'
  imagepin scan -f policies.yaml -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	o.bindFlags(cmd)
	return cmd
}

func (o *scanOptions) bindFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringArrayVarP(&o.files, "file", "f", nil, "ImagePolicy YAML file; - reads standard input; repeatable")
	f.StringVar(&o.spec.Image, "image", "", "repository, without tag or digest")
	f.StringVar(&o.semver, "semver", "", "pick the highest version within this semver range")
	f.StringVar(&o.alphabetical, "alphabetical", "", "pick by string order: asc (greatest wins) or desc")
	f.StringVar(&o.numerical, "numerical", "", "pick by numeric order: asc (greatest wins) or desc")
	f.StringVar(&o.tag, "tag", "", "follow this one tag")
	f.Lookup("alphabetical").NoOptDefVal = string(v1alpha1.OrderAsc)
	f.Lookup("numerical").NoOptDefVal = string(v1alpha1.OrderAsc)
	f.StringVar(&o.filter.Pattern, "filter-pattern", "", "consider only tags matching this regular expression")
	f.StringVar(&o.filter.Extract, "extract", "", "compare this expansion of --filter-pattern's groups ($name) instead of the tag")
	f.StringArrayVar(&o.filter.Exclude, "exclude", nil, "skip tags matching this regular expression; repeatable")
	f.StringVar(&o.spec.Platform, "platform", "", "digest of this platform's manifest (os/arch[/variant]) instead of the index")
	f.BoolVar(&o.spec.Insecure, "insecure", false, "allow plain HTTP to the registry")
	f.StringVar(&o.dockerConfig, "docker-config", "", "Docker config.json with registry credentials")
	f.StringVar(&o.caFile, "ca-file", "", "PEM file of extra CA certificates for the registry")
	f.StringVarP(&o.output, "output", "o", "text", "text or json")
	f.DurationVar(&o.timeout, "timeout", 2*time.Minute, "give up after this long")
}

func (o *scanOptions) run(ctx context.Context, stdout, stderr io.Writer) error {
	if o.output != "text" && o.output != "json" {
		return fmt.Errorf("--output %q: must be text or json", o.output)
	}
	policies, err := o.policies()
	if err != nil {
		return err
	}
	access, err := o.access()
	if err != nil {
		return err
	}
	res, err := resolver.New(resolver.WithUserAgent("imagepin/" + version))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	var results []scanned
	var failed error
	for _, p := range policies {
		a := access
		a.Insecure = a.Insecure || p.Spec.Insecure
		r, err := scan.Spec(ctx, res, &p.Spec, a)
		if err != nil {
			fmt.Fprintf(stderr, "imagepin: %s: %v\n", policyName(p), err)
			failed = errors.New("scan failed")
			continue
		}
		results = append(results, scanned{Policy: p.Name, Image: r.Repository.Name(), Tag: r.Tag, Digest: r.Digest.String()})
	}
	if err := o.print(stdout, results); err != nil {
		return err
	}
	return failed
}

func (o *scanOptions) print(w io.Writer, results []scanned) error {
	if o.output == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(results)
	}
	for _, r := range results {
		if _, err := fmt.Fprintf(w, "%s %s %s\n", r.Image, r.Tag, r.Digest); err != nil {
			return err
		}
	}
	return nil
}

// policies returns the policies of -f, or one built from the flags, after
// the same checks the API server makes at apply time.
func (o *scanOptions) policies() ([]v1alpha1.ImagePolicy, error) {
	var policies []v1alpha1.ImagePolicy
	if len(o.files) > 0 {
		if o.spec.Image != "" {
			return nil, errors.New("use either -f or --image, not both")
		}
		var err error
		if policies, err = readPolicyFiles(o.files); err != nil {
			return nil, err
		}
	} else {
		p, err := o.flagPolicy()
		if err != nil {
			return nil, err
		}
		policies = []v1alpha1.ImagePolicy{p}
	}
	for _, p := range policies {
		if errs := validation.Spec(&p.Spec, field.NewPath("spec")); len(errs) > 0 {
			return nil, fmt.Errorf("%s: %w", policyName(p), errs.ToAggregate())
		}
	}
	return policies, nil
}

func (o *scanOptions) access() (resolver.Access, error) {
	var a resolver.Access
	if o.dockerConfig != "" {
		data, err := os.ReadFile(o.dockerConfig)
		if err != nil {
			return a, fmt.Errorf("--docker-config: %w", err)
		}
		if a.Keychain, err = resolver.KeychainFromDockerConfig(data); err != nil {
			return a, fmt.Errorf("--docker-config %s: %w", o.dockerConfig, err)
		}
	}
	if o.caFile != "" {
		var err error
		if a.CAPEM, err = os.ReadFile(o.caFile); err != nil {
			return a, fmt.Errorf("--ca-file: %w", err)
		}
	}
	return a, nil
}
