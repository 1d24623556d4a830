package webhook

// ImagesChangedCondition is the name of the match condition (CEL) that the
// chart's Pod webhooks carry, ImagesChangedExpression its expression.
const ImagesChangedCondition = "images-changed"

// ImagesChangedExpression lets the API server call the Pod webhooks for a
// CREATE, and for an UPDATE only when it changes the image of a container,
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
