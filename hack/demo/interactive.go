package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/e2e/stack"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// interact prints how to use the running environment and, until ctx ends,
// pushes the next minor tag whenever Enter is pressed or SIGUSR1 arrives.
func interact(ctx context.Context, s *stack.Stack, out io.Writer) error {
	push := make(chan struct{}, 1)
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	defer signal.Stop(usr1)
	go readLines(os.Stdin, push)
	hints(s, out)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-push:
		case <-usr1:
		}
		if err := pushNext(ctx, s, out); err != nil {
			fmt.Fprintln(out, "push:", err)
		}
	}
}

// readLines signals push for every line of r; it ends with r (a demo run
// without a terminal has nothing to read).
func readLines(r io.Reader, push chan<- struct{}) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		select {
		case push <- struct{}{}:
		default:
		}
	}
}

func hints(s *stack.Stack, out io.Writer) {
	ns, p, app := stack.SampleNamespace, stack.SamplePolicy, stack.SampleDeployment
	clone := strings.Replace(s.Git.URL, "://", "://"+stack.GitUser+":"+stack.GitPassword+"@", 1)
	lines := []string{
		"export KUBECONFIG=" + s.Kubeconfig,
		"export PATH=" + filepath.Dir(s.Tools.Kubectl) + ":$PATH   # kubectl of the API server's version",
		"kubectl get ipol -A -o wide",
		"kubectl -n " + ns + " get pods -o custom-columns='POD:.metadata.name,IMAGE:.spec.containers[0].image'",
		"kubectl -n " + ns + " patch ipol " + p + ` --type merge -p '{"spec":{"pin":{"tag":"1.1.0"}}}'        # roll back`,
		"kubectl -n " + ns + " rollout status deployment/" + app + "                                          # imagepin rolls it out 10 s later",
		"kubectl -n " + ns + " scale deployment/" + app + " --replicas=4                                      # new Pods keep their ReplicaSet's digest",
		"kubectl -n " + ns + " patch ipol " + p + ` --type json -p '[{"op":"remove","path":"/spec/pin"}]'   # back to the newest`,
		"kubectl -n " + ns + " rollout undo deployment/" + app + "                                            # the previous ReplicaSet, with its digest",
		"kubectl -n " + ns + " get events --field-selector involvedObject.kind=ImagePolicy",
		"git clone " + clone + " && cat repo/" + stack.ValuesPath,
	}
	fmt.Fprintf(out, "\nThe environment keeps running. In another terminal:\n\n  %s\n\n", strings.Join(lines, "\n  "))
	fmt.Fprintf(out, "Press Enter here (or run kill -USR1 %d) to push the next tag, %s, to the registry.\n", os.Getpid(), nextTag(s))
	fmt.Fprintln(out, "Ctrl-C stops everything and removes its files.")
}

// pushNext pushes the next minor version and waits for the policy to pick it.
func pushNext(ctx context.Context, s *stack.Stack, out io.Writer) error {
	tag := nextTag(s)
	digest, err := s.PushTag(ctx, tag)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "pushed %s:%s (%s); waiting for the next scan ...\n", s.Image, tag, digest)
	key := client.ObjectKey{Namespace: stack.SampleNamespace, Name: stack.SamplePolicy}
	p, err := s.WaitPolicy(ctx, key, "status.current "+tag, func(p *v1alpha1.ImagePolicy) bool {
		return p.Status.Current != nil && p.Status.Current.Tag == tag || p.Spec.Pin != nil
	})
	if err != nil {
		return err
	}
	if p.Spec.Pin != nil {
		fmt.Fprintf(out, "the policy is pinned (spec.pin): status.current stays %s\n", p.Status.Current.Image)
		return nil
	}
	fmt.Fprintf(out, "status.current is now %s; imagepin rolls Deployment %s out to it in 10 s ...\n",
		p.Status.Current.Image, stack.SampleDeployment)
	if err := printCommit(ctx, s, tag, out); err != nil {
		return err
	}
	if err := printRollout(ctx, s, p.Status.Current.Image, out); err != nil {
		return err
	}
	fmt.Fprintf(out, "Enter pushes %s.\n", nextTag(s))
	return nil
}

// printRollout waits until the sample Deployment has rolled out to image
// and prints its Pods.
func printRollout(ctx context.Context, s *stack.Stack, image string, out io.Writer) error {
	key := client.ObjectKey{Namespace: stack.SampleNamespace, Name: stack.SamplePolicy}
	if _, err := s.WaitPolicy(ctx, key, "status.rollout "+image, func(p *v1alpha1.ImagePolicy) bool {
		return p.Status.Rollout != nil && p.Status.Rollout.Image == image
	}); err != nil {
		return err
	}
	if _, err := s.WaitRolledOut(ctx, stack.SampleNamespace, stack.SampleDeployment); err != nil {
		return err
	}
	fmt.Fprintf(out, "rolled out (kubectl rollout status deployment/%s is done):\n", stack.SampleDeployment)
	return podsReport(ctx, s, out)
}

// printCommit waits for the write-back commit that records tag and prints
// its subject.
func printCommit(ctx context.Context, s *stack.Stack, tag string, out io.Writer) error {
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, stack.StepTimeout, true, func(ctx context.Context) (bool, error) {
		file, err := s.Git.File(ctx, stack.ValuesPath)
		return err == nil && strings.Contains(file, "tag: "+tag+" "), nil
	})
	if err != nil {
		return fmt.Errorf("no commit with %s in %s: %w", tag, stack.ValuesPath, err)
	}
	log, err := s.Git.Log(ctx)
	if err != nil {
		return err
	}
	subject, _, _ := strings.Cut(log[0].Message, "\n")
	fmt.Fprintf(out, "git: %.10s %s\n", log[0].Hash, subject)
	return nil
}

// nextTag is the next minor version after the greatest pushed one.
func nextTag(s *stack.Stack) string {
	minor := 0
	for tag := range s.Digests {
		parts := strings.Split(tag, ".")
		if len(parts) != 3 {
			continue
		}
		if n, err := strconv.Atoi(parts[1]); err == nil && n > minor {
			minor = n
		}
	}
	return "1." + strconv.Itoa(minor+1) + ".0"
}
