package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/scanrequest"
)

type scanNowOptions struct {
	kubeconfig string
	namespace  string
	all        bool
	wait       bool
	timeout    time.Duration
}

func newScanNowCommand() *cobra.Command {
	o := &scanNowOptions{}
	cmd := &cobra.Command{
		Use:   "scan-now (NAME... | --all) [-n NAMESPACE]",
		Short: "Ask imagepin to scan ImagePolicies now, whatever their schedule",
		Long: `Set the ` + v1alpha1.ScanRequestedAnnotation + ` annotation of ImagePolicies to a new value.
The scanner (on the elected manager replica) scans each one within seconds, reading
the registry afresh, and records the value in status.lastHandledScanAt. With --wait,
wait for that and print what each policy pins now.`,
		Example: `  imagepin scan-now -n apps podinfo
  imagepin scan-now -n apps --all --wait`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd.Context(), cmd.OutOrStdout(), args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig file; $KUBECONFIG or ~/.kube/config when empty")
	f.StringVarP(&o.namespace, "namespace", "n", "", "namespace of the policies; the kubeconfig context's when empty")
	f.BoolVar(&o.all, "all", false, "every ImagePolicy of the namespace")
	f.BoolVar(&o.wait, "wait", false, "wait until the scanner has handled the request")
	f.DurationVar(&o.timeout, "timeout", time.Minute, "how long --wait waits")
	return cmd
}

func (o *scanNowOptions) run(ctx context.Context, out io.Writer, names []string) error {
	if o.all == (len(names) > 0) {
		return errors.New("name the policies or give --all, not both")
	}
	cl, ns, err := o.client()
	if err != nil {
		return err
	}
	keys, err := o.keys(ctx, cl, ns, names)
	if err != nil {
		return err
	}
	value := scanrequest.NewValue(time.Now())
	for _, k := range keys {
		if err := scanrequest.Request(ctx, cl, k, value); err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: scan requested (%s)\n", k, value)
	}
	if !o.wait {
		return nil
	}
	for _, k := range keys {
		if err := o.waitHandled(ctx, out, cl, k, value); err != nil {
			return err
		}
	}
	return nil
}

// client builds a client from the kubeconfig, as kubectl does, and returns
// the namespace to use.
func (o *scanNowOptions) client() (client.Client, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = o.kubeconfig
	overrides := &clientcmd.ConfigOverrides{Context: clientcmdapi.Context{Namespace: o.namespace}}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, "", fmt.Errorf("kubeconfig: %w", err)
	}
	ns, _, err := cc.Namespace()
	if err != nil {
		return nil, "", fmt.Errorf("kubeconfig namespace: %w", err)
	}
	scheme, err := newScheme()
	if err != nil {
		return nil, "", err
	}
	cl, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, "", fmt.Errorf("kubernetes client: %w", err)
	}
	return cl, ns, nil
}

// keys are the named policies, or with --all every policy of ns.
func (o *scanNowOptions) keys(ctx context.Context, cl client.Client, ns string, names []string) ([]types.NamespacedName, error) {
	var keys []types.NamespacedName
	for _, n := range names {
		keys = append(keys, types.NamespacedName{Namespace: ns, Name: n})
	}
	if !o.all {
		return keys, nil
	}
	var list v1alpha1.ImagePolicyList
	if err := cl.List(ctx, &list, client.InNamespace(ns)); err != nil {
		return nil, fmt.Errorf("list ImagePolicies in %s: %w", ns, err)
	}
	for _, p := range list.Items {
		keys = append(keys, types.NamespacedName{Namespace: p.Namespace, Name: p.Name})
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("no ImagePolicies in namespace %s", ns)
	}
	return keys, nil
}

// waitHandled waits until the scanner records value on the policy and
// prints the outcome.
func (o *scanNowOptions) waitHandled(ctx context.Context, out io.Writer, cl client.Client, key types.NamespacedName, value string) error {
	var p v1alpha1.ImagePolicy
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, o.timeout, true, func(ctx context.Context) (bool, error) {
		if err := cl.Get(ctx, key, &p); err != nil {
			return false, err
		}
		return scanrequest.Handled(&p, value), nil
	})
	if err != nil {
		return fmt.Errorf("%s: scan not handled within %s (is the imagepin manager running?): %w", key, o.timeout, err)
	}
	fmt.Fprintf(out, "%s: %s\n", key, outcome(&p))
	return nil
}

// outcome says what a scanned policy pins now, or why it does not.
func outcome(p *v1alpha1.ImagePolicy) string {
	ready := meta.FindStatusCondition(p.Status.Conditions, v1alpha1.ConditionReady)
	switch {
	case ready != nil && ready.Status != "True":
		return fmt.Sprintf("not ready: %s: %s", ready.Reason, ready.Message)
	case p.Status.Current == nil:
		return "scanned; nothing pinned yet"
	default:
		return "pins " + p.Status.Current.Image
	}
}
