// Command demo is `make demo`: it starts imagepin's whole environment on
// 127.0.0.1 with e2e/stack (a control plane with kube-controller-manager,
// kube-scheduler and two fake Nodes played by kwok, so Pods run; a
// registry holding demo/podinfo 1.0.0, 1.1.0 and 1.2.0, a Git server with a
// marked Helm values file, the chart installed with helm, and `imagepin
// manager`), applies a sample ImagePolicy, an opt-in namespace and a
// Deployment, and prints what happened: the policy's status, each Pod's
// image before and after the webhook, and the Git log. It then keeps
// running for kubectl until Ctrl-C, and removes everything it started.
//
// Killed, it leaves nothing running: every process it starts dies with it
// (on Linux), and the next run removes the folders it left. When its parent
// dies (make demo killed), it stops everything as on Ctrl-C.
//
// A fresh machine needs only Go and git: the hack/ scripts build the
// control plane, kwok, the registry and helm into a cache the first time.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/imagepin/imagepin/e2e/stack"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// parentEnv names the pid of the demo's parent, make, as hack/demo.sh
// saw it; see stopWithParent.
const parentEnv = "IMAGEPIN_DEMO_PARENT"

func main() {
	log.SetLogger(stack.Logger(os.Stderr))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	if err := stopWithParent(); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
	err := run(ctx, os.Stdout)
	stop()
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) (err error) {
	start := time.Now()
	fmt.Fprintln(out, "imagepin demo: building what is missing and starting everything on 127.0.0.1 ...")
	s, err := stack.Start(ctx, stack.Options{Nodes: stack.DemoNodes, Logf: func(format string, args ...any) {
		fmt.Fprintf(out, "  "+format+"\n", args...)
	}})
	if err != nil {
		return err
	}
	defer func() {
		fmt.Fprintln(out, "\nstopping the manager, the control plane, the registry and the Git server ...")
		err = errors.Join(err, s.Stop())
	}()
	if err := applySample(ctx, s, out); err != nil {
		return err
	}
	if err := report(ctx, s, out); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nstart to report: %s\n", time.Since(start).Round(100*time.Millisecond))
	return interact(ctx, s, out)
}

// applySample applies the opt-in namespace with its Secrets and the policy,
// waits until the webhook pins the policy's image, then applies the
// Deployment and waits until its Pods run.
func applySample(ctx context.Context, s *stack.Stack, out io.Writer) error {
	ns := stack.SampleNamespace
	secrets, err := s.Secrets(ns)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\napplying namespace %s (%s=%s), Secrets %s, %s, %s, and ImagePolicy %s/%s (semver %q) ...\n",
		ns, v1alpha1.PinningLabel, v1alpha1.PinningEnabled, stack.PullSecret, stack.CASecret, stack.GitSecret, ns, stack.SamplePolicy, stack.SampleRange)
	objs := append([]client.Object{stack.NewNamespace(ns, v1alpha1.PinningEnabled)}, secrets...)
	if err := s.Create(ctx, append(objs, s.Policy(ns, stack.SamplePolicy))...); err != nil {
		return err
	}
	newest := stack.DefaultTags[len(stack.DefaultTags)-1]
	key := client.ObjectKey{Namespace: ns, Name: stack.SamplePolicy}
	if _, err := s.WaitPolicy(ctx, key, "status.current "+newest, s.CurrentIs(newest, v1alpha1.SourceScan)); err != nil {
		return err
	}
	if err := s.WaitWebhookPins(ctx, ns, s.Image+":"+stack.DefaultTags[0], s.Pinned(newest)); err != nil {
		return err
	}
	dep := s.Deployment(ns, stack.SampleDeployment, stack.DefaultTags[0], 2)
	fmt.Fprintf(out, "applying Deployment %s/%s (2 replicas of %s) ...\n", ns, dep.Name, dep.Spec.Template.Spec.Containers[0].Image)
	if err := s.Create(ctx, dep); err != nil {
		return err
	}
	if _, err = s.WaitRolledOut(ctx, ns, dep.Name); err != nil {
		return err
	}
	return waitWriteBack(ctx, s, key, out)
}

// waitWriteBack waits until write-back has run for the policy's current
// image: the report then shows its commit, or the WrittenBack condition
// says why there is none.
func waitWriteBack(ctx context.Context, s *stack.Stack, key client.ObjectKey, out io.Writer) error {
	fmt.Fprintln(out, "waiting for the write-back commit ...")
	_, err := s.WaitPolicy(ctx, key, "WrittenBack for status.current", func(p *v1alpha1.ImagePolicy) bool {
		c := meta.FindStatusCondition(p.Status.Conditions, v1alpha1.ConditionWrittenBack)
		return c != nil && c.ObservedGeneration == p.Generation
	})
	return err
}
