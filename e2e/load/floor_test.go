package load

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	admissionregv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/imagepin/imagepin/internal/testenv/fixtures"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// The floor is what any mutating webhook costs a Pod create here: a
// webhook configured like imagepin's enabled one (same rules,
// matchConditions, reinvocation and failure policy) whose server answers
// at once with the patch imagepin would send, without decoding the review.
// The ratio floor/plain is the part of imagepin's ratio that no handler
// can remove; enabled/floor is imagepin's own.
const (
	floorLabel       = "imagepin-load.dev/floor"
	floorWebhookName = "floor.pods.imagepin-load.dev"
	floorPath        = "/floor"
)

// floorServer answers AdmissionReviews of the direct Pods from
// precomputed responses.
type floorServer struct {
	// patches[n] is the base64 JSON patch of a Pod with n containers.
	patches []string
}

// newFloorServer precomputes the patches of Pods whose container i runs
// the i-th governed image: its pinned image, and the original-images
// annotation.
func newFloorServer(f *fleet) (*floorServer, error) {
	s := &floorServer{patches: make([]string, 11)}
	for n := 1; n < len(s.patches); n++ {
		var ops []map[string]any
		originals := map[string]string{}
		for i := range n {
			name := fmt.Sprintf("c%d", i)
			originals[name] = f.governed[i]
			ops = append(ops, map[string]any{"op": "replace", "path": fmt.Sprintf("/spec/containers/%d/image", i), "value": f.pinned[i]})
		}
		annotation, err := json.Marshal(originals)
		if err != nil {
			return nil, err
		}
		ops = append(ops, map[string]any{"op": "add", "path": "/metadata/annotations",
			"value": map[string]string{v1alpha1.OriginalImagesAnnotation: string(annotation)}})
		patch, err := json.Marshal(ops)
		if err != nil {
			return nil, err
		}
		s.patches[n] = base64.StdEncoding.EncodeToString(patch)
	}
	return s, nil
}

// ServeHTTP finds the request's uid and its number of containers by
// scanning, not decoding, and writes the prepared answer.
func (s *floorServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	uid := ""
	if _, rest, ok := bytes.Cut(body, []byte(`"uid":"`)); ok {
		if v, _, ok := bytes.Cut(rest, []byte(`"`)); ok {
			uid = string(v)
		}
	}
	n := bytes.Count(body, []byte(`"image":"`))
	patch := ""
	if n > 0 && n < len(s.patches) {
		patch = fmt.Sprintf(`,"patchType":"JSONPatch","patch":%q`, s.patches[n])
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":%q,"allowed":true%s}}`, uid, patch)
}

// serveTLS serves h on a free port of 127.0.0.1 with the certificate that
// the API server trusts for webhooks.
func (f *fleet) serveTLS(h http.Handler) (*httptest.Server, error) {
	dir := f.cp.Webhook.CertDir
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key"))
	if err != nil {
		return nil, err
	}
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	return srv, nil
}

// startFloor serves the floor webhook in the test process, with the
// control plane's webhook certificate, and registers it for the floor
// namespace.
func (f *fleet) startFloor(b *testing.B) error {
	fs, err := newFloorServer(f)
	if err != nil {
		return err
	}
	srv, err := f.serveTLS(fs)
	if err != nil {
		return err
	}
	b.Cleanup(srv.Close)
	var wh admissionregv1.MutatingWebhook
	for _, w := range fixtures.MutatingWebhook().Webhooks {
		if w.Name == fixtures.EnabledPodsWebhook {
			wh = w
		}
	}
	url := srv.URL + floorPath
	wh.Name = floorWebhookName
	wh.ClientConfig = admissionregv1.WebhookClientConfig{URL: &url, CABundle: f.cp.Webhook.CAPEM}
	wh.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{floorLabel: "true"}}
	return f.cl.Create(b.Context(), &admissionregv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "imagepin-load-floor"},
		Webhooks:   []admissionregv1.MutatingWebhook{wh},
	})
}
