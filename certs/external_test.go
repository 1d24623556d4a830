package certs_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/imagepin/imagepin/certs"
	"github.com/imagepin/imagepin/certs/pki"
)

// mount puts a key pair into a cert dir as something outside imagepin
// would.
type mount func(dir string, version int, pair *pki.KeyPair) error

// inPlace rewrites the two files, as a script or an init container might.
func inPlace(dir string, _ int, pair *pki.KeyPair) error {
	if err := os.WriteFile(filepath.Join(dir, "tls.key"), pair.KeyPEM, 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "tls.crt"), pair.CertPEM, 0o600)
}

// secretVolume lays the files out as the kubelet updates a Secret volume:
// tls.crt -> ..data/tls.crt, with ..data swapped to a new folder by one
// rename and the old folder removed.
func secretVolume(dir string, version int, pair *pki.KeyPair) error {
	data := fmt.Sprintf("..v%d", version)
	if err := os.Mkdir(filepath.Join(dir, data), 0o700); err != nil {
		return err
	}
	for name, content := range map[string][]byte{"tls.crt": pair.CertPEM, "tls.key": pair.KeyPEM} {
		if err := os.WriteFile(filepath.Join(dir, data, name), content, 0o600); err != nil {
			return err
		}
		if version == 1 {
			if err := os.Symlink(filepath.Join("..data", name), filepath.Join(dir, name)); err != nil {
				return err
			}
		}
	}
	if err := os.Symlink(data, filepath.Join(dir, "..data_tmp")); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")); err != nil {
		return err
	}
	return os.RemoveAll(filepath.Join(dir, fmt.Sprintf("..v%d", version-1)))
}

func testPair(t *testing.T) *pki.KeyPair {
	t.Helper()
	ca, err := pki.NewCA(time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := pki.NewServing(ca, pki.ParseNames("127.0.0.1"), time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return pair
}

// TestExternalReloadsChangedFiles swaps the mounted files under a running
// server and expects the new certificate served without a restart.
func TestExternalReloadsChangedFiles(t *testing.T) {
	for name, write := range map[string]mount{"files rewritten in place": inPlace, "Secret volume updated": secretVolume} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir, reg := t.TempDir(), prometheus.NewRegistry()
			first, second := testPair(t), testPair(t)
			if err := write(dir, 1, first); err != nil {
				t.Fatal(err)
			}
			p, err := certs.New(certs.External, nil, certs.WithCertDir(dir), certs.WithMetrics(reg))
			if err != nil {
				t.Fatal(err)
			}
			addr := serve(t, p)
			run(t, p)
			for i, pair := range []*pki.KeyPair{first, second} {
				if i > 0 {
					if err := write(dir, i+1, pair); err != nil {
						t.Fatal(err)
					}
				}
				eventually(t, converge, fmt.Sprintf("certificate %d served", i+1), func() (bool, string) {
					c, err := served(addr)
					if err != nil {
						return false, err.Error()
					}
					return c.Equal(pair.Cert) && p.ReadyCheck(nil) == nil, "serial " + c.SerialNumber.Text(16)
				})
			}
			eventually(t, 5*time.Second, "expiry metric follows", func() (bool, string) {
				got := gauge(t, reg, "serving")
				return got == float64(second.Cert.NotAfter.Unix()), fmt.Sprint(got)
			})
		})
	}
}

// TestExternalWaitsForFiles: a volume mounted late leaves the server
// without a certificate, and the replica not ready, until the files appear.
func TestExternalWaitsForFiles(t *testing.T) {
	dir := t.TempDir()
	p, err := certs.New(certs.External, nil, certs.WithCertDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	addr := serve(t, p)
	run(t, p)
	if _, err := served(addr); err == nil {
		t.Error("TLS handshake succeeded without a certificate")
	}
	if err := p.ReadyCheck(nil); err == nil {
		t.Error("ready without a certificate")
	}
	pair := testPair(t)
	if err := inPlace(dir, 1, pair); err != nil {
		t.Fatal(err)
	}
	eventually(t, converge, "certificate served", func() (bool, string) {
		c, err := served(addr)
		if err != nil {
			return false, err.Error()
		}
		return c.Equal(pair.Cert) && p.ReadyCheck(nil) == nil, "other certificate"
	})
}
