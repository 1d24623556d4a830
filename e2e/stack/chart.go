package stack

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/imagepin/imagepin/internal/testenv"
	"github.com/imagepin/imagepin/internal/testenv/manager"
)

// ServiceAccount is the chart's ServiceAccount, whose permissions the
// manager runs with.
const ServiceAccount = "system:serviceaccount:" + Namespace + ":" + Release

// installChart installs charts/imagepin for its CRD, RBAC and webhook
// configurations. The in-cluster Deployment cannot run here (no kubelet):
// no replicas, no PodDisruptionBudget, and the webhooks call the manager
// that startManager runs on webhookAddr.
func (s *Stack) installChart(ctx context.Context) error {
	addr, err := testenv.FreeAddr()
	if err != nil {
		return err
	}
	s.Manager = &manager.Manager{WebhookAddr: addr}
	_, err = s.helm(ctx, append([]string{"install", Release, "charts/imagepin", "--namespace", Namespace, "--create-namespace"},
		s.chartValues()...)...)
	return err
}

// chartValues are the --set arguments of the release.
func (s *Stack) chartValues() []string {
	return []string{
		"--set", "webhook.url=https://" + s.Manager.WebhookAddr,
		"--set", "replicaCount=0",
		"--set", "podDisruptionBudget.enabled=false",
	}
}

// HelmUpgrade upgrades the release to the chart of the checkout, with the
// same values, as the README's Operations section says.
func (s *Stack) HelmUpgrade(ctx context.Context) error {
	_, err := s.helm(ctx, append([]string{"upgrade", Release, "charts/imagepin", "--namespace", Namespace}, s.chartValues()...)...)
	return err
}

// HelmUninstall uninstalls the release.
func (s *Stack) HelmUninstall(ctx context.Context) error {
	_, err := s.helm(ctx, "uninstall", Release, "--namespace", Namespace)
	return err
}

// startManager runs `imagepin manager` as the chart's ServiceAccount, with
// the flags the chart's Deployment passes where they apply outside the
// cluster, and waits until it is ready.
func (s *Stack) startManager(ctx context.Context) error {
	if err := s.configureManager(s.Manager, "manager"); err != nil {
		return err
	}
	return s.Manager.Start(ctx)
}

// NewReplica returns another `imagepin manager` replica, configured as the
// first but with its own ports, certificate folder and log (name.log), not
// started. The webhook configurations keep calling the first replica; the
// second takes over the leader's work (scanner, write-back, rollouts) when
// the first stops. The stack does not stop it: the caller does.
func (s *Stack) NewReplica(name string) (*manager.Manager, error) {
	addr, err := testenv.FreeAddr()
	if err != nil {
		return nil, err
	}
	m := &manager.Manager{WebhookAddr: addr}
	return m, s.configureManager(m, name)
}

// configureManager sets m's command line, ports, log and kubeconfig; m's
// WebhookAddr is set already.
func (s *Stack) configureManager(m *manager.Manager, name string) error {
	kubeconfig, err := s.impersonatingKubeconfig(ServiceAccount)
	if err != nil {
		return err
	}
	if m.ProbeAddr, err = testenv.FreeAddr(); err != nil {
		return err
	}
	if m.MetricsAddr, err = testenv.FreeAddr(); err != nil {
		return err
	}
	if m.ReceiverAddr, err = testenv.FreeAddr(); err != nil {
		return err
	}
	m.Bin, m.LogFile, m.Kubeconfig = s.Tools.Imagepin, filepath.Join(s.Dir, name+".log"), kubeconfig
	// The manager's own temporary files (a scratch folder it always makes,
	// known_hosts files) go into the stack's folder: removed with it, by
	// Stop or, after a kill, by the next stack's start.
	tmp := filepath.Join(s.Dir, name+"-tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return fmt.Errorf("manager temp dir: %w", err)
	}
	m.Env = []string{"TMPDIR=" + tmp}
	m.Args = []string{"manager",
		"--kubeconfig=" + kubeconfig,
		"--namespace=" + Namespace,
		"--webhook-bind-address=" + m.WebhookAddr,
		"--metrics-bind-address=" + m.MetricsAddr,
		"--health-probe-bind-address=" + m.ProbeAddr,
		"--receiver-bind-address=" + m.ReceiverAddr,
		"--leader-elect=true",
		"--cert-mode=self-signed",
		// Without --cert-dir the manager writes its key pair into a new
		// temporary folder and leaves it behind; the stack removes its own.
		"--cert-dir=" + filepath.Join(s.Dir, name+"-certs"),
		"--cert-extra-san=127.0.0.1",
		"--webhook-config-name=" + Release,
		"--webhook-pull-secrets=true",
		"--webhook-registry-ca-file=" + s.RegistryCAFile(),
		// Scans every 2 s should see a pushed tag at once, not reuse a
		// listing for the default 30 s, and Git should record it soon after,
		// not after the default 10 s.
		"--scan-share-window=1s",
		"--writeback-debounce=1s",
		"--git-cache-dir=" + filepath.Join(s.Dir, name+"-git-cache"),
		"--zap-log-level=debug",
	}
	m.Args = append(m.Args, s.opts.ManagerArgs...)
	return nil
}

// impersonatingKubeconfig writes a copy of the administrator's kubeconfig
// whose user impersonates user (kubeconfig users[].user.as). The API server
// then authorizes every request as that user, with the groups it derives
// for a ServiceAccount.
func (s *Stack) impersonatingKubeconfig(user string) (string, error) {
	cfg, err := clientcmd.LoadFromFile(s.Kubeconfig)
	if err != nil {
		return "", fmt.Errorf("read kubeconfig: %w", err)
	}
	for _, auth := range cfg.AuthInfos {
		auth.Impersonate = user
	}
	path := filepath.Join(s.Dir, "manager.kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return "", fmt.Errorf("write kubeconfig: %w", err)
	}
	return path, nil
}
