package load

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/imagepin/imagepin/internal/testenv/fixtures"
)

// reviewSize is the size of one Pod's AdmissionReview exchange as it
// crossed the wire between the API server and imagepin.
type reviewSize struct {
	shape             podShape
	request, response int // bodies in bytes
	object            int // request.object
	patchOps, patch   int // operations and bytes of the decoded JSON patch
}

// exchange is one request and response body that went through the proxy.
type exchange struct{ req, resp []byte }

// sizeProxy is a TLS reverse proxy in front of imagepin's webhook server
// that keeps the bodies. It is in the path only while sizes are measured:
// an extra hop would distort the latencies.
type sizeProxy struct {
	mu   sync.Mutex
	seen []exchange
}

func (p *sizeProxy) last() (exchange, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.seen) == 0 {
		return exchange{}, 0
	}
	return p.seen[len(p.seen)-1], len(p.seen)
}

type recordingWriter struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

// start serves the proxy with the control plane's webhook certificate.
func (p *sizeProxy) start(f *fleet) (*httptest.Server, error) {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(f.cp.Webhook.CAPEM)
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "https", Host: f.mgr.WebhookAddr})
	rp.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	return f.serveTLS(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &recordingWriter{ResponseWriter: w}
		rp.ServeHTTP(rec, r)
		p.mu.Lock()
		p.seen = append(p.seen, exchange{req: body, resp: rec.body.Bytes()})
		p.mu.Unlock()
	}))
}

// measureReviewSizes routes the enabled webhook through a sizeProxy,
// creates one Pod of each shape, and routes it back.
func (f *fleet) measureReviewSizes(ctx context.Context) ([]reviewSize, error) {
	p := &sizeProxy{}
	srv, err := p.start(f)
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	proxyAddr := strings.TrimPrefix(srv.URL, "https://")
	if err := f.routeWebhook(ctx, f.mgr.WebhookAddr, proxyAddr); err != nil {
		return nil, err
	}
	sizes, err := f.sizesThrough(ctx, p)
	if err2 := f.routeWebhook(ctx, proxyAddr, f.mgr.WebhookAddr); err == nil {
		err = err2
	}
	if err2 := f.waitBypassed(ctx, p); err == nil {
		err = err2
	}
	if err2 := f.deletePods(ctx, nsDirectEnabled); err == nil {
		err = err2
	}
	return sizes, err
}

// waitBypassed waits until a Pod is created without a call through the
// proxy: the API server calls imagepin directly again.
func (f *fleet) waitBypassed(ctx context.Context, p *sizeProxy) error {
	probe := 0
	return wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		probe++
		_, before := p.last()
		_, err := f.createPods(ctx, nsDirectEnabled, fmt.Sprintf("size-back-%d", probe), podShapes()[0], 1, 1)
		_, after := p.last()
		return after == before, err
	})
}

func (f *fleet) sizesThrough(ctx context.Context, p *sizeProxy) ([]reviewSize, error) {
	probe := 0
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		probe++
		_, err := f.createPods(ctx, nsDirectEnabled, fmt.Sprintf("size-probe-%d", probe), podShapes()[0], 1, 1)
		_, n := p.last()
		return n > 0, err
	})
	if err != nil {
		return nil, fmt.Errorf("the API server did not call the proxy: %w", err)
	}
	var sizes []reviewSize
	for _, shape := range podShapes() {
		_, before := p.last()
		if _, err := f.createPods(ctx, nsDirectEnabled, "size-"+shape.name, shape, 1, 1); err != nil {
			return nil, err
		}
		ex, after := p.last()
		if after != before+1 {
			return nil, fmt.Errorf("%s: the proxy saw %d requests, want 1", shape.name, after-before)
		}
		s, err := f.sizeOf(ex, shape)
		if err != nil {
			return nil, err
		}
		sizes = append(sizes, s)
	}
	return sizes, nil
}

// sizeOf measures one exchange and keeps its bodies in the output folder.
func (f *fleet) sizeOf(ex exchange, shape podShape) (reviewSize, error) {
	s := reviewSize{shape: shape, request: len(ex.req), response: len(ex.resp)}
	var req, resp admissionv1.AdmissionReview
	if err := json.Unmarshal(ex.req, &req); err != nil || req.Request == nil {
		return s, fmt.Errorf("request of %s is no AdmissionReview: %v", shape.name, err)
	}
	if err := json.Unmarshal(ex.resp, &resp); err != nil || resp.Response == nil {
		return s, fmt.Errorf("response of %s is no AdmissionReview: %v", shape.name, err)
	}
	s.object = len(req.Request.Object.Raw)
	s.patch = len(resp.Response.Patch)
	var ops []json.RawMessage
	if err := json.Unmarshal(resp.Response.Patch, &ops); err != nil {
		return s, fmt.Errorf("patch of %s: %w", shape.name, err)
	}
	s.patchOps = len(ops)
	for suffix, body := range map[string][]byte{"request": ex.req, "response": ex.resp} {
		name := filepath.Join(f.out, fmt.Sprintf("review-%s-%s.json", shape.name, suffix))
		if err := os.WriteFile(name, body, 0o644); err != nil {
			return s, err
		}
	}
	return s, nil
}

// routeWebhook points the enabled Pod webhook from one address to another.
// The API server takes the change up within a moment: the callers wait for
// its effect.
func (f *fleet) routeWebhook(ctx context.Context, from, to string) error {
	var cfg admissionregv1.MutatingWebhookConfiguration
	if err := f.cl.Get(ctx, client.ObjectKey{Name: "imagepin"}, &cfg); err != nil {
		return err
	}
	for i := range cfg.Webhooks {
		w := &cfg.Webhooks[i]
		if w.Name == fixtures.EnabledPodsWebhook && w.ClientConfig.URL != nil {
			u := strings.Replace(*w.ClientConfig.URL, "//"+from+"/", "//"+to+"/", 1)
			w.ClientConfig.URL = &u
		}
	}
	return f.cl.Update(ctx, &cfg)
}
