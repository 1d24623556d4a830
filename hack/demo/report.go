package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/imagepin/imagepin/e2e/stack"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// report prints the components, the policy, the Pods and the Git log.
func report(ctx context.Context, s *stack.Stack, out io.Writer) error {
	fmt.Fprintln(out, "\n==================== what happened ====================")
	components(s, out)
	steps := []func(context.Context, *stack.Stack, io.Writer) error{policyReport, podsReport, gitReport}
	for _, step := range steps {
		if err := step(ctx, s, out); err != nil {
			return err
		}
	}
	return nil
}

func components(s *stack.Stack, out io.Writer) {
	tags := make([]string, 0, len(s.Digests))
	for tag := range s.Digests {
		tags = append(tags, tag)
	}
	sort.Strings(tags)
	m := s.Manager
	fmt.Fprintf(out, "\nregistry   https://%s (user %s, password %s): %s tags %s\n",
		s.Registry.Host, stack.RegistryUser, stack.RegistryPassword, strings.TrimPrefix(s.Image, s.Registry.Host+"/"), strings.Join(tags, ", "))
	fmt.Fprintf(out, "git        %s (user %s, password %s), branch %s, file %s\n", s.Git.URL, stack.GitUser, stack.GitPassword, s.Git.Branch, stack.ValuesPath)
	fmt.Fprintf(out, "manager    webhook https://%s, metrics https://%s/metrics (with a bearer token allowed to get it), readyz http://%s/readyz\n", m.WebhookAddr, m.MetricsAddr, m.ProbeAddr)
	fmt.Fprintf(out, "           runs as %s (the chart's RBAC); log %s\n", stack.ServiceAccount, m.LogFile)
}

func policyReport(ctx context.Context, s *stack.Stack, out io.Writer) error {
	ns := stack.SampleNamespace
	table, err := s.Kubectl(ctx, "get", "imagepolicies", "-n", ns, "-o", "wide")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n$ kubectl get ipol -n %s -o wide\n%s", ns, table)
	var p v1alpha1.ImagePolicy
	if err := s.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: stack.SamplePolicy}, &p); err != nil {
		return fmt.Errorf("get ImagePolicy: %w", err)
	}
	status, err := yaml.Marshal(p.Status)
	if err != nil {
		return fmt.Errorf("status YAML: %w", err)
	}
	fmt.Fprintf(out, "\nstatus of ImagePolicy %s/%s:\n%s", ns, p.Name, indent(string(status), "  "))
	return nil
}

func podsReport(ctx context.Context, s *stack.Stack, out io.Writer) error {
	ns := stack.SampleNamespace
	var pods corev1.PodList
	if err := s.Client.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels{"app": stack.SampleDeployment}); err != nil {
		return fmt.Errorf("list Pods: %w", err)
	}
	dep := s.Deployment(ns, stack.SampleDeployment, "", 0)
	if err := s.Client.Get(ctx, client.ObjectKeyFromObject(dep), dep); err != nil {
		return fmt.Errorf("get Deployment: %w", err)
	}
	fmt.Fprintf(out, "\nDeployment %s/%s still asks for %s: imagepin never edits templates.\n",
		ns, dep.Name, dep.Spec.Template.Spec.Containers[0].Image)
	fmt.Fprintln(out, "Its Pods, on kwok's fake Nodes (no containers really run), as the webhook admitted them:")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  POD\tPHASE\tNODE\tCONTAINER\tBEFORE (imagepin.dev/original-images)\tAFTER (spec)")
	for _, pod := range pods.Items {
		var before map[string]string
		_ = json.Unmarshal([]byte(pod.Annotations[v1alpha1.OriginalImagesAnnotation]), &before)
		for _, c := range pod.Spec.Containers {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", pod.Name, pod.Status.Phase, pod.Spec.NodeName, c.Name, or(before[c.Name], "(not changed)"), c.Image)
		}
	}
	return tw.Flush()
}

func gitReport(ctx context.Context, s *stack.Stack, out io.Writer) error {
	log, err := s.Git.Log(ctx)
	if err != nil {
		return fmt.Errorf("git log: %w", err)
	}
	fmt.Fprintf(out, "\ngit log of %s (%s), newest first:\n", s.Git.URL, s.Git.Branch)
	for _, c := range log {
		subject, _, _ := strings.Cut(c.Message, "\n")
		fmt.Fprintf(out, "  %.10s  %-40s %s\n", c.Hash, c.Author, subject)
	}
	file, err := s.Git.File(ctx, stack.ValuesPath)
	if err != nil {
		return fmt.Errorf("read %s: %w", stack.ValuesPath, err)
	}
	fmt.Fprintf(out, "\n%s at the head:\n%s", stack.ValuesPath, indent(file, "  "))
	return nil
}

func indent(text, prefix string) string {
	lines := strings.SplitAfter(text, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "")
}

func or(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
