package certs_test

import (
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/imagepin/imagepin/certs"
)

func TestNewRejectsOptionsThatCannotWork(t *testing.T) {
	cfg := &rest.Config{Host: "https://127.0.0.1:1"}
	base := []certs.Option{certs.WithCertDir("/tmp/certs"), certs.WithNamespace("imagepin")}
	tests := map[string]struct {
		mode    certs.Mode
		cfg     *rest.Config
		opts    []certs.Option
		wantErr string // "" for success
	}{
		"self-signed defaults":         {mode: certs.SelfSigned, cfg: cfg},
		"external without a client":    {mode: certs.External},
		"cert-manager with an issuer":  {mode: certs.CertManager, cfg: cfg, opts: []certs.Option{certs.WithIssuer("ca", "ClusterIssuer")}},
		"unknown mode":                 {mode: "vault", cfg: cfg, wantErr: `unknown certificate mode "vault"`},
		"no cert dir":                  {mode: certs.External, opts: []certs.Option{certs.WithCertDir("")}, wantErr: "cert dir is required"},
		"self-signed without a client": {mode: certs.SelfSigned, wantErr: "needs a Kubernetes client configuration"},
		"no namespace":                 {mode: certs.SelfSigned, cfg: cfg, opts: []certs.Option{certs.WithNamespace("")}, wantErr: "needs imagepin's namespace"},
		"renew-before beyond validity": {
			mode: certs.SelfSigned, cfg: cfg, opts: []certs.Option{certs.WithValidity(time.Hour, 2*time.Hour)}, wantErr: "renew-before 2h0m0s must be positive and shorter",
		},
		"CA renewed after the serving certificate": {
			mode: certs.SelfSigned, cfg: cfg, opts: []certs.Option{certs.WithCAValidity(1000*time.Hour, time.Hour)}, wantErr: "CA renew-before 1h0m0s must be longer",
		},
		"cert-manager without an issuer": {mode: certs.CertManager, cfg: cfg, wantErr: "needs an issuer name"},
		"cert-manager with a bad kind": {
			mode: certs.CertManager, cfg: cfg, opts: []certs.Option{certs.WithIssuer("ca", "Vault")}, wantErr: `issuer kind "Vault"`,
		},
		"empty Secret name":  {mode: certs.SelfSigned, cfg: cfg, opts: []certs.Option{certs.WithSecretName("")}, wantErr: "empty certificate Secret name"},
		"empty Service name": {mode: certs.SelfSigned, cfg: cfg, opts: []certs.Option{certs.WithService("")}, wantErr: "empty webhook Service name"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := certs.New(tc.mode, tc.cfg, append(base, tc.opts...)...)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("New: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("New: %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestParseMode(t *testing.T) {
	for _, m := range certs.Modes() {
		if got, err := certs.ParseMode(string(m)); err != nil || got != m {
			t.Errorf("ParseMode(%q) = %q, %v", m, got, err)
		}
	}
	if _, err := certs.ParseMode("selfsigned"); err == nil || !strings.Contains(err.Error(), "self-signed, cert-manager or external") {
		t.Errorf("ParseMode(selfsigned) = %v, want an error listing the modes", err)
	}
}
