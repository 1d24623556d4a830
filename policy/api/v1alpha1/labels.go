package v1alpha1

// Labels and annotations that users and the webhook configuration rely on.
const (
	// PinningLabel opts a namespace in (PinningEnabled, PinningStrict) or a
	// Pod out (PinningDisabled) of image pinning.
	PinningLabel = "imagepin.dev/pinning"

	// PinningEnabled pins what can be pinned and admits the rest unchanged
	// with a warning (fail open).
	PinningEnabled = "enabled"

	// PinningStrict pins what can be pinned and denies Pods with an image
	// that cannot be pinned.
	PinningStrict = "strict"

	// PinningDisabled on a Pod exempts it from pinning.
	PinningDisabled = "disabled"

	// OriginalImagesAnnotation is written by the webhook on every Pod it
	// changes: a JSON object of container name to the image as submitted.
	OriginalImagesAnnotation = "imagepin.dev/original-images"

	// RolloutAnnotation is the Pod-template annotation through which
	// imagepin starts a rollout when current changes (strategy Restart).
	// Its value is determined by the digests it rolls to. On a workload
	// (or its Pod template), the value RolloutDisabled opts it out.
	RolloutAnnotation = "imagepin.dev/rollout"

	// RolloutDisabled on a workload keeps imagepin from restarting it.
	RolloutDisabled = "disabled"

	// RevisionImagesAnnotation is written by imagepin on workload revisions
	// (ReplicaSets, ControllerRevisions, Jobs): a JSON object of repository
	// to the image the revision's Pods are pinned to, so that every Pod of
	// one revision gets one digest.
	RevisionImagesAnnotation = "imagepin.dev/revision-images"

	// ScanRequestedAnnotation on an ImagePolicy asks for a scan now: every
	// new value is scanned once, whatever the schedule.
	ScanRequestedAnnotation = "imagepin.dev/scan-requested-at"
)
