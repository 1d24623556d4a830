package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/governing"
	"github.com/imagepin/imagepin/resolver"
	"github.com/imagepin/imagepin/workload"
)

// PodHandler is the mutating admission handler that pins the container
// images of Pods. Serve it with SetupWithManager, or with Register alone,
// which serves one path per namespace mode (MutatePodsEnabledPath,
// MutatePodsStrictPath) and MutatePodsPath, where the mode is read from the
// Namespace's label.
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
	secrets   *pullSecrets
	tags      *tagCache
}

var _ admission.Handler = (*PodHandler)(nil)

// NewPodHandler returns a handler that never touches Pods of namespace
// (imagepin's own) or of the Kubernetes system namespaces. cache serves
// Namespaces, ImagePolicies and revision objects from memory (the
// manager's cache, whose ImagePolicy informer then feeds a governing.Memory,
// with the informers SetupWithManager starts; a reader that hands out no
// informers needs governing.IndexPolicies registered); digests resolves the
// tags that no policy governs.
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
	h := &PodHandler{own: namespace, cache: cache, policies: o.policies, revisions: o.revisions, digests: digests, opts: o, metrics: m,
		tags: newTagCache()}
	if h.policies == nil {
		if h.policies, err = defaultPolicies(cache); err != nil {
			return nil, err
		}
	}
	if h.revisions == nil {
		h.revisions = workload.NewRevisions(cache)
	}
	secretReader := o.secretReader
	if secretReader == nil {
		secretReader = o.apiReader
	}
	h.secrets = newPullSecrets(secretReader, o.secretTTL)
	return h, nil
}

// defaultPolicies returns the policy lookup over cache: kept in memory from
// the informer's events when cache hands out informers (the manager's
// cache does), else a List of the indexed cache per image.
func defaultPolicies(cache client.Reader) (PolicyLookup, error) {
	source, ok := cache.(governing.InformerSource)
	if !ok {
		return governing.NewPolicies(cache), nil
	}
	m, err := governing.NewMemory(context.Background(), source)
	if err != nil {
		return nil, fmt.Errorf("watch ImagePolicies: %w", err)
	}
	return m, nil
}

// Server is where Register serves the handler: controller-runtime's
// webhook.Server.
type Server interface {
	Register(path string, hook http.Handler)
}

// Register serves h on srv at MutatePodsEnabledPath, MutatePodsStrictPath
// and MutatePodsPath.
func (h *PodHandler) Register(srv Server) {
	for _, mode := range []string{v1alpha1.PinningEnabled, v1alpha1.PinningStrict, ""} {
		srv.Register(MutatePodsPathFor(mode), reviewHandler{h: h, mode: mode, slow: &admission.Webhook{
			Handler: h.ForMode(mode), LogConstructor: func(base logr.Logger, _ *admission.Request) logr.Logger { return base }}})
	}
}

// ForMode returns the handler of the webhook that the API server calls for
// namespaces labelled mode (v1alpha1.PinningEnabled or PinningStrict), to
// serve at MutatePodsPathFor(mode). It takes the mode from the path and
// never reads the Namespace, so it knows how to fail even when imagepin
// cannot read it: the API server has already matched the namespace against
// the webhook's namespaceSelector. For any other mode it returns h, which
// reads the mode from the Namespace's label.
func (h *PodHandler) ForMode(mode string) admission.Handler {
	if mode != v1alpha1.PinningEnabled && mode != v1alpha1.PinningStrict {
		return h
	}
	return modeHandler{h: h, mode: mode}
}

// modeHandler is a PodHandler that knows the namespace's mode.
type modeHandler struct {
	h    *PodHandler
	mode string
}

// Handle implements admission.Handler.
func (m modeHandler) Handle(ctx context.Context, req admission.Request) admission.Response {
	return m.h.serveRaw(ctx, req, m.mode)
}

// Handle implements admission.Handler for MutatePodsPath: it reads the mode
// from the label of the Pod's Namespace.
func (h *PodHandler) Handle(ctx context.Context, req admission.Request) admission.Response {
	return h.serveRaw(ctx, req, "")
}

// serveWith answers req, whose Pods decode returns, counts and logs the
// answer. mode is the namespace's mode, or "" when it must be read from the
// Namespace.
func (h *PodHandler) serveWith(ctx context.Context, req admission.Request, mode string, decode decoder) admission.Response {
	start := time.Now()
	resp, result := h.handle(ctx, req, mode, decode)
	h.metrics.observe(result, time.Since(start))
	log := logf.FromContext(ctx)
	switch {
	case !resp.Allowed:
		log.Info("Pod not admitted as submitted", "result", result, "reason", message(resp), "request", requestLog(req))
	case result == ResultError:
		log.Info("Pod admitted as submitted despite an error", "result", result, "warnings", resp.Warnings, "request", requestLog(req))
	default:
		// Checked first: building the key-value list costs more than the
		// rest of a governed admission's bookkeeping.
		if debug := log.V(1); debug.Enabled() {
			debug.Info("Pod admitted", "result", result, "warnings", len(resp.Warnings))
		}
	}
	return resp
}

// requestLog names req in a log line: the fast path puts no request in the
// context's logger, and the controller-runtime Webhook is told not to.
func requestLog(req admission.Request) map[string]string {
	return map[string]string{"namespace": req.Namespace, "name": req.Name, "uid": string(req.UID), "user": req.UserInfo.Username}
}

// handle answers req and names the result for the metrics.
func (h *PodHandler) handle(ctx context.Context, req admission.Request, mode string, decode decoder) (admission.Response, string) {
	if req.Kind.Kind == "" {
		return unhandled(mode, http.StatusBadRequest, errors.New("admission request is empty or names no kind"))
	}
	if reason := h.ignored(req); reason != "" {
		return admission.Allowed(oneLine(reason)), ResultUnchanged
	}
	pod, old, err := decode()
	if err != nil {
		return unhandled(mode, http.StatusBadRequest, err)
	}
	if pod.Metadata.Labels[v1alpha1.PinningLabel] == v1alpha1.PinningDisabled {
		return admission.Allowed("Pod is labelled " + v1alpha1.PinningLabel + "=" + v1alpha1.PinningDisabled), ResultUnchanged
	}
	if mode == "" {
		if mode, err = h.mode(ctx, req.Namespace); err != nil {
			return unhandled("", http.StatusInternalServerError, err)
		}
		if mode == "" {
			return admission.Allowed("namespace " + req.Namespace + " does not opt in to pinning"), ResultUnchanged
		}
	}
	ts := targets(pod, old, req.SubResource)
	if len(ts) == 0 {
		return admission.Allowed("no new images"), ResultUnchanged
	}
	// Registry lookups count against the namespace's share, so that one
	// namespace cannot take the lookup slots of all the others.
	ctx = resolver.ContextWithTenant(ctx, req.Namespace)
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
