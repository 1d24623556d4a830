package certs_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"

	"github.com/imagepin/imagepin/internal/testenv/controlplane"
	"github.com/imagepin/imagepin/internal/testenv/kubescheme"
)

// The tests that need an API server share one, started by the first of
// them, with cert-manager's Certificate CRD installed. Tests of pure code
// (and the external mode) start none.
var shared struct {
	once sync.Once
	cp   *controlplane.ControlPlane
	cl   client.Client
	err  error
}

func TestMain(m *testing.M) {
	logf.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.UseDevMode(true)))
	code := m.Run()
	if shared.cp != nil {
		if err := shared.cp.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stop control plane:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// apiServer returns the shared control plane and a client of it.
func apiServer(t *testing.T) (*controlplane.ControlPlane, client.Client) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a real control plane: runs in make test, not under -short")
	}
	shared.once.Do(func() { shared.cp, shared.cl, shared.err = startAPIServer() })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.cp, shared.cl
}

func startAPIServer() (*controlplane.ControlPlane, client.Client, error) {
	crd, err := certificateCRD()
	if err != nil {
		return nil, nil, err
	}
	cp, err := controlplane.Start(context.Background(), controlplane.Options{})
	if err != nil {
		return nil, nil, err
	}
	if _, err := envtest.InstallCRDs(cp.Config, envtest.CRDInstallOptions{Paths: []string{crd}, ErrorIfPathMissing: true}); err != nil {
		return cp, nil, fmt.Errorf("install cert-manager's Certificate CRD: %w", err)
	}
	scheme, err := kubescheme.New(cmapi.AddToScheme)
	if err != nil {
		return cp, nil, err
	}
	cl, err := client.New(cp.Config, client.Options{Scheme: scheme})
	return cp, cl, err
}

// certificateCRD is cert-manager's own CRD of the Certificate kind, from
// the cert-manager module in go.mod (deploy/crds is in the module zip), so
// the API server validates Certificates exactly as in a cluster.
func certificateCRD() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/cert-manager/cert-manager").Output()
	if err != nil {
		return "", fmt.Errorf("find the cert-manager module: %w", err)
	}
	path := filepath.Join(strings.TrimSpace(string(out)), "deploy", "crds", "cert-manager.io_certificates.yaml")
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("cert-manager's Certificate CRD: %w", err)
	}
	return path, nil
}
