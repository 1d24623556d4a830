package registry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/imagepin/imagepin/internal/testenv"
)

// Options configure a registry started by Start. The zero value is an
// anonymous plain-HTTP registry without deletion.
type Options struct {
	// Username and Password, when Username is non-empty, make the registry
	// require HTTP basic auth checked against a bcrypt htpasswd file.
	Username, Password string
	// TLS serves HTTPS with a certificate for 127.0.0.1 and localhost signed
	// by a fresh CA, published as Registry.CAPEM.
	TLS bool
	// EnableDelete allows deleting manifests (storage.delete.enabled).
	EnableDelete bool
	// NotifyURL, when set, is where the registry posts its notification
	// envelopes (notifications.endpoints): one event per pushed or pulled
	// blob and manifest, retried until the endpoint answers 2xx or 3xx.
	NotifyURL string
	// AccessLog logs every request, which Requests then counts.
	AccessLog bool
	// InMemory keeps the registry's storage in its memory instead of files
	// under Dir: a registry of 200,000 tags fills five times faster (see
	// PushTags), and its requests cost no file system calls.
	InMemory bool
	// Metrics serves the registry's own Prometheus metrics on a debug port
	// of its own, which HandlerRequests reads: requests by route, method
	// and status code, without a log line per request.
	Metrics bool
}

// Registry is a running Distribution registry process. Stop it when done;
// StartT does so at the end of the test.
type Registry struct {
	// Host is the registry's "127.0.0.1:PORT", the registry part of image
	// references.
	Host string
	// CAPEM is the PEM certificate of the CA that signed the serving
	// certificate when Options.TLS is set, and nil otherwise.
	CAPEM []byte
	// Username and Password are the credentials the registry accepts, empty
	// when it is anonymous.
	Username, Password string
	// Dir is the registry's storage root.
	Dir string
	// DebugHost is the "127.0.0.1:PORT" of the debug server (/metrics)
	// when Options.Metrics is set, and "" otherwise.
	DebugHost string

	root         string // temporary folder with config, certificates, htpasswd, log and Dir
	tmp          *testenv.TempDir
	enableDelete bool
	transport    http.RoundTripper
	proc         *regProcess

	stopOnce sync.Once
	stopErr  error
}

// startAttempts bounds retries when another process takes the free port
// between our probe and the registry's bind.
const startAttempts = 3

// Start builds or finds the registry binary (see Binary), starts it on a free
// 127.0.0.1 port with the given options and returns once GET /v2/ answers.
// ctx bounds only building and starting: the registry runs until Stop. On
// failure the error includes the end of the registry's log.
func Start(ctx context.Context, opts Options) (*Registry, error) {
	bin, err := Binary(ctx)
	if err != nil {
		return nil, fmt.Errorf("registry binary: %w", err)
	}
	for attempt := 1; ; attempt++ {
		r, err := start(ctx, bin, opts)
		if err == nil || !errors.Is(err, errAddrInUse) || attempt == startAttempts {
			return r, err
		}
	}
}

func start(ctx context.Context, bin string, opts Options) (*Registry, error) {
	tmp, err := testenv.NewTempDir("imagepin-registry-")
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	root := tmp.Path
	r := &Registry{
		tmp:          tmp,
		Username:     opts.Username,
		Password:     opts.Password,
		Dir:          filepath.Join(root, "storage"),
		root:         root,
		enableDelete: opts.EnableDelete,
	}
	if err := r.launch(ctx, bin, opts); err != nil {
		if stopErr := r.Stop(); stopErr != nil {
			err = errors.Join(err, stopErr)
		}
		return nil, err
	}
	return r, nil
}

// launch prepares the registry's files, starts the process and waits for it.
func (r *Registry) launch(ctx context.Context, bin string, opts Options) error {
	port, err := testenv.FreePort()
	if err != nil {
		return err
	}
	r.Host = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	var certs *serverCerts
	if opts.TLS {
		if certs, err = newServerCerts(); err != nil {
			return err
		}
		r.CAPEM = certs.caPEM
	}
	if r.transport, err = newTransport(r.CAPEM); err != nil {
		return err
	}
	if opts.Metrics {
		debugPort, err := testenv.FreePort()
		if err != nil {
			return err
		}
		r.DebugHost = net.JoinHostPort("127.0.0.1", strconv.Itoa(debugPort))
	}
	cfg := config{Addr: r.Host, Secret: newSecret(), StorageDir: r.Dir, EnableDelete: opts.EnableDelete,
		AccessLog: opts.AccessLog, NotifyURL: opts.NotifyURL, DebugAddr: r.DebugHost, InMemory: opts.InMemory}
	configPath, err := writeFiles(r.root, cfg, certs, opts.Username, opts.Password)
	if err != nil {
		return err
	}
	if r.proc, err = startProcess(bin, configPath, filepath.Join(r.root, "registry.log")); err != nil {
		return err
	}
	if err := r.waitReady(ctx); err != nil {
		return fmt.Errorf("registry on %s not ready: %w\n%s", r.Host, err, r.proc.logTail())
	}
	return nil
}

// newTransport returns an HTTP transport that, when caPEM is given, trusts
// only that CA: a registry's CA is private to its test.
func newTransport(caPEM []byte) (http.RoundTripper, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	if caPEM != nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, errors.New("registry CA: no certificate in PEM")
		}
		t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return t, nil
}

// Stop terminates the registry (SIGTERM, then SIGKILL after a grace period)
// and removes its temporary folder, storage included. It is safe to call more
// than once; later calls return the first call's result.
func (r *Registry) Stop() error {
	r.stopOnce.Do(func() {
		var errs []error
		if r.proc != nil {
			errs = append(errs, r.proc.stop())
		}
		if err := r.tmp.Remove(); err != nil {
			errs = append(errs, fmt.Errorf("remove registry temp dir: %w", err))
		}
		r.stopErr = errors.Join(errs...)
	})
	return r.stopErr
}

// Transport returns an HTTP transport for talking to the registry: it trusts
// CAPEM when the registry serves TLS. It carries no credentials.
func (r *Registry) Transport() http.RoundTripper {
	return r.transport
}

// Repo returns the full repository name of name in this registry,
// "127.0.0.1:PORT/name".
func (r *Registry) Repo(name string) string {
	return r.Host + "/" + name
}

// baseURL returns the scheme and host of the registry's API.
func (r *Registry) baseURL() string {
	if r.CAPEM != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}
