package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"
	"golang.org/x/time/rate"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	crwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/imagepin/imagepin/certs"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/cachetrim"
	"github.com/imagepin/imagepin/resolver"
	"github.com/imagepin/imagepin/webhook"
)

func newManagerCommand() *cobra.Command {
	o := &managerOptions{}
	cmd := &cobra.Command{
		Use:   "manager",
		Short: "Run the admission webhook server and the scanner",
		Long: `Run the admission webhook server (Pod pinning at ` + webhook.MutatePodsEnabledPath + ` and
` + webhook.MutatePodsStrictPath + `, ImagePolicy validation at ` + webhook.ValidateImagePoliciesPath + `),
its serving certificate, the registry scanner, Git write-back and rollouts (on the elected leader),
and the registry notification receiver (every replica), with Prometheus metrics and health probes,
in one process.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context()) },
	}
	o.bindFlags(cmd)
	return cmd
}

func (o *managerOptions) validate() error {
	mode, err := certs.ParseMode(o.certMode)
	if err != nil {
		return fmt.Errorf("--cert-mode: %w", err)
	}
	if mode == certs.External && o.certDir == "" {
		return errors.New("--cert-mode=external needs --cert-dir with tls.crt and tls.key")
	}
	if mode != certs.External && o.namespace == "" {
		return fmt.Errorf("--cert-mode=%s needs --namespace (or $POD_NAMESPACE) for its Secret", mode)
	}
	if o.leaderElect && o.namespace == "" {
		return errors.New("--leader-elect needs --namespace (or $POD_NAMESPACE) for its lease")
	}
	if o.scanTimeout <= 0 {
		return fmt.Errorf("--scan-timeout must be positive, got %s", o.scanTimeout)
	}
	if o.scanRefresh < 0 || o.scanStartSpread < 0 {
		return fmt.Errorf("--scan-status-refresh and --scan-start-spread must not be negative, got %s and %s", o.scanRefresh, o.scanStartSpread)
	}
	budget, err := resource.ParseQuantity(o.gitCacheMaxBytes)
	if err != nil || budget.Sign() < 0 {
		return fmt.Errorf("--git-cache-max-bytes %q: want a number of bytes or a quantity such as 1Gi", o.gitCacheMaxBytes)
	}
	o.gitCacheBudget = budget.Value()
	if o.receiverEnabled() && o.namespace == "" {
		return errors.New("--receiver-bind-address needs --namespace (or $POD_NAMESPACE) for its Secret; 0 disables the receiver")
	}
	_, err = o.limits.resolverOptions() // flags that do not parse fail before any connection
	return err
}

func (o *managerOptions) run(ctx context.Context) error {
	if err := o.validate(); err != nil {
		return err
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&o.zap)))
	setMemoryLimit(ctrl.Log)
	cfg, err := restConfig(o.kubeconfig)
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = o.kubeAPIQPS, o.kubeAPIBurst
	scratch, err := o.defaultDirs()
	if scratch != "" {
		defer os.RemoveAll(scratch)
	}
	if err != nil {
		return err
	}
	scheme, err := newScheme()
	if err != nil {
		return err
	}
	provider, err := o.newCertProvider(cfg)
	if err != nil {
		return err
	}
	mgr, err := o.newManager(cfg, scheme, provider)
	if err != nil {
		return err
	}
	if err := mgr.Add(provider); err != nil {
		return fmt.Errorf("certificates: %w", err)
	}
	// One resolver: the scanner and the webhook share transports, tokens and limits.
	limits, err := o.limits.resolverOptions()
	if err != nil {
		return err
	}
	res, err := resolver.New(append([]resolver.Option{resolver.WithRegisterer(metrics.Registry), resolver.WithUserAgent("imagepin/" + version),
		resolver.WithRateLimit(rate.Limit(o.registryQPS), o.registryBurst)}, limits...)...)
	if err != nil {
		return fmt.Errorf("resolver: %w", err)
	}
	if err := o.addControllers(ctx, mgr, res); err != nil {
		return err
	}
	if err := o.addWebhooks(ctx, mgr, scheme, res); err != nil {
		return err
	}
	if err := o.addReceiver(ctx, mgr); err != nil {
		return err
	}
	if err := addHealthChecks(mgr, provider); err != nil {
		return err
	}
	return mgr.Start(ctx)
}

// defaultDirs points --cert-dir and --git-cache-dir, when not given, into
// one scratch folder that run removes when the manager stops. It returns ""
// when both are given: no scratch folder is made.
func (o *managerOptions) defaultDirs() (string, error) {
	var scratch string
	if o.certDir == "" || o.gitCacheDir == "" {
		var err error
		if scratch, err = os.MkdirTemp("", "imagepin-"); err != nil {
			return "", fmt.Errorf("scratch folder: %w", err)
		}
	}
	if o.certDir == "" {
		o.certDir = filepath.Join(scratch, "certs")
	}
	if o.gitCacheDir == "" {
		o.gitCacheDir = filepath.Join(scratch, "git")
	}
	for _, d := range []string{o.certDir, o.gitCacheDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return scratch, fmt.Errorf("create %s: %w", d, err)
		}
	}
	return scratch, nil
}

// newManager builds the manager. The webhook server takes its certificate
// from the provider, not from files it opens at start: in self-signed and
// cert-manager modes the files do not exist before the provider runs.
func (o *managerOptions) newManager(cfg *rest.Config, scheme *runtime.Scheme, provider *certs.Provider) (ctrl.Manager, error) {
	host, port, err := splitHostPort(o.webhookBindAddress)
	if err != nil {
		return nil, fmt.Errorf("--webhook-bind-address: %w", err)
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme: scheme,
		// Revision objects are cached stripped, ImagePolicies trimmed and
		// their common strings shared, nothing with managedFields or
		// kubectl's last-applied configuration: every replica caches every
		// policy (see policy/cachetrim).
		Cache:                         cachetrim.Options(),
		Metrics:                       o.limits.metricsOptions(o.metricsBindAddress),
		HealthProbeBindAddress:        o.probeBindAddress,
		PprofBindAddress:              o.pprofBindAddress,
		LeaderElection:                o.leaderElect,
		LeaderElectionID:              "imagepin-scanner",
		LeaderElectionNamespace:       o.namespace,
		LeaderElectionReleaseOnCancel: true,
		WebhookServer: crwebhook.NewServer(crwebhook.Options{Host: host, Port: port,
			TLSOpts: []func(*tls.Config){provider.TLSOpt}}),
	})
	if err != nil {
		return nil, fmt.Errorf("new manager: %w", err)
	}
	return mgr, nil
}

func newScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := v1alpha1.AddToScheme(s); err != nil {
		return nil, err
	}
	return s, nil
}

func restConfig(kubeconfig string) (*rest.Config, error) {
	if kubeconfig == "" {
		cfg, err := rest.InClusterConfig()
		if err != nil {
			return nil, fmt.Errorf("in-cluster configuration (pass --kubeconfig outside a cluster): %w", err)
		}
		return cfg, nil
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %w", kubeconfig, err)
	}
	return cfg, nil
}

func splitHostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return "", 0, fmt.Errorf("port %q: %w", p, err)
	}
	return host, port, nil
}
