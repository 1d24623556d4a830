package certs

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"

	"golang.org/x/sync/errgroup"
	"k8s.io/client-go/rest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// Provider gives imagepin's webhook server its serving certificate, in
// one of the three Modes. It is a manager.Runnable that runs on every
// replica; TLSOpt plugs it into the webhook server and ReadyCheck holds
// the manager's readiness until a certificate is served.
type Provider struct {
	mode    Mode
	serving *serving
	loop    *loop // nil in External mode: nothing to reconcile
}

// New returns the Provider of mode. cfg reaches the API server; External
// mode does not use it and accepts nil.
func New(mode Mode, cfg *rest.Config, opts ...Option) (*Provider, error) {
	o, err := newOptions(mode, opts)
	if err != nil {
		return nil, fmt.Errorf("certificates: %w", err)
	}
	e, err := newExpiry(o.registerer)
	if err != nil {
		return nil, err
	}
	p := &Provider{mode: mode, serving: newServing(o.certDir, mode != External, e)}
	if mode == External {
		return p, nil
	}
	if cfg == nil {
		return nil, fmt.Errorf("certificates: --cert-mode=%s needs a Kubernetes client configuration", mode)
	}
	if mode == SelfSigned {
		p.loop, err = newSelfSignedLoop(cfg, o, p.serving, e)
	} else {
		p.loop, err = newCertManagerLoop(cfg, o, p.serving, e)
	}
	if err != nil {
		return nil, fmt.Errorf("certificates: %w", err)
	}
	return p, nil
}

// Start keeps the certificate current until ctx ends.
func (p *Provider) Start(ctx context.Context) error {
	log := logf.FromContext(ctx).WithName("certs").WithValues("mode", p.mode)
	ctx = logf.IntoContext(ctx, log)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return p.serving.Start(ctx) })
	if p.loop != nil {
		g.Go(func() error { return p.loop.run(ctx) })
	}
	if err := g.Wait(); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("certificates (%s): %w", p.mode, err)
	}
	return nil
}

// NeedLeaderElection is false: every replica serves, so every replica
// needs the certificate in its own cert dir.
func (p *Provider) NeedLeaderElection() bool { return false }

// TLSOpt is for the webhook server's Options.TLSOpts. It makes the server
// take its certificate from p rather than open tls.crt itself at start,
// which it would do before any other runnable could write the file.
func (p *Provider) TLSOpt(c *tls.Config) { c.GetCertificate = p.serving.GetCertificate }

// GetCertificate returns the certificate served now; the handshake fails
// while there is none.
func (p *Provider) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	return p.serving.GetCertificate(hello)
}

// ReadyCheck is a healthz.Checker for the manager's readiness: it passes
// once the key pair is in the cert dir (written by this process in the
// self-signed and cert-manager modes) and served.
func (p *Provider) ReadyCheck(_ *http.Request) error { return p.serving.ready() }
