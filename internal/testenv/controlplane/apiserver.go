package controlplane

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/internal/testenv"
	"github.com/imagepin/imagepin/internal/testenv/process"
)

const (
	// servingPoll is how often a starting etcd or kube-apiserver is asked
	// whether it is ready: they are the critical path of every start.
	servingPoll = 50 * time.Millisecond
	// serveAttempts bounds the starts of etcd and kube-apiserver when
	// another process took a free port before they bound it.
	serveAttempts = 3
)

// errAddrInUse marks a component that could not bind its port.
var errAddrInUse = errors.New("address already in use")

// startServers runs etcd and kube-apiserver on free ports, as envtest
// would, but through the harness's runner: they die with a parent killed
// by SIGKILL. It returns once the API server is ready and has the default
// namespace; c.Config is then its administrator.
func (c *ControlPlane) startServers(ctx context.Context, assets string) error {
	for attempt := 1; ; attempt++ {
		err := c.startEtcdAndAPIServer(ctx, assets)
		if err == nil || !errors.Is(err, errAddrInUse) || attempt == serveAttempts {
			return err
		}
		if err := c.stopServers(); err != nil {
			return err
		}
	}
}

func (c *ControlPlane) startEtcdAndAPIServer(ctx context.Context, assets string) error {
	etcdURL, err := c.startEtcd(ctx, assets)
	if err != nil {
		return err
	}
	return c.startAPIServer(ctx, assets, etcdURL)
}

// startEtcd runs etcd with envtest's flags and waits for its /health.
func (c *ControlPlane) startEtcd(ctx context.Context, assets string) (string, error) {
	clientPort, err := testenv.FreePort()
	if err != nil {
		return "", err
	}
	peerPort, err := testenv.FreePort()
	if err != nil {
		return "", err
	}
	url := "http://127.0.0.1:" + strconv.Itoa(clientPort)
	data := filepath.Join(c.dir.Path, "etcd")
	if err := os.RemoveAll(data); err != nil { // of a failed attempt
		return "", err
	}
	args := []string{
		"--data-dir=" + data,
		"--listen-client-urls=" + url,
		"--advertise-client-urls=" + url,
		"--listen-peer-urls=http://127.0.0.1:" + strconv.Itoa(peerPort),
		// The data dies with the control plane: no need to survive a crash.
		"--unsafe-no-fsync=true",
	}
	if c.etcd, err = startProcess(filepath.Join(assets, "etcd"), args, nil, c.logPath("etcd")); err != nil {
		return "", fmt.Errorf("start etcd: %w", err)
	}
	hc := &http.Client{Timeout: 2 * time.Second}
	return url, waitServing(ctx, c.etcd, "etcd", hc, url+"/health")
}

// startAPIServer runs kube-apiserver with envtest's flags -- client
// certificates, RBAC, ServiceAccount tokens signed by our key -- and waits
// until /readyz answers and the default namespace exists.
func (c *ControlPlane) startAPIServer(ctx context.Context, assets, etcdURL string) error {
	files, err := c.pki.writeAPIServerFiles(filepath.Join(c.dir.Path, "apiserver"))
	if err != nil {
		return err
	}
	c.files = files
	port, err := testenv.FreePort()
	if err != nil {
		return err
	}
	c.host = "https://127.0.0.1:" + strconv.Itoa(port) + "/"
	if c.apiserver, err = startProcess(filepath.Join(assets, "kube-apiserver"), apiServerArgs(files, port, etcdURL, c.host), nil, c.logPath("kube-apiserver")); err != nil {
		return fmt.Errorf("start kube-apiserver: %w", err)
	}
	cfg, err := c.userConfig("admin", "system:masters")
	if err != nil {
		return err
	}
	// As envtest's: tests create many objects quickly.
	cfg.QPS, cfg.Burst = 1000, 2000
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return fmt.Errorf("API server client: %w", err)
	}
	if err := waitServing(ctx, c.apiserver, "kube-apiserver", hc, strings.TrimSuffix(c.host, "/")+"/readyz"); err != nil {
		return err
	}
	c.Config = cfg
	return c.waitDefaultNamespace(ctx)
}

func apiServerArgs(f apiServerFiles, port int, etcdURL, host string) []string {
	return []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--cert-dir=" + f.dir,
		"--tls-cert-file=" + f.cert,
		"--tls-private-key-file=" + f.key,
		"--client-ca-file=" + f.clientCA,
		"--authorization-mode=RBAC",
		"--service-cluster-ip-range=10.0.0.0/24",
		"--allow-privileged=true",
		"--disable-admission-plugins=ServiceAccount",
		"--service-account-issuer=" + host,
		"--service-account-key-file=" + f.saCert,
		"--service-account-signing-key-file=" + f.saKey,
	}
}

// waitServing polls url until it answers 200; it fails when p exits, ctx
// ends or startTimeout passes.
func waitServing(ctx context.Context, p *process.Process, name string, hc *http.Client, url string) error {
	last := "no answer"
	err := wait.PollUntilContextTimeout(ctx, servingPoll, startTimeout, true, func(ctx context.Context) (bool, error) {
		if err := p.Exited(); err != nil {
			return false, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false, err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return false, nil // not listening yet
		}
		resp.Body.Close()
		last = resp.Status
		return resp.StatusCode == http.StatusOK, nil
	})
	if err == nil {
		return nil
	}
	logTail := p.LogTail(logTailLines)
	if p.Exited() != nil && strings.Contains(logTail, "address already in use") {
		err = fmt.Errorf("%w: %w", errAddrInUse, err)
	}
	return fmt.Errorf("%s not ready (GET %s: %s): %w\n%s log:\n%s", name, url, last, err, name, logTail)
}

// waitDefaultNamespace waits until the API server has created the default
// namespace, as envtest does before it returns.
func (c *ControlPlane) waitDefaultNamespace(ctx context.Context) error {
	cl, err := client.New(c.Config, client.Options{})
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	err = wait.PollUntilContextTimeout(ctx, servingPoll, startTimeout, true, func(ctx context.Context) (bool, error) {
		return cl.Get(ctx, client.ObjectKey{Name: metav1.NamespaceDefault}, &corev1.Namespace{}) == nil, nil
	})
	if err != nil {
		return fmt.Errorf("the default namespace: %w", err)
	}
	return nil
}

// stopServers ends kube-apiserver, then etcd.
func (c *ControlPlane) stopServers() error {
	var errs []error
	for _, p := range []*process.Process{c.apiserver, c.etcd} {
		if p != nil {
			errs = append(errs, stopProcess(p))
		}
	}
	c.apiserver, c.etcd = nil, nil
	return errors.Join(errs...)
}
