package main

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/imagepin/imagepin/resolver"
	"github.com/imagepin/imagepin/webhook"
)

// limitOptions are the flags of `imagepin manager` that bound what a Pod
// author, a policy author or a registry can cost everyone else, and that
// guard the metrics endpoint.
type limitOptions struct {
	registryDenyCIDRs      []string
	maxLookups             int
	maxLookupsPerNamespace int
	secretQPS              float32
	secretBurst            int
	pullSecretTTL          time.Duration
	metricsSecure          bool
}

func (l *limitOptions) bindFlags(f *pflag.FlagSet) {
	f.StringSliceVar(&l.registryDenyCIDRs, "registry-deny-cidrs", nil,
		"networks imagepin never connects to (comma-separated CIDRs), checked on the address dialled; link-local networks are always denied")
	f.IntVar(&l.maxLookups, "webhook-max-lookups", resolver.DefaultMaxLookups,
		"registry lookups of images no policy governs that run at once, in all namespaces together")
	f.IntVar(&l.maxLookupsPerNamespace, "webhook-max-lookups-per-namespace", resolver.DefaultMaxLookupsPerTenant,
		"registry lookups of images no policy governs that one namespace's Pods run at once")
	f.Float32Var(&l.secretQPS, "webhook-secret-qps", 20, "Kubernetes API requests per second for the Pods' image pull secrets (a client of their own)")
	f.IntVar(&l.secretBurst, "webhook-secret-burst", 40, "image pull secret reads allowed above --webhook-secret-qps in a burst")
	f.DurationVar(&l.pullSecretTTL, "webhook-pull-secret-ttl", webhook.DefaultPullSecretTTL,
		"how long an image pull secret, once read, serves later admissions; 0 reads it for each")
	f.BoolVar(&l.metricsSecure, "metrics-secure", true,
		"serve /metrics over HTTPS to clients that present a bearer token allowed to get the /metrics URL (TokenReview and SubjectAccessReview); false serves plain HTTP to anyone")
}

// resolverOptions are the resolver's limits.
func (l *limitOptions) resolverOptions() ([]resolver.Option, error) {
	prefixes := make([]netip.Prefix, 0, len(l.registryDenyCIDRs))
	for _, s := range l.registryDenyCIDRs {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("--registry-deny-cidrs: %w", err)
		}
		prefixes = append(prefixes, p)
	}
	return []resolver.Option{
		resolver.WithDenyCIDRs(prefixes...),
		resolver.WithLookupLimits(l.maxLookups, l.maxLookupsPerNamespace),
	}, nil
}

// webhookOptions read pull secrets through a client of their own, with its
// own rate limit, apart from the one the scanner's status updates use.
func (l *limitOptions) webhookOptions(cfg *rest.Config, scheme *runtime.Scheme) ([]webhook.Option, error) {
	secretCfg := rest.CopyConfig(cfg)
	secretCfg.QPS, secretCfg.Burst = l.secretQPS, l.secretBurst
	secrets, err := client.New(secretCfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, fmt.Errorf("pull secret client: %w", err)
	}
	return []webhook.Option{webhook.WithSecretReader(secrets), webhook.WithPullSecretTTL(l.pullSecretTTL)}, nil
}

// metricsOptions serve /metrics on addr, behind controller-runtime's
// authentication and authorization filter unless --metrics-secure=false.
func (l *limitOptions) metricsOptions(addr string) metricsserver.Options {
	if !l.metricsSecure {
		return metricsserver.Options{BindAddress: addr}
	}
	return metricsserver.Options{BindAddress: addr, SecureServing: true, FilterProvider: filters.WithAuthenticationAndAuthorization}
}
