package main

import (
	"flag"
	"os"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/imagepin/imagepin/certs"
	"github.com/imagepin/imagepin/policy/scanner"
	"github.com/imagepin/imagepin/policy/writeback"
	"github.com/imagepin/imagepin/receiver"
	"github.com/imagepin/imagepin/webhook"
)

// managerOptions are the flags of `imagepin manager`.
type managerOptions struct {
	kubeconfig         string
	namespace          string
	webhookBindAddress string
	metricsBindAddress string
	probeBindAddress   string
	leaderElect        bool
	kubeAPIQPS         float32
	kubeAPIBurst       int
	pprofBindAddress   string

	certMode           string
	certDir            string
	certSecretName     string
	webhookServiceName string
	webhookConfigName  string
	certValidity       time.Duration
	certRenewBefore    time.Duration
	certExtraSANs      []string
	certIssuerName     string
	certIssuerKind     string

	scanConcurrency int
	scanShareWindow time.Duration
	scanTimeout     time.Duration
	scanRefresh     time.Duration
	scanStartSpread time.Duration
	registryQPS     float64
	registryBurst   int

	gitCacheDir       string
	gitCacheMaxBytes  string
	gitCacheBudget    int64 // gitCacheMaxBytes, parsed by validate
	writeBackDebounce time.Duration
	writeBackResync   time.Duration
	writeBackTimeout  time.Duration

	resolveTimeout     time.Duration
	resolveConcurrency int
	podPullSecrets     bool
	registryCAFile     string

	receiverBindAddress string
	receiverSecret      string
	limits              limitOptions

	zap zap.Options
}

func (o *managerOptions) bindFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig file; in-cluster configuration when empty")
	f.StringVar(&o.namespace, "namespace", os.Getenv("POD_NAMESPACE"), "imagepin's own namespace: never mutated, holds its Secret and leases (default $POD_NAMESPACE)")
	f.StringVar(&o.webhookBindAddress, "webhook-bind-address", ":9443", "HTTPS address of the webhook server")
	f.StringVar(&o.metricsBindAddress, "metrics-bind-address", ":8080", "address of Prometheus /metrics; 0 disables it")
	f.StringVar(&o.probeBindAddress, "health-probe-bind-address", ":8081", "address of /healthz and /readyz")
	f.BoolVar(&o.leaderElect, "leader-elect", true, "elect one leader among replicas to run the scanner")
	f.Float32Var(&o.kubeAPIQPS, "kube-api-qps", -1,
		"Kubernetes API requests per second (status updates, events, Secrets); negative: no client-side limit, the API server's priority and fairness paces them")
	f.IntVar(&o.kubeAPIBurst, "kube-api-burst", 100, "Kubernetes API requests allowed above a positive --kube-api-qps in a burst")
	f.StringVar(&o.pprofBindAddress, "pprof-bind-address", "0", "address of Go's /debug/pprof/ profiles (plain HTTP, no authentication: bind it to 127.0.0.1); 0 disables it")

	f.StringVar(&o.certMode, "cert-mode", string(certs.SelfSigned), "serving certificate: self-signed, cert-manager or external")
	f.StringVar(&o.certDir, "cert-dir", "", "where tls.crt and tls.key are read (external, reloaded on change) or written; a temp dir when empty")
	f.StringVar(&o.certSecretName, "cert-secret-name", certs.DefaultSecretName, "Secret of the webhook key pair in --namespace (cert-manager mode: also the Certificate's name)")
	f.StringVar(&o.webhookServiceName, "webhook-service-name", certs.DefaultServiceName, "Service of the webhook; the certificate names <service>.<namespace>.svc[.cluster.local]")
	f.StringVar(&o.webhookConfigName, "webhook-config-name", certs.DefaultWebhookConfigurationName, "imagepin's Mutating- and ValidatingWebhookConfiguration, whose caBundle self-signed mode keeps in sync")
	f.DurationVar(&o.certValidity, "cert-validity", certs.DefaultValidity, "lifetime of the self-signed serving certificate")
	f.DurationVar(&o.certRenewBefore, "cert-renew-before", certs.DefaultRenewBefore, "renew the serving certificate this long before it expires")
	f.StringSliceVar(&o.certExtraSANs, "cert-extra-san", nil, "more DNS names or IPs for the serving certificate, e.g. 127.0.0.1 when the manager runs outside the cluster")
	f.StringVar(&o.certIssuerName, "cert-issuer-name", "", "cert-manager mode: the issuer of the Certificate")
	f.StringVar(&o.certIssuerKind, "cert-issuer-kind", certs.DefaultIssuerKind, "cert-manager mode: Issuer or ClusterIssuer")

	f.IntVar(&o.scanConcurrency, "scan-concurrency", scanner.DefaultConcurrency, "how many ImagePolicies are scanned at once")
	f.DurationVar(&o.scanShareWindow, "scan-share-window", scanner.DefaultShareWindow,
		"how long a tag listing or digest is shared between policies that watch the same repository with the same credentials")
	f.DurationVar(&o.scanTimeout, "scan-timeout", scanner.DefaultScanTimeout,
		"deadline of one policy's scan (credentials, tag listing, digests); a registry that answers slower fails the scan with RegistryUnavailable")
	f.DurationVar(&o.scanRefresh, "scan-status-refresh", scanner.DefaultStatusRefresh,
		"a scan that changes nothing writes no status until status.lastScan is older than a point between half and all of this; 0 writes the status after every scan")
	f.DurationVar(&o.scanStartSpread, "scan-start-spread", scanner.DefaultStartSpread,
		"after a start (or a new leader), policies whose next scan is overdue are first scanned spread over their schedule's period, at most this long")
	f.Float64Var(&o.registryQPS, "registry-qps", 50, "registry requests per second allowed per registry host")
	f.IntVar(&o.registryBurst, "registry-burst", 100, "registry requests allowed above --registry-qps in a burst")

	f.StringVar(&o.gitCacheDir, "git-cache-dir", "", "where Git write-back keeps its clones; a temp dir when empty")
	f.StringVar(&o.gitCacheMaxBytes, "git-cache-max-bytes", "1Gi",
		"disk budget of --git-cache-dir (bytes, or a quantity such as 512Mi); clones not in use are removed to stay within it, and a repository that does not fit alone fails with GitCacheFull; 0 disables it")
	f.DurationVar(&o.writeBackDebounce, "writeback-debounce", writeback.DefaultDebounce, "how long a policy change waits for others of its repository, so that they make one commit")
	f.DurationVar(&o.writeBackResync, "writeback-resync", writeback.DefaultResync, "how often each repository is checked again without a change; negative disables")
	f.DurationVar(&o.writeBackTimeout, "writeback-timeout", writeback.DefaultTimeout, "time limit of one write-back (fetch, commit, pushes and retries)")

	f.DurationVar(&o.resolveTimeout, "webhook-resolve-timeout", webhook.DefaultResolveTimeout,
		"registry time budget of one Pod admission; keep it well below the webhook's timeoutSeconds")
	f.IntVar(&o.resolveConcurrency, "webhook-resolve-concurrency", webhook.DefaultConcurrency, "registry lookups one Pod admission runs at once")
	f.BoolVar(&o.podPullSecrets, "webhook-pull-secrets", false, "resolve a Pod's unmanaged images with its imagePullSecrets (needs get on Secrets)")
	f.StringVar(&o.registryCAFile, "webhook-registry-ca-file", "", "PEM file of extra CA certificates for registries of images no policy governs")

	f.StringVar(&o.receiverBindAddress, "receiver-bind-address", ":9292",
		"address of the registry notification receiver (POST "+receiver.EventsPath+"<token>, every replica); 0 disables it")
	f.StringVar(&o.receiverSecret, "receiver-secret", "imagepin-receiver",
		"Secret in --namespace whose key token is the receiver's token; a new token takes effect within seconds")
	o.limits.bindFlags(f)

	zapFlags := flag.NewFlagSet("zap", flag.ContinueOnError)
	o.zap.BindFlags(zapFlags)
	f.AddGoFlagSet(zapFlags)
}
