package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/imagepin/imagepin/certs"
	"github.com/imagepin/imagepin/internal/metawatch"
	"github.com/imagepin/imagepin/policy/recorder"
	"github.com/imagepin/imagepin/policy/rollout"
	"github.com/imagepin/imagepin/policy/scanner"
	"github.com/imagepin/imagepin/policy/validation"
	"github.com/imagepin/imagepin/policy/writeback"
	"github.com/imagepin/imagepin/resolver"
	"github.com/imagepin/imagepin/webhook"
)

// addControllers adds the controllers, which run on the leader: the
// scanner, write-back, the revision recorder and the rollout controller.
// The scanner and write-back take their Secret events from one metadata
// cache, so that the manager watches Secrets once.
func (o *managerOptions) addControllers(ctx context.Context, mgr ctrl.Manager, res *resolver.Resolver) error {
	meta, err := metawatch.NewCache(mgr)
	if err != nil {
		return err
	}
	if err := o.addScanner(ctx, mgr, res, meta); err != nil {
		return err
	}
	if err := o.addWriteBack(ctx, mgr, meta); err != nil {
		return err
	}
	return o.addRollouts(ctx, mgr)
}

// addScanner adds the ImagePolicy scanner, which runs only on the leader.
// It takes Secret and ServiceAccount events from meta, the metadata cache
// it shares with write-back.
func (o *managerOptions) addScanner(ctx context.Context, mgr ctrl.Manager, res *resolver.Resolver, meta *metawatch.Cache) error {
	sc, err := scanner.New(scanner.Options{
		Client:        mgr.GetClient(),
		APIReader:     mgr.GetAPIReader(),
		Registry:      res,
		Events:        mgr.GetEventRecorder("imagepin-scanner"),
		Registerer:    metrics.Registry,
		Metadata:      meta,
		ShareWindow:   o.scanShareWindow,
		Concurrency:   o.scanConcurrency,
		ScanTimeout:   o.scanTimeout,
		StatusRefresh: o.statusRefresh(),
		StartSpread:   o.scanStartSpread,
	})
	if err != nil {
		return fmt.Errorf("scanner: %w", err)
	}
	return sc.SetupWithManager(ctx, mgr)
}

// statusRefresh is --scan-status-refresh as scanner.Options take it.
func (o *managerOptions) statusRefresh() time.Duration {
	if o.scanRefresh == 0 {
		return scanner.EveryScan
	}
	return o.scanRefresh
}

// addWriteBack adds Git write-back, a controller of its own (on the leader)
// so that a Git failure never holds up scanning or the webhook. It takes
// Secret events from meta, the metadata cache it shares with the scanner.
func (o *managerOptions) addWriteBack(ctx context.Context, mgr ctrl.Manager, meta *metawatch.Cache) error {
	wb, err := writeback.New(writeback.Options{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(),
		Events: mgr.GetEventRecorder("imagepin-writeback"), Registerer: metrics.Registry, Metadata: meta,
		CacheDir: o.gitCacheDir, CacheMaxBytes: o.gitCacheBudget,
		Debounce: o.writeBackDebounce, Resync: o.writeBackResync, Timeout: o.writeBackTimeout,
	})
	if err != nil {
		return fmt.Errorf("write-back: %w", err)
	}
	return wb.SetupWithManager(ctx, mgr)
}

// addRollouts adds the revision recorder and the rollout controller, which
// run on the leader.
func (o *managerOptions) addRollouts(ctx context.Context, mgr ctrl.Manager) error {
	rec, err := recorder.New(recorder.Options{Client: mgr.GetClient(), Registerer: metrics.Registry})
	if err != nil {
		return fmt.Errorf("revision recorder: %w", err)
	}
	if err := rec.SetupWithManager(ctx, mgr); err != nil {
		return err
	}
	ro, err := rollout.New(rollout.Options{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(),
		Events: mgr.GetEventRecorder("imagepin-rollout"), Registerer: metrics.Registry,
		Exempt: func(ns string) bool { return webhook.NeverMutated(o.namespace, ns) },
	})
	if err != nil {
		return fmt.Errorf("rollout: %w", err)
	}
	return ro.SetupWithManager(ctx, mgr)
}

// addWebhooks registers Pod pinning and ImagePolicy validation on the
// webhook server, which runs on every replica.
func (o *managerOptions) addWebhooks(ctx context.Context, mgr ctrl.Manager, scheme *runtime.Scheme, res *resolver.Resolver) error {
	var registryCA []byte
	if o.registryCAFile != "" {
		var err error
		if registryCA, err = os.ReadFile(o.registryCAFile); err != nil {
			return fmt.Errorf("--webhook-registry-ca-file: %w", err)
		}
	}
	limits, err := o.limits.webhookOptions(mgr.GetConfig(), scheme)
	if err != nil {
		return err
	}
	pods, err := webhook.NewPodHandler(o.namespace, mgr.GetCache(), res, append([]webhook.Option{
		webhook.WithAPIReader(mgr.GetAPIReader()),
		webhook.WithPullSecrets(o.podPullSecrets),
		webhook.WithResolveTimeout(o.resolveTimeout),
		webhook.WithConcurrency(o.resolveConcurrency),
		webhook.WithRegistryCA(registryCA),
		webhook.WithRegisterer(metrics.Registry)}, limits...)...)
	if err != nil {
		return fmt.Errorf("pod webhook: %w", err)
	}
	if err := pods.SetupWithManager(ctx, mgr); err != nil {
		return fmt.Errorf("pod webhook: %w", err)
	}
	mgr.GetWebhookServer().Register(webhook.ValidateImagePoliciesPath, validation.NewWebhook(scheme))
	return nil
}

// newCertProvider builds the serving-certificate provider of --cert-mode.
// Options a mode does not use are ignored by certs.New.
func (o *managerOptions) newCertProvider(cfg *rest.Config) (*certs.Provider, error) {
	mode, err := certs.ParseMode(o.certMode)
	if err != nil {
		return nil, err
	}
	p, err := certs.New(mode, cfg,
		certs.WithCertDir(o.certDir),
		certs.WithNamespace(o.namespace),
		certs.WithSecretName(o.certSecretName),
		certs.WithService(o.webhookServiceName),
		certs.WithWebhookConfigurations(o.webhookConfigName, o.webhookConfigName),
		certs.WithValidity(o.certValidity, o.certRenewBefore),
		certs.WithExtraSANs(o.certExtraSANs...),
		certs.WithIssuer(o.certIssuerName, o.certIssuerKind),
		certs.WithMetrics(metrics.Registry))
	if err != nil {
		return nil, fmt.Errorf("certificates (--cert-mode=%s): %w", mode, err)
	}
	return p, nil
}

// addHealthChecks makes the manager ready once its certificate is loaded,
// the webhook server serves and the informer caches have synced: before
// that, Pods could not be pinned from policies.
func addHealthChecks(mgr ctrl.Manager, provider *certs.Provider) error {
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return fmt.Errorf("healthz check: %w", err)
	}
	if err := mgr.AddReadyzCheck("certificates", provider.ReadyCheck); err != nil {
		return fmt.Errorf("readyz check: %w", err)
	}
	if err := mgr.AddReadyzCheck("webhook", mgr.GetWebhookServer().StartedChecker()); err != nil {
		return fmt.Errorf("readyz check: %w", err)
	}
	cacheSynced := func(req *http.Request) error {
		if !mgr.GetCache().WaitForCacheSync(req.Context()) {
			return fmt.Errorf("informer caches not synced")
		}
		return nil
	}
	if err := mgr.AddReadyzCheck("caches", cacheSynced); err != nil {
		return fmt.Errorf("readyz check: %w", err)
	}
	return nil
}
