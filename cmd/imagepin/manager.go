package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/time/rate"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	crwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/scanner"
	"github.com/imagepin/imagepin/resolver"
	"github.com/imagepin/imagepin/webhook"
)

// Certificate modes of --cert-mode.
const (
	certSelfSigned  = "self-signed"
	certCertManager = "cert-manager"
	certExternal    = "external"
)

type managerOptions struct {
	kubeconfig         string
	namespace          string
	webhookBindAddress string
	certMode           string
	certDir            string
	metricsBindAddress string
	probeBindAddress   string
	leaderElect        bool
	scanConcurrency    int
	scanShareWindow    time.Duration
	registryQPS        float64
	registryBurst      int
	kubeAPIQPS         float32
	kubeAPIBurst       int
	resolveTimeout     time.Duration
	resolveConcurrency int
	podPullSecrets     bool
	registryCAFile     string
	zap                zap.Options
}

func newManagerCommand() *cobra.Command {
	o := &managerOptions{}
	cmd := &cobra.Command{
		Use:   "manager",
		Short: "Run the admission webhook server and the scanner",
		Long: `Run the admission webhook server (Pod pinning at ` + webhook.MutatePodsPath + `, ImagePolicy
validation at ` + webhook.ValidateImagePoliciesPath + `) and the registry scanner, with Prometheus
metrics and health probes, in one process.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context()) },
	}
	f := cmd.Flags()
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig file; in-cluster configuration when empty")
	f.StringVar(&o.namespace, "namespace", os.Getenv("POD_NAMESPACE"), "imagepin's own namespace: never mutated, holds its Secret and leases (default $POD_NAMESPACE)")
	f.StringVar(&o.webhookBindAddress, "webhook-bind-address", ":9443", "HTTPS address of the webhook server")
	f.StringVar(&o.certMode, "cert-mode", certSelfSigned, "serving certificate: self-signed, cert-manager or external")
	f.StringVar(&o.certDir, "cert-dir", "", "where tls.crt and tls.key are read (external) or written; a temp dir when empty")
	f.StringVar(&o.metricsBindAddress, "metrics-bind-address", ":8080", "address of Prometheus /metrics; 0 disables it")
	f.StringVar(&o.probeBindAddress, "health-probe-bind-address", ":8081", "address of /healthz and /readyz")
	f.BoolVar(&o.leaderElect, "leader-elect", true, "elect one leader among replicas to run the scanner")
	f.IntVar(&o.scanConcurrency, "scan-concurrency", scanner.DefaultConcurrency, "how many ImagePolicies are scanned at once")
	f.DurationVar(&o.scanShareWindow, "scan-share-window", scanner.DefaultShareWindow,
		"how long a tag listing or digest is shared between policies that watch the same repository with the same credentials")
	f.Float64Var(&o.registryQPS, "registry-qps", 50, "registry requests per second allowed per registry host")
	f.IntVar(&o.registryBurst, "registry-burst", 100, "registry requests allowed above --registry-qps in a burst")
	f.Float32Var(&o.kubeAPIQPS, "kube-api-qps", 50, "Kubernetes API requests per second (status updates, Secrets)")
	f.IntVar(&o.kubeAPIBurst, "kube-api-burst", 100, "Kubernetes API requests allowed above --kube-api-qps in a burst")
	f.DurationVar(&o.resolveTimeout, "webhook-resolve-timeout", webhook.DefaultResolveTimeout,
		"registry time budget of one Pod admission; keep it well below the webhook's timeoutSeconds")
	f.IntVar(&o.resolveConcurrency, "webhook-resolve-concurrency", webhook.DefaultConcurrency, "registry lookups one Pod admission runs at once")
	f.BoolVar(&o.podPullSecrets, "webhook-pull-secrets", false, "resolve a Pod's unmanaged images with its imagePullSecrets (needs get on Secrets)")
	f.StringVar(&o.registryCAFile, "webhook-registry-ca-file", "", "PEM file of extra CA certificates for registries of images no policy governs")
	zapFlags := flag.NewFlagSet("zap", flag.ContinueOnError)
	o.zap.BindFlags(zapFlags)
	f.AddGoFlagSet(zapFlags)
	return cmd
}

func (o *managerOptions) validate() error {
	switch o.certMode {
	case certExternal:
		if o.certDir == "" {
			return errors.New("--cert-mode=external needs --cert-dir with tls.crt and tls.key")
		}
	case certSelfSigned, certCertManager:
		return fmt.Errorf("--cert-mode=%s is not implemented yet; use --cert-mode=external with --cert-dir", o.certMode)
	default:
		return fmt.Errorf("--cert-mode=%q: must be %s, %s or %s", o.certMode, certSelfSigned, certCertManager, certExternal)
	}
	if o.leaderElect && o.namespace == "" {
		return errors.New("--leader-elect needs --namespace (or $POD_NAMESPACE) for its lease")
	}
	return nil
}

func (o *managerOptions) run(ctx context.Context) error {
	if err := o.validate(); err != nil {
		return err
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&o.zap)))
	cfg, err := restConfig(o.kubeconfig)
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = o.kubeAPIQPS, o.kubeAPIBurst
	scheme, err := newScheme()
	if err != nil {
		return err
	}
	mgr, err := o.newManager(cfg, scheme)
	if err != nil {
		return err
	}
	// One resolver: the scanner and the webhook share transports, tokens and limits.
	res, err := resolver.New(resolver.WithRegisterer(metrics.Registry), resolver.WithUserAgent("imagepin/"+version),
		resolver.WithRateLimit(rate.Limit(o.registryQPS), o.registryBurst))
	if err != nil {
		return fmt.Errorf("resolver: %w", err)
	}
	if err := o.addScanner(mgr, res); err != nil {
		return err
	}
	if err := o.addWebhooks(ctx, mgr, scheme, res); err != nil {
		return err
	}
	if err := addHealthChecks(mgr); err != nil {
		return err
	}
	return mgr.Start(ctx)
}

func (o *managerOptions) newManager(cfg *rest.Config, scheme *runtime.Scheme) (ctrl.Manager, error) {
	host, port, err := splitHostPort(o.webhookBindAddress)
	if err != nil {
		return nil, fmt.Errorf("--webhook-bind-address: %w", err)
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                        scheme,
		Metrics:                       metricsserver.Options{BindAddress: o.metricsBindAddress},
		HealthProbeBindAddress:        o.probeBindAddress,
		LeaderElection:                o.leaderElect,
		LeaderElectionID:              "imagepin-scanner",
		LeaderElectionNamespace:       o.namespace,
		LeaderElectionReleaseOnCancel: true,
		WebhookServer:                 crwebhook.NewServer(crwebhook.Options{Host: host, Port: port, CertDir: o.certDir}),
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
