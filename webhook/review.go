package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// maxFastReview is the largest AdmissionReview the fast path reads; larger
// ones go to controller-runtime's Webhook, which reads up to 7 MiB.
const maxFastReview = 1 << 20

// reviewVersion is the AdmissionReview version the chart registers.
var reviewVersion = admissionv1.SchemeGroupVersion.String()

// reviewHandler serves one webhook path. An admission.k8s.io/v1
// AdmissionReview, the only version the chart's webhooks accept, is decoded
// in one pass into the request fields and the views of its Pods, instead
// of the generic decoding, a copy of each object and a second decoding of
// each. Whatever it does not take — another version, a body that is not
// JSON, a Pod that does not decode, a huge review — goes to slow, the
// controller-runtime Webhook over the same handler, which answers as it
// always has.
type reviewHandler struct {
	h    *PodHandler
	mode string
	slow http.Handler
}

// reviewView is the part of an AdmissionReview the fast path reads.
type reviewView struct {
	APIVersion string       `json:"apiVersion"`
	Kind       string       `json:"kind"`
	Request    *requestView `json:"request"`
}

// requestView is the part of an AdmissionRequest the handler reads, with
// the Pods decoded in place.
type requestView struct {
	UID         types.UID                   `json:"uid"`
	Kind        metav1.GroupVersionKind     `json:"kind"`
	Resource    metav1.GroupVersionResource `json:"resource"`
	SubResource string                      `json:"subResource"`
	Name        string                      `json:"name"`
	Namespace   string                      `json:"namespace"`
	Operation   admissionv1.Operation       `json:"operation"`
	UserInfo    struct {
		Username string `json:"username"`
	} `json:"userInfo"`
	Object    *podView `json:"object"`
	OldObject *podView `json:"oldObject"`
}

// ServeHTTP implements http.Handler.
func (rh reviewHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	review, body, ok := readReview(r)
	if !ok {
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
		rh.slow.ServeHTTP(w, r)
		return
	}
	rv := review.Request
	req := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{UID: rv.UID, Kind: rv.Kind,
		Resource: rv.Resource, SubResource: rv.SubResource, Name: rv.Name, Namespace: rv.Namespace, Operation: rv.Operation}}
	req.UserInfo.Username = rv.UserInfo.Username
	resp := rh.h.serveWith(r.Context(), req, rh.mode, rv.pods)
	if patch, ok := marshalPatch(resp.Patches); ok {
		resp.Patch, resp.Patches = patch, nil
	}
	if err := resp.Complete(req); err != nil {
		resp, _ = unhandled(rh.mode, http.StatusInternalServerError, err)
		_ = resp.Complete(req)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: reviewVersion, Kind: "AdmissionReview"},
		Response: &resp.AdmissionResponse,
	})
}

// readReview reads and decodes the review of r, and reports whether the
// fast path takes it. The body read so far is returned either way.
func readReview(r *http.Request) (*reviewView, []byte, bool) {
	if r.Body == nil || r.Header.Get("Content-Type") != "application/json" {
		return nil, nil, false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxFastReview+1))
	if err != nil || len(body) > maxFastReview {
		return nil, body, false
	}
	var review reviewView
	if err := utiljson.Unmarshal(body, &review); err != nil ||
		review.APIVersion != reviewVersion || review.Kind != "AdmissionReview" || review.Request == nil {
		return nil, body, false
	}
	return &review, body, true
}

// pods returns the decoded Pod and, on UPDATE, the Pod before it, with the
// errors decodeRequest gives for a request without them.
func (rv *requestView) pods() (pod, old *podView, err error) {
	switch {
	case rv.Namespace == "":
		return nil, nil, errors.New("request names no namespace")
	case rv.Object == nil:
		return nil, nil, errors.New("object is empty")
	case rv.Operation == admissionv1.Update && rv.OldObject == nil:
		return nil, nil, errors.New("oldObject is empty")
	}
	if rv.Operation != admissionv1.Update {
		return rv.Object, nil, nil
	}
	return rv.Object, rv.OldObject, nil
}

// decoder returns the Pods of a request, decoding them if need be.
type decoder func() (pod, old *podView, err error)

// serveRaw is serveWith for a request whose objects are raw JSON.
func (h *PodHandler) serveRaw(ctx context.Context, req admission.Request, mode string) admission.Response {
	return h.serveWith(ctx, req, mode, func() (*podView, *podView, error) { return decodeRequest(req) })
}
