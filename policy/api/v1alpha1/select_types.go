package v1alpha1

// TagSelection picks the latest allowed tag. Exactly one strategy is set.
//
// +kubebuilder:validation:XValidation:rule="(has(self.semver) ? 1 : 0) + (has(self.alphabetical) ? 1 : 0) + (has(self.numerical) ? 1 : 0) + (has(self.tag) ? 1 : 0) == 1",message="set exactly one of semver, alphabetical, numerical or tag"
type TagSelection struct {
	// SemVer picks the highest version within a range.
	// +optional
	SemVer *SemVerSelection `json:"semver,omitempty"`

	// Alphabetical orders tags as strings.
	// +optional
	Alphabetical *OrderSelection `json:"alphabetical,omitempty"`

	// Numerical orders tags as numbers; tags that are not numbers are skipped.
	// +optional
	Numerical *OrderSelection `json:"numerical,omitempty"`

	// Tag follows one mutable tag: the tag stays, its digest moves.
	// +optional
	Tag *TagNameSelection `json:"tag,omitempty"`
}

// SemVerSelection picks the highest semantic version within Range.
type SemVerSelection struct {
	// Range is a Masterminds/semver v3 constraint such as ">=6.0.0 <7.0.0"
	// or "~1.2". Pre-releases are considered only when the range names one.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Range string `json:"range"`
}

// Order is the direction of an alphabetical or numerical selection.
// +kubebuilder:validation:Enum=asc;desc
type Order string

const (
	// OrderAsc picks the greatest value.
	OrderAsc Order = "asc"
	// OrderDesc picks the smallest value.
	OrderDesc Order = "desc"
)

// OrderSelection orders tags alphabetically or numerically.
type OrderSelection struct {
	// Order is asc (the greatest value wins, for example 2024-01-10 over
	// 2024-01-05) or desc (the smallest value wins).
	// +optional
	// +kubebuilder:default=asc
	Order Order `json:"order,omitempty"`
}

// TagNameSelection follows one tag.
type TagNameSelection struct {
	// Name of the tag, for example latest or stable.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:XValidation:rule="self.matches('^[A-Za-z0-9_][A-Za-z0-9_.-]*$')",message="must be a valid image tag: letters, digits, '_', '.' and '-', not starting with '.' or '-'"
	Name string `json:"name"`
}

// TagFilter narrows and rewrites the tags a selection compares.
//
// +kubebuilder:validation:XValidation:rule="!has(self.extract) || has(self.pattern)",message="extract needs pattern: it names capture groups of pattern",fieldPath=".extract"
type TagFilter struct {
	// Pattern is a Go regular expression; only tags that match are considered.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	Pattern string `json:"pattern,omitempty"`

	// Extract is the value compared instead of the tag, built from capture
	// groups of Pattern ("$ts", "${version}", "$1"). The original tag is what
	// is pinned.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Extract string `json:"extract,omitempty"`

	// Exclude lists Go regular expressions; tags matching any are skipped
	// (signatures, attestations, SBOMs: '\.sig$', '\.att$', '\.sbom$').
	// +optional
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=1024
	Exclude []string `json:"exclude,omitempty"`
}
