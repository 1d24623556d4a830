package controlplane

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/imagepin/imagepin/internal/testenv/buildtool"
)

// KwokEnv names an environment variable that points at a kwok binary,
// which then is used instead of running hack/kwok.sh. The file stages.yaml
// beside it must hold kwok's Stage documents, as hack/kwok.sh writes it.
const KwokEnv = "IMAGEPIN_KWOK_BIN"

// kwokStages is the file of Stage documents beside the kwok binary.
const kwokStages = "stages.yaml"

// FakeNodeAnnotation marks the Nodes that kwok manages; Start sets it on the
// Nodes it creates, and kwok leaves every other Node alone.
const FakeNodeAnnotation = "kwok.x-k8s.io/node"

// Kwok returns the path of the kwok binary and of its Stage documents:
// $IMAGEPIN_KWOK_BIN when set, otherwise the binary that hack/kwok.sh
// builds into the cache if it is missing there (minutes, the first time).
func Kwok(ctx context.Context) (bin, stages string, err error) {
	if bin = os.Getenv(KwokEnv); bin == "" {
		if bin, err = buildtool.Run(ctx, "hack/kwok.sh"); err != nil {
			return "", "", err
		}
	}
	stages = filepath.Join(filepath.Dir(bin), kwokStages)
	if _, err := os.Stat(stages); err != nil {
		return "", "", fmt.Errorf("kwok Stages beside %s (hack/kwok.sh writes them): %w", bin, err)
	}
	return bin, stages, nil
}

// startNodeComponents runs kube-scheduler and kwok; waitNodes tells when
// they work.
func (c *ControlPlane) startNodeComponents(ctx context.Context, assets string) error {
	if err := c.startScheduler(assets); err != nil {
		return err
	}
	return c.startKwok(ctx)
}

// startScheduler runs kube-scheduler without serving (nothing probes it:
// waitNodes proves it works by its effect).
func (c *ControlPlane) startScheduler(assets string) error {
	kubeconfig, err := c.writeKubeconfig("kube-scheduler")
	if err != nil {
		return err
	}
	args := []string{"--kubeconfig=" + kubeconfig, "--leader-elect=false", "--secure-port=0"}
	c.scheduler, err = startProcess(filepath.Join(assets, "kube-scheduler"), args, nil, c.logPath("kube-scheduler"))
	if err != nil {
		return fmt.Errorf("start kube-scheduler: %w", err)
	}
	return nil
}

// startKwok runs kwok as the kubelet of the Nodes annotated
// FakeNodeAnnotation=fake. kwok serves nothing without --server-address or
// --node-port; KWOK_WORKDIR keeps it from reading a ~/.kwok/kwok.yaml of
// the user's.
func (c *ControlPlane) startKwok(ctx context.Context) error {
	bin, stages, err := Kwok(ctx)
	if err != nil {
		return fmt.Errorf("kwok: %w", err)
	}
	kubeconfig, err := c.writeKubeconfig("kwok")
	if err != nil {
		return err
	}
	args := []string{
		"--kubeconfig=" + kubeconfig,
		"--config=" + stages,
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=" + FakeNodeAnnotation + "=fake",
		// Node Leases keep kube-controller-manager's node lifecycle
		// controller from marking the Nodes unreachable and evicting
		// their Pods; the node heartbeat Stage alone comes every 10 min.
		"--node-lease-duration-seconds=40",
		// One pool of Pod IPs for all Nodes, which have no podCIDR: the
		// default /24 would hold 254 Pods in all.
		"--cidr=10.0.0.0/16",
	}
	env := []string{"KWOK_WORKDIR=" + filepath.Join(c.dir.Path, "kwok")}
	c.kwok, err = startProcess(bin, args, env, c.logPath("kwok"))
	if err != nil {
		return fmt.Errorf("start kwok: %w", err)
	}
	return nil
}
