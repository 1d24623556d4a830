package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/imagepin/imagepin/internal/testenv"
)

// TestManagerWatchesSecretsOnce runs `imagepin manager` against a real API
// server through a proxy that counts its watches: the scanner and
// write-back share one metadata cache, so the manager holds one watch of
// Secrets across the cluster, not one per controller. It looks once both
// controllers have started, that is once their Secret watches have synced.
func TestManagerWatchesSecretsOnce(t *testing.T) {
	cp := controlPlane.Get(t)
	own := newNamespace(t, newTestClient(t, cp), nil)
	watches := &watchCounter{open: map[string]int{}, most: map[string]int{}}
	kubeconfig := proxyKubeconfig(t, cp.Config, watches)
	probe := testenv.FreeAddrT(t)
	m := startImagepin(t, probe, "manager", "--kubeconfig", kubeconfig, "--namespace", own,
		"--webhook-bind-address", fmt.Sprintf("%s:%d", cp.Webhook.Host, cp.Webhook.Port),
		"--cert-mode", "external", "--cert-dir", cp.Webhook.CertDir,
		"--metrics-bind-address", "0", "--health-probe-bind-address", probe, "--leader-elect=false",
		"--receiver-bind-address", "0")
	err := wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		started, err := m.LogLines("Starting workers")
		log := strings.Join(started, "\n")
		return workersStarted(log, "imagepolicy-scanner") && workersStarted(log, "imagepolicy-writeback"), err
	})
	if err != nil {
		t.Fatalf("scanner and write-back did not start: %v\n%s", err, m.LogTail())
	}
	time.Sleep(time.Second) // a watch that a second cache would open after its list
	most := watches.max()
	t.Logf("most watches open at once, by collection: %v", most)
	if got := most["/api/v1/secrets"]; got != 1 {
		t.Errorf("manager opened %d watches of Secrets at once, want 1", got)
	}
	if got := most["/api/v1/serviceaccounts"]; got != 1 {
		t.Errorf("manager opened %d watches of ServiceAccounts at once, want 1", got)
	}
}

// workersStarted reports whether log says that controller started its
// workers, which it does once its sources have synced.
func workersStarted(log, controller string) bool {
	for line := range strings.SplitSeq(log, "\n") {
		if strings.Contains(line, "Starting workers") && strings.Contains(line, `"`+controller+`"`) {
			return true
		}
	}
	return false
}

// watchCounter counts the watches open through a proxy, by the path of
// the collection watched.
type watchCounter struct {
	mu   sync.Mutex
	open map[string]int
	most map[string]int
}

// track counts r while it is served, if it is a watch.
func (w *watchCounter) track(r *http.Request) func() {
	q := r.URL.Query().Get("watch")
	if r.Method != http.MethodGet || (q != "true" && q != "1") {
		return func() {}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.open[r.URL.Path]++
	w.most[r.URL.Path] = max(w.most[r.URL.Path], w.open[r.URL.Path])
	return func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.open[r.URL.Path]--
	}
}

func (w *watchCounter) max() map[string]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string]int{}
	for k, v := range w.most {
		out[k] = v
	}
	return out
}

// proxyKubeconfig serves a proxy to the API server of cfg on 127.0.0.1,
// which counts watches in w, and returns the path of a kubeconfig for it.
func proxyKubeconfig(t *testing.T, cfg *rest.Config, w *watchCounter) string {
	t.Helper()
	transport, err := rest.TransportFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	target, err := url.Parse(cfg.Host)
	if err != nil {
		t.Fatal(err)
	}
	proxy := &httputil.ReverseProxy{
		Rewrite:       func(r *httputil.ProxyRequest) { r.SetURL(target) },
		Transport:     transport,
		FlushInterval: -1, // watch events as they come
	}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		defer w.track(r)()
		proxy.ServeHTTP(rw, r)
	}))
	t.Cleanup(srv.Close)
	kc := clientcmdapi.NewConfig()
	kc.Clusters["proxy"] = &clientcmdapi.Cluster{Server: srv.URL}
	kc.AuthInfos["proxy"] = &clientcmdapi.AuthInfo{}
	kc.Contexts["proxy"] = &clientcmdapi.Context{Cluster: "proxy", AuthInfo: "proxy"}
	kc.CurrentContext = "proxy"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	return path
}
