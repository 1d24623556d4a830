package marker

import (
	"encoding/json"
	"strings"
)

// Field is the part of an image that a marker writes.
type Field string

// Fields of a marker: the suffix after "<namespace>:<policy>".
const (
	// FieldImage writes the whole reference, repository:tag@digest.
	FieldImage Field = ""
	// FieldTag writes the tag.
	FieldTag Field = "tag"
	// FieldDigest writes the digest (sha256:…).
	FieldDigest Field = "digest"
	// FieldName writes the repository, without tag or digest.
	FieldName Field = "name"
)

// Keys of the JSON object in a marker comment.
const (
	// Key is imagepin's own marker key.
	Key = "$imagepin"
	// FluxKey is Flux's image-automation marker key, honoured the same way.
	FluxKey = "$imagepolicy"
)

// Policy names an ImagePolicy.
type Policy struct {
	Namespace string
	Name      string
}

// String returns namespace/name.
func (p Policy) String() string { return p.Namespace + "/" + p.Name }

// Marker is a parsed marker comment.
type Marker struct {
	// Policy is the ImagePolicy the marker follows.
	Policy Policy
	// Field is the part of the policy's image written on the marker's line.
	Field Field
	// Flux is true for a {"$imagepolicy": …} marker.
	Flux bool
}

// Parse reads the text of a YAML comment, without its '#', as a marker.
func Parse(comment string) (Marker, bool) {
	c := strings.TrimSpace(comment)
	if !strings.HasPrefix(c, "{") || !strings.HasSuffix(c, "}") || !strings.Contains(c, `"$image`) {
		return Marker{}, false
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(c), &obj) != nil {
		return Marker{}, false
	}
	for _, key := range []string{Key, FluxKey} {
		raw, ok := obj[key]
		if !ok {
			continue
		}
		var ref string
		if json.Unmarshal(raw, &ref) != nil {
			return Marker{}, false
		}
		m, ok := parseRef(ref)
		m.Flux = key == FluxKey
		return m, ok
	}
	return Marker{}, false
}

// parseRef reads "<namespace>:<policy>[:tag|:digest|:name]".
func parseRef(ref string) (Marker, bool) {
	parts := strings.Split(ref, ":")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return Marker{}, false
	}
	m := Marker{Policy: Policy{Namespace: parts[0], Name: parts[1]}}
	if len(parts) == 3 {
		switch f := Field(parts[2]); f {
		case FieldTag, FieldDigest, FieldName:
			m.Field = f
		default:
			return Marker{}, false
		}
	}
	return m, true
}

// String returns the marker as written in a file, for messages.
func (m Marker) String() string {
	key, ref := Key, m.Policy.Namespace+":"+m.Policy.Name
	if m.Flux {
		key = FluxKey
	}
	if m.Field != FieldImage {
		ref += ":" + string(m.Field)
	}
	return `{"` + key + `": "` + ref + `"}`
}
