package certs_test

import (
	"crypto/tls"
	"fmt"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	crwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/imagepin/imagepin/certs"
)

// This is how imagepin's manager wires a Provider, whatever the mode: the
// webhook server takes its certificate through TLSOpt, the Provider runs on
// every replica, and readiness waits for it.
func ExampleNew() {
	cfg, err := ctrl.GetConfig()
	if err != nil {
		fmt.Println(err)
		return
	}
	mode, err := certs.ParseMode("self-signed") // --cert-mode
	if err != nil {
		fmt.Println(err)
		return
	}
	certDir, err := os.MkdirTemp("", "imagepin-certs-") // --cert-dir, when empty and not external
	if err != nil {
		fmt.Println(err)
		return
	}
	provider, err := certs.New(mode, cfg,
		certs.WithCertDir(certDir),
		certs.WithNamespace("imagepin-system"),
		certs.WithSecretName(certs.DefaultSecretName),
		certs.WithService(certs.DefaultServiceName),
		certs.WithWebhookConfigurations(certs.DefaultWebhookConfigurationName, certs.DefaultWebhookConfigurationName),
		certs.WithValidity(certs.DefaultValidity, certs.DefaultRenewBefore),
		certs.WithExtraSANs("127.0.0.1"),
		certs.WithIssuer("", certs.DefaultIssuerKind), // used by cert-manager mode only
		certs.WithMetrics(ctrlmetrics.Registry),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		WebhookServer: crwebhook.NewServer(crwebhook.Options{Port: 9443, TLSOpts: []func(*tls.Config){provider.TLSOpt}}),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := mgr.Add(provider); err != nil {
		fmt.Println(err)
		return
	}
	if err := mgr.AddReadyzCheck("certificates", provider.ReadyCheck); err != nil {
		fmt.Println(err)
		return
	}
	_ = mgr.Start(ctrl.SetupSignalHandler())
}
