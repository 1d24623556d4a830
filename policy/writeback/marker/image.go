package marker

import (
	"fmt"
	"strings"
)

// Image is what markers of one policy write: its status.current.
type Image struct {
	// Ref is repository:tag@digest, or repository@digest for a digest pin.
	Ref string
	// Name is the repository part of Ref.
	Name string
	// Tag is the tag part of Ref; empty for a digest pin.
	Tag string
	// Digest is the digest part of Ref.
	Digest string
}

// ParseImage splits repository[:tag][@digest] into an Image.
func ParseImage(ref string) Image {
	img := Image{Ref: ref}
	rest := ref
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		img.Digest, rest = rest[at+1:], rest[:at]
	}
	if colon := strings.LastIndexByte(rest, ':'); colon > strings.LastIndexByte(rest, '/') {
		img.Tag, rest = rest[colon+1:], rest[:colon]
	}
	img.Name = rest
	return img
}

// value returns what a marker of field f writes.
func (img Image) value(f Field) (string, error) {
	var v string
	switch f {
	case FieldImage:
		v = img.Ref
	case FieldTag:
		v = img.Tag
		if v == "" {
			return "", fmt.Errorf("the image %s has no tag (pinned by digest): a tag marker cannot follow it", img.Ref)
		}
	case FieldDigest:
		v = img.Digest
	case FieldName:
		v = img.Name
	default:
		return "", fmt.Errorf("unknown marker field %q", f)
	}
	if !validValue(v) {
		return "", fmt.Errorf("%q is not an image reference that can be written to YAML", v)
	}
	return v, nil
}

// validValue accepts the characters of image references, tags and digests.
// Anything else would need YAML escapes, and is not an image anyway.
func validValue(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("._-/:@+", c) >= 0:
		default:
			return false
		}
	}
	return true
}
