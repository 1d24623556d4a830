package webhook

// ImagesChangedCondition is the name of the match condition (CEL) that the
// chart's Pod webhooks for UPDATEs carry, ImagesChangedExpression its
// expression. The webhooks for CREATEs carry none: every CREATE goes to
// imagepin, and a condition would cost the API server a conversion of the
// Pod into CEL's input for nothing.
const ImagesChangedCondition = "images-changed"

// ImagesChangedExpression lets the API server call the Pod webhooks for a
// CREATE (for a configuration that sends both operations to one webhook, as
// earlier versions of the chart did), and for an UPDATE only when it changes
// the image of a container,
// init container or ephemeral container. A label, annotation or finalizer
// edit (a Job controller removing its finalizer, an operator labelling
// Pods) never waits for imagepin, so it passes in a strict namespace while
// imagepin is down; the handler would leave those requests alone anyway.
// Fields are read with optional selection: the webhook runs before
// validation, and an expression that fails falls to the failurePolicy.
const ImagesChangedExpression = "request.operation != 'UPDATE'" +
	" || object.spec.?initContainers.orValue([]).map(c, c.?image.orValue(''))" +
	" != oldObject.spec.?initContainers.orValue([]).map(c, c.?image.orValue(''))" +
	" || object.spec.?containers.orValue([]).map(c, c.?image.orValue(''))" +
	" != oldObject.spec.?containers.orValue([]).map(c, c.?image.orValue(''))" +
	" || object.spec.?ephemeralContainers.orValue([]).map(c, c.?image.orValue(''))" +
	" != oldObject.spec.?ephemeralContainers.orValue([]).map(c, c.?image.orValue(''))"
