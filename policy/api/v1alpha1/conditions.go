package v1alpha1

// Condition types of an ImagePolicy. Ready, Reconciling and Stalled follow
// kstatus conventions so that Argo CD, Flux and kstatus-aware tools read a
// policy's health without knowing imagepin.
const (
	// ConditionReady is True when status.current reflects the spec.
	ConditionReady = "Ready"
	// ConditionScanned reports the outcome of the last registry scan.
	ConditionScanned = "Scanned"
	// ConditionWrittenBack reports the outcome of the last Git write-back.
	ConditionWrittenBack = "WrittenBack"
	// ConditionStalled is True when the spec cannot work until it is edited.
	ConditionStalled = "Stalled"
	// ConditionReconciling is True while a scan of a new generation runs.
	ConditionReconciling = "Reconciling"
)

// Condition reasons. They are part of the API: alerts and runbooks match on them.
const (
	ReasonSucceeded            = "Succeeded"
	ReasonSuspended            = "Suspended"
	ReasonInvalidSpec          = "InvalidSpec"
	ReasonAuthenticationFailed = "AuthenticationFailed"
	ReasonRegistryUnavailable  = "RegistryUnavailable"
	ReasonRateLimited          = "RateLimited"
	ReasonNoMatchingTag        = "NoMatchingTag"
	ReasonNotFound             = "NotFound"
	ReasonOlderThanCurrent     = "OlderThanCurrent"
	ReasonSecretNotFound       = "SecretNotFound"
	ReasonInvalidSecret        = "InvalidSecret"
	ReasonPlatformNotFound     = "PlatformNotFound"
	ReasonPushRejected         = "PushRejected"
	ReasonNoMarkers            = "NoMarkers"
	// ReasonGitUnavailable: the Git repository could not be reached, or a
	// fetch or push failed for another reason than the ones above.
	ReasonGitUnavailable = "GitUnavailable"
	// ReasonTargetNotFound: a write-back target's file, directory or key
	// does not exist.
	ReasonTargetNotFound = "TargetNotFound"
	// ReasonTargetInvalid: a write-back target's file does not parse, or
	// does not hold what the target names (a key that is not a scalar, an
	// images list that is not a list).
	ReasonTargetInvalid = "TargetInvalid"
	// ReasonTagListTooLarge: the registry's tag listing went past imagepin's
	// caps (tags, bytes or pages of one listing).
	ReasonTagListTooLarge = "TagListTooLarge"
	// ReasonCurrentNotAllowed: status.current is outside what the spec
	// allows now (an edit narrowed it) and cannot move yet; the message says
	// what holds it.
	ReasonCurrentNotAllowed = "CurrentNotAllowed"
	// ReasonCredentialsOverHTTP: credentials would have been sent over plain
	// HTTP: to the registry (Ready), which only spec.insecure allows, or to
	// the Git server (WrittenBack), which only spec.writeBack.git.insecure
	// allows.
	ReasonCredentialsOverHTTP = "CredentialsOverHTTP"
	// ReasonGitCacheFull: the clone of the repository does not fit in the
	// manager's Git cache (--git-cache-max-bytes), even alone.
	ReasonGitCacheFull = "GitCacheFull"
)

// Source says why status.current holds its value.
// +kubebuilder:validation:Enum=Scan;Pin
type Source string

const (
	// SourceScan means current is the latest allowed tag a scan found.
	SourceScan Source = "Scan"
	// SourcePin means current is spec.pin.
	SourcePin Source = "Pin"
)
