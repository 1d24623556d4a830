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
)
