package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// HistoryLimit is how many past values of status.current are kept.
const HistoryLimit = 10

// ImagePolicyStatus is what imagepin found and enforces. It is imagepin's
// only state: there is no database beside it, so it stays bounded in size.
type ImagePolicyStatus struct {
	// ObservedGeneration is the generation of the spec that the status reflects.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Latest is what the last successful scan chose.
	// +optional
	Latest *LatestImage `json:"latest,omitempty"`

	// Current is what the webhook enforces now.
	// +optional
	Current *CurrentImage `json:"current,omitempty"`

	// History holds the last values of Current, newest first.
	// +optional
	// +kubebuilder:validation:MaxItems=10
	History []ImageRecord `json:"history,omitempty"`

	// LastScan describes the last registry scan recorded. A scan that changes
	// nothing else in the status is recorded only once the last one recorded
	// is older than the manager's --scan-status-refresh (1h by default).
	// +optional
	LastScan *ScanRecord `json:"lastScan,omitempty"`

	// NextScanAt is when the next scheduled scan was due as of LastScan; the
	// scanner keeps its own schedule between status writes.
	// +optional
	NextScanAt *metav1.Time `json:"nextScanAt,omitempty"`

	// WriteBack describes the last successful Git write-back.
	// +optional
	WriteBack *WriteBackStatus `json:"writeBack,omitempty"`

	// Rollout describes the last rollout imagepin started for a change of
	// current (spec.rollout.strategy Restart).
	// +optional
	Rollout *RolloutStatus `json:"rollout,omitempty"`

	// LastHandledScanAt is the value of the imagepin.dev/scan-requested-at
	// annotation that the last scan handled, so that one request is
	// scanned once.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	LastHandledScanAt string `json:"lastHandledScanAt,omitempty"`

	// Conditions are Ready, Scanned, WrittenBack, Reconciling and Stalled.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +patchStrategy=merge
	// +patchMergeKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
}

// LatestImage is the latest allowed tag a scan found.
type LatestImage struct {
	// Tag is the chosen tag.
	// +required
	Tag string `json:"tag"`

	// Digest is the tag's digest when it was scanned.
	// +required
	Digest string `json:"digest"`

	// FoundAt is when a scan first chose this tag and digest.
	// +optional
	FoundAt metav1.Time `json:"foundAt,omitempty"`
}

// ImageRecord is one value of status.current.
type ImageRecord struct {
	// Image is repository:tag@digest, the exact string Pods are pinned to.
	// +required
	Image string `json:"image"`

	// Tag is the tag part of Image.
	// +optional
	Tag string `json:"tag,omitempty"`

	// Digest is the digest part of Image.
	// +required
	Digest string `json:"digest"`

	// Source says whether a scan or spec.pin chose this value.
	// +required
	Source Source `json:"source"`

	// Since is when this value became current.
	// +optional
	Since metav1.Time `json:"since,omitempty"`
}

// CurrentImage is what the webhook enforces now.
type CurrentImage struct {
	ImageRecord `json:",inline"`

	// ShortDigest is the first 12 hex digits of Digest, for display only
	// (printer columns cannot shorten a string).
	// +optional
	ShortDigest string `json:"shortDigest,omitempty"`
}

// ScanRecord describes one registry scan.
type ScanRecord struct {
	// Time is when the scan started.
	// +required
	Time metav1.Time `json:"time"`

	// Duration is how long the scan took.
	// +optional
	Duration metav1.Duration `json:"duration,omitempty"`

	// TagCount is how many tags the repository listed.
	// +optional
	TagCount int32 `json:"tagCount,omitempty"`

	// Requests is how many registry requests this policy's scan sent. A tag
	// listing or digest shared with other policies of the same repository
	// counts for the policy whose scan sent it.
	// +optional
	Requests int32 `json:"requests,omitempty"`
}

// RolloutWorkloadsLimit bounds status.rollout.workloads; Count says how
// many workloads the rollout touched in all.
const RolloutWorkloadsLimit = 50

// RolloutStatus describes the rollout started for one value of current.
type RolloutStatus struct {
	// Image is the value of current that was rolled out.
	// +required
	// +kubebuilder:validation:MaxLength=1024
	Image string `json:"image"`

	// StartedAt is when imagepin started the rollout.
	// +optional
	StartedAt metav1.Time `json:"startedAt,omitempty"`

	// Workloads are the workloads whose Pod template imagepin annotated,
	// at most RolloutWorkloadsLimit of them.
	// +optional
	// +kubebuilder:validation:MaxItems=50
	Workloads []WorkloadReference `json:"workloads,omitempty"`

	// Count is how many workloads were restarted in all.
	// +optional
	Count int32 `json:"count,omitempty"`
}

// WorkloadReference names a workload in the policy's namespace.
type WorkloadReference struct {
	// Kind is Deployment, StatefulSet or DaemonSet.
	// +required
	// +kubebuilder:validation:MaxLength=63
	Kind string `json:"kind"`

	// Name of the workload.
	// +required
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// WriteBackStatus describes the last successful Git write-back.
type WriteBackStatus struct {
	// Commit is the SHA of the pushed commit.
	// +optional
	Commit string `json:"commit,omitempty"`

	// PushedAt is when the commit was pushed.
	// +optional
	PushedAt *metav1.Time `json:"pushedAt,omitempty"`

	// URL of the repository.
	// +optional
	URL string `json:"url,omitempty"`

	// Branch pushed to.
	// +optional
	Branch string `json:"branch,omitempty"`
}
