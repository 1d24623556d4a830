package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/governing"
	"github.com/imagepin/imagepin/workload"
)

// PodHandler is the mutating admission handler that pins the container
// images of Pods. Serve it at MutatePodsPath:
//
//	srv.Register(MutatePodsPath, &admission.Webhook{Handler: h})
//
// It is safe for concurrent use.
type PodHandler struct {
	own       string
	cache     client.Reader
	policies  PolicyLookup
	revisions RevisionLookup
	digests   DigestResolver
	opts      *options
	metrics   *metrics
}

var _ admission.Handler = (*PodHandler)(nil)

// NewPodHandler returns a handler that never touches Pods of namespace
// (imagepin's own) or of the Kubernetes system namespaces. cache serves
// Namespaces, ImagePolicies and revision objects from memory (the
// manager's cache, with governing.IndexPolicies registered and the
// informers of workload.StartInformers); digests resolves the tags that no
// policy governs.
func NewPodHandler(namespace string, cache client.Reader, digests DigestResolver, opts ...Option) (*PodHandler, error) {
	if cache == nil || digests == nil {
		return nil, errors.New("pod handler needs a cache and a digest resolver")
	}
	o, err := makeOptions(opts...)
	if err != nil {
		return nil, fmt.Errorf("pod handler options: %w", err)
	}
	m, err := newMetrics(o.registerer)
	if err != nil {
		return nil, fmt.Errorf("register admission metrics: %w", err)
	}
	h := &PodHandler{own: namespace, cache: cache, policies: o.policies, revisions: o.revisions, digests: digests, opts: o, metrics: m}
	if h.policies == nil {
		h.policies = governing.NewPolicies(cache)
	}
	if h.revisions == nil {
		h.revisions = workload.NewRevisions(cache)
	}
	return h, nil
}

// Handle implements admission.Handler.
func (h *PodHandler) Handle(ctx context.Context, req admission.Request) admission.Response {
	start := time.Now()
	resp, result := h.handle(ctx, req)
	h.metrics.observe(result, time.Since(start))
	log := logf.FromContext(ctx).WithValues("result", result, "warnings", len(resp.Warnings))
	if result == ResultDenied || result == ResultError {
		log.Info("Pod not admitted as submitted", "reason", message(resp))
	} else {
		log.V(1).Info("Pod admitted")
	}
	return resp
}

// handle answers req and names the result for the metrics.
func (h *PodHandler) handle(ctx context.Context, req admission.Request) (admission.Response, string) {
	if req.Kind.Kind == "" {
		return admission.Errored(http.StatusBadRequest, errors.New("admission request is empty or names no kind")), ResultError
	}
	if reason := h.ignored(req); reason != "" {
		return admission.Allowed(oneLine(reason)), ResultUnchanged
	}
	pod, old, err := decodeRequest(req)
	if err != nil {
		return admission.Errored(http.StatusBadRequest, err), ResultError
	}
	if pod.Metadata.Labels[v1alpha1.PinningLabel] == v1alpha1.PinningDisabled {
		return admission.Allowed("Pod is labelled " + v1alpha1.PinningLabel + "=" + v1alpha1.PinningDisabled), ResultUnchanged
	}
	mode, err := h.mode(ctx, req.Namespace)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err), ResultError
	}
	if mode == "" {
		return admission.Allowed("namespace " + req.Namespace + " does not opt in to pinning"), ResultUnchanged
	}
	ts := targets(pod, old, req.SubResource)
	if len(ts) == 0 {
		return admission.Allowed("no new images"), ResultUnchanged
	}
	return h.respond(ctx, req, mode, pod, old, h.decide(ctx, req.Namespace, mode, pod, ts), ts)
}

// ignored returns why req is admitted without a look at its object, or "".
func (h *PodHandler) ignored(req admission.Request) string {
	switch {
	case !isPod(req):
		return fmt.Sprintf("imagepin pins Pods only, not %s", strings.TrimPrefix(req.Kind.Group+"/"+req.Kind.Version+" "+req.Kind.Kind, "/"))
	case !relevant(req):
		return strings.TrimSuffix(fmt.Sprintf("nothing to pin on %s of pods/%s", req.Operation, req.SubResource), " of pods/")
	case req.Namespace != "" && h.exempt(req.Namespace):
		return "namespace " + req.Namespace + " is never mutated"
	}
	return ""
}

// decodeRequest reads the Pod of req and, on UPDATE, the Pod before it.
func decodeRequest(req admission.Request) (pod, old *podView, err error) {
	if req.Namespace == "" {
		return nil, nil, errors.New("request names no namespace")
	}
	if pod, err = decodePod(req.Object.Raw, "object"); err != nil {
		return nil, nil, err
	}
	if req.Operation == admissionv1.Update {
		if old, err = decodePod(req.OldObject.Raw, "oldObject"); err != nil {
			return nil, nil, err
		}
	}
	return pod, old, nil
}

// message is the status message of resp, for logs.
func message(resp admission.Response) string {
	if resp.Result == nil {
		return ""
	}
	return resp.Result.Message
}
