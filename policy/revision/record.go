package revision

import (
	"encoding/json"
	"maps"
)

// maxRecordBytes bounds the revision-images annotation that is parsed: a
// record holds one short entry per governed repository of one Pod
// template, far below this; anything larger was not written by imagepin.
const maxRecordBytes = 16 << 10

// ParseRecord decodes the imagepin.dev/revision-images annotation: a JSON
// object of repository to image. A value that is not such an object, or is
// too large, yields nil: it is ignored, as if absent.
func ParseRecord(value string) map[string]string {
	if value == "" || len(value) > maxRecordBytes {
		return nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(value), &m); err != nil {
		return nil
	}
	return m
}

// FormatRecord encodes a record for the revision-images annotation, keys
// sorted (encoding/json sorts map keys), so equal records are equal strings.
func FormatRecord(record map[string]string) string {
	b, err := json.Marshal(maps.Clone(record))
	if err != nil {
		panic(err) // a map of strings always encodes
	}
	return string(b)
}
