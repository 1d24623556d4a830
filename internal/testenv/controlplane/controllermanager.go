package controlplane

import (
	"context"
	"fmt"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// startControllerManager runs kube-controller-manager against the API
// server; waitControllers tells when its controllers work.
func (c *ControlPlane) startControllerManager(assets string) error {
	kubeconfig, err := c.writeKubeconfig("kube-controller-manager")
	if err != nil {
		return err
	}
	args := []string{
		"--kubeconfig=" + kubeconfig,
		"--controllers=*",
		"--leader-elect=false",
		"--secure-port=0", // no serving: nothing scrapes it here
		"--use-service-account-credentials=false",
		// The API server verifies ServiceAccount tokens with this key pair.
		"--service-account-private-key-file=" + c.files.saKey,
		"--cluster-name=imagepin-test",
	}
	c.kcm, err = startProcess(filepath.Join(assets, "kube-controller-manager"), args, nil, c.logPath("kube-controller-manager"))
	if err != nil {
		return fmt.Errorf("start kube-controller-manager: %w", err)
	}
	return nil
}

// waitControllers waits until the controllers of kube-controller-manager
// work: the ServiceAccount controller has created the default
// ServiceAccount of the default namespace.
func (c *ControlPlane) waitControllers(ctx context.Context, cl client.Client) error {
	key := client.ObjectKey{Namespace: "default", Name: "default"}
	err := wait.PollUntilContextTimeout(ctx, pollInterval, startTimeout, true, func(ctx context.Context) (bool, error) {
		if exited := c.kcm.Exited(); exited != nil {
			return false, exited
		}
		return cl.Get(ctx, key, &corev1.ServiceAccount{}) == nil, nil
	})
	if err != nil {
		return fmt.Errorf("kube-controller-manager not working: %w\n%s", err, c.kcm.LogTail(logTailLines))
	}
	return nil
}
