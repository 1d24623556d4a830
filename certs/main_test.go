package certs_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"

	"github.com/imagepin/imagepin/internal/testenv/controlplane"
	"github.com/imagepin/imagepin/internal/testenv/kubescheme"
)

// controlPlane is the API server of the tests that need one, started by
// the first of them, with cert-manager's Certificate CRD installed; cl is a
// client of it that knows cert-manager's types. Tests of pure code (and
// the external mode) start none.
var (
	controlPlane = controlplane.NewShared(controlplane.Options{}, installCertManager)
	cl           client.Client
)

func TestMain(m *testing.M) {
	logf.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.UseDevMode(true)))
	os.Exit(controlPlane.Run(m))
}

// apiServer returns the shared control plane and a client of it.
func apiServer(t *testing.T) (*controlplane.ControlPlane, client.Client) {
	t.Helper()
	return controlPlane.Get(t), cl
}

// installCertManager installs cert-manager's Certificate CRD and makes cl.
func installCertManager(cp *controlplane.ControlPlane) (func(), error) {
	crd, err := certificateCRD()
	if err != nil {
		return nil, err
	}
	if err := cp.CreateCRDs(crd); err != nil {
		return nil, err
	}
	scheme, err := kubescheme.New(cmapi.AddToScheme)
	if err != nil {
		return nil, err
	}
	cl, err = client.New(cp.Config, client.Options{Scheme: scheme})
	return nil, err
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
