package webhook

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"gomodules.xyz/jsonpatch/v2"
	admissionv1 "k8s.io/api/admission/v1"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/resolver"
)

// change is one container image the response replaces.
type change struct {
	target
	to     string
	source source
	policy string
	via    string // the revision whose image was kept, when not current
	note   string // a warning to add
}

// String is the admission warning that reports the change. When the image
// keeps its reference and gains a digest, only the digest is named: the API
// server cuts warnings to 256 characters each once a response's warnings
// pass 4,096, so short ones keep a Pod of 20 and more containers readable.
func (c change) String() string {
	why := "tag resolved in the registry"
	switch {
	case c.source == fromPolicy && c.via != "":
		why = "ImagePolicy " + c.policy + ", the image of " + c.via
	case c.source == fromPolicy:
		why = "ImagePolicy " + c.policy
	}
	head := "imagepin: container " + strconv.Quote(c.name) + ": image " + strconv.Quote(c.image) + " pinned to "
	if digest, ok := strings.CutPrefix(c.to, c.image+"@"); ok {
		return head + "digest " + digest + " (" + why + ")"
	}
	return head + strconv.Quote(c.to) + " (" + why + ")"
}

// problem is one container image that cannot be pinned.
type problem struct {
	target
	err error
}

// String names the container, the image and the reason.
func (p problem) String() string {
	return fmt.Sprintf("container %q: image %q: %s", p.name, p.image, reason(p.err))
}

// reason is err's text for a warning or a denial. A registry's error is
// reduced to its Reason (status code and kind): a Pod's author must not be
// able to make imagepin repeat what any server sends, nor make a warning
// that no HTTP header can carry.
func reason(err error) string {
	msg := err.Error()
	var re *resolver.Error
	if !errors.As(err, &re) {
		return msg
	}
	if full := re.Error(); strings.Contains(msg, full) {
		return strings.Replace(msg, full, re.Reason(), 1)
	}
	return re.Reason()
}

// respond turns the outcomes of the images of ts into the admission
// response: a denial in strict namespaces when an image cannot be pinned,
// otherwise a patch of the raw object with a warning for every change.
func (h *PodHandler) respond(ctx context.Context, req admission.Request, mode string, pod, old *podView,
	outcomes map[string]outcome, ts []target) (admission.Response, string) {
	changes, problems := split(ctx, ts, outcomes)
	if len(problems) > 0 && mode == v1alpha1.PinningStrict {
		return admission.Denied(denial(req.Namespace, problems)), ResultDenied
	}
	warnings := make([]string, 0, len(changes)+len(problems))
	for _, p := range problems {
		warnings = append(warnings, oneLine("imagepin: left unpinned: "+p.String()))
	}
	for _, c := range changes {
		if c.note != "" {
			warnings = append(warnings, oneLine("imagepin: container "+strconv.Quote(c.name)+": "+c.note))
		}
		warnings = append(warnings, oneLine(c.String()))
	}
	if len(changes) == 0 {
		return admission.Allowed("").WithWarnings(warnings...), ResultUnchanged
	}
	annotation := ""
	if req.SubResource == "" {
		// The ephemeralcontainers subresource keeps the old metadata: an
		// annotation patch there would be dropped, so the warning must do.
		annotation = originalImages(pod, old, changes)
	}
	return patched(buildPatch(pod, changes, annotation), warnings), resultOf(changes)
}

// unhandled answers a request that imagepin could not handle: a malformed
// request, an unreadable Namespace, a failed patch. Enabled means "pin what
// you can", so there imagepin's own errors admit the Pod as submitted with
// a warning, as an unreachable imagepin does (failurePolicy Ignore). Strict
// namespaces, and requests whose mode is unknown, get the error, which the
// API server reports as a refusal.
func unhandled(mode string, code int32, err error) (admission.Response, string) {
	if mode == v1alpha1.PinningEnabled {
		return admission.Allowed("").WithWarnings(oneLine("imagepin: Pod admitted as submitted: " + err.Error())), ResultError
	}
	return admission.Errored(code, err), ResultError
}

// split divides the targets into changes and problems, logging each at V(1).
func split(ctx context.Context, ts []target, outcomes map[string]outcome) ([]change, []problem) {
	log := logf.FromContext(ctx).V(1)
	debug := log.Enabled() // the key-values of a disabled line cost allocations too
	var changes []change
	var problems []problem
	for _, t := range ts {
		o := outcomes[t.image]
		switch o.source {
		case fromPolicy, fromRegistry:
			changes = append(changes, change{target: t, to: o.image, source: o.source, policy: o.policy, via: o.via, note: o.note})
			if debug {
				log.Info("pinning image", "container", t.name, "image", t.image, "pinned", o.image, "policy", o.policy)
			}
		case failed:
			err := o.err
			if o.note != "" {
				err = fmt.Errorf("%s, and %w", o.note, err)
			}
			problems = append(problems, problem{target: t, err: err})
			if debug {
				log.Info("cannot pin image", "container", t.name, "image", t.image, "error", o.err.Error())
			}
		default:
			if debug {
				log.Info("image already pinned", "container", t.name, "image", t.image)
			}
		}
	}
	return changes, problems
}

// denial is the message of a strict namespace's denial.
func denial(namespace string, problems []problem) string {
	parts := make([]string, len(problems))
	for i, p := range problems {
		parts[i] = p.String()
	}
	return oneLine(fmt.Sprintf("imagepin: namespace %s is %s=%s and denies images that cannot be pinned: %s",
		namespace, v1alpha1.PinningLabel, v1alpha1.PinningStrict, strings.Join(parts, "; ")))
}

// resultOf names the result of a response that makes changes.
func resultOf(changes []change) string {
	for _, c := range changes {
		if c.source == fromPolicy {
			return ResultPinned
		}
	}
	return ResultResolved
}

// oneLine replaces control characters (from submitted images or registry
// answers) with spaces: warnings travel as HTTP headers. Printable ASCII,
// what nearly every warning is, is returned as it is without a rune-by-rune
// pass.
func oneLine(s string) string {
	if printableASCII(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// jsonPatch is the patch type of every patch imagepin returns.
var jsonPatch = admissionv1.PatchTypeJSONPatch

// patched allows the request with ops and warnings, as a response built
// from a diff of two documents would.
func patched(ops []jsonpatch.JsonPatchOperation, warnings []string) admission.Response {
	return admission.Response{Patches: ops, AdmissionResponse: admissionv1.AdmissionResponse{
		Allowed: true, PatchType: &jsonPatch, Warnings: warnings}}
}

// printableASCII reports whether s holds only printable ASCII characters,
// none of which is a control character.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}
