package writeback

import (
	"context"
	"errors"
	"fmt"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/imagepin/imagepin/internal/truncate"
	"github.com/imagepin/imagepin/policy/api/v1alpha1"
	"github.com/imagepin/imagepin/policy/writeback/gitrepo"
)

// Reconcile writes the policies of one target in one commit and records the
// outcome in their status. The request's name is the target's key.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	t, err := parseKey(req.Name)
	if err != nil {
		return ctrl.Result{}, reconcile.TerminalError(err)
	}
	log := logf.FromContext(ctx).WithValues("repository", t.redactedURL(), "branch", t.Branch)
	ctx = logf.IntoContext(ctx, log)
	var list v1alpha1.ImagePolicyList
	if err := r.opts.Client.List(ctx, &list, client.MatchingFields{TargetIndex: req.Name}); err != nil {
		return ctrl.Result{}, fmt.Errorf("list policies of %s: %w", t.redactedURL(), err)
	}
	b := newBatch(t, list.Items)
	if len(b.entries) == 0 {
		r.secrets.observe(req.Name, t, nil) // nothing to write: nothing to retry
	}
	if len(list.Items) == 0 {
		// No policy writes here any more (deleted, or moved to another
		// target): its clone goes, with any other such.
		return ctrl.Result{}, r.retain(ctx)
	}
	if len(b.entries) == 0 {
		return ctrl.Result{}, nil
	}
	b.target = b.specTarget()
	res, werr := r.write(ctx, b)
	r.secrets.observe(req.Name, b.target, werr)
	r.metrics.cycle(res, werr)
	r.log(ctx, b, res, werr)
	if err := r.report(ctx, b, res, werr); err != nil {
		return ctrl.Result{}, err
	}
	if werr != nil {
		// The error only schedules a retry with backoff: the conditions
		// and events already tell what failed.
		return ctrl.Result{}, errors.New(werr.Error())
	}
	if r.opts.Resync > 0 {
		return ctrl.Result{RequeueAfter: r.opts.Resync}, nil
	}
	return ctrl.Result{}, nil
}

// write reads the target's credentials and writes the batch. The error's
// message is redacted, then cut to truncate.Limit: it may quote the Git
// server at any length. Redaction comes first, so that no part of a
// secret survives the cut.
func (r *Reconciler) write(ctx context.Context, b *batch) (gitrepo.Result, error) {
	if len(b.valid()) == 0 {
		return gitrepo.Result{}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	gt, secrets, err := r.gitTarget(ctx, b.target)
	if err == nil {
		var res gitrepo.Result
		res, err = r.writer.Write(ctx, gitrepo.Request{Target: gt, Paths: b.paths(), Edit: b.edit})
		if err == nil {
			return res, nil
		}
	}
	return gitrepo.Result{}, &redactedError{err: err, msg: truncate.Message(redact(err.Error(), b.target, secrets))}
}

// redactedError is a write error whose message holds no secret, still
// matched by errors.Is.
type redactedError struct {
	err error
	msg string
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func (r *Reconciler) log(ctx context.Context, b *batch, res gitrepo.Result, err error) {
	log := logf.FromContext(ctx)
	switch {
	case err != nil:
		log.Info("write-back failed", "reason", reasonOf(err), "error", err.Error(), "policies", len(b.entries))
	case res.Pushed:
		log.Info("write-back committed", "commit", res.Commit, "attempts", res.Attempts, "policies", changedPolicies(b))
	default:
		log.V(1).Info("write-back: Git holds every image", "head", res.Commit, "policies", len(b.entries))
	}
	if b.messageErr != nil {
		log.Info("messageTemplate failed; the default message was used", "error", b.messageErr.Error())
	}
}

func changedPolicies(b *batch) []string {
	var names []string
	for _, e := range b.entries {
		if len(e.files) > 0 {
			names = append(names, e.change.Policy)
		}
	}
	return names
}
