package webhook

import (
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
)

// Bounds of the parsed-tag cache. A Pod's author chooses its image
// strings, so both the number of entries and the length of a cached image
// are bounded: at most tagCacheEntries images of at most tagCacheImageLen
// bytes (a name.Tag holds about three copies of its image), a few MiB in
// the worst case. A cluster runs far fewer distinct tags than that at any
// time; one that runs more only parses more often.
const (
	tagCacheEntries  = 4096
	tagCacheImageLen = 256
)

// tagCache remembers the tags parseTag gave for images, so that the Pods of
// one workload, which name the same images, are not parsed again and
// again: go-containerregistry's parser is one of the larger costs of an
// admission. Only successful parses are kept; a parse depends on the
// image string alone. When full it starts over, which costs only parses.
// It is safe for concurrent use.
type tagCache struct {
	mu   sync.RWMutex
	tags map[string]name.Tag
}

func newTagCache() *tagCache { return &tagCache{tags: make(map[string]name.Tag)} }

// parse returns parseTag(image), from the cache when it can.
func (c *tagCache) parse(image string) (name.Tag, error) {
	c.mu.RLock()
	tag, ok := c.tags[image]
	c.mu.RUnlock()
	if ok {
		return tag, nil
	}
	tag, err := parseTag(image)
	if err != nil || len(image) > tagCacheImageLen {
		return tag, err
	}
	c.mu.Lock()
	if len(c.tags) >= tagCacheEntries {
		clear(c.tags)
	}
	c.tags[image] = tag
	c.mu.Unlock()
	return tag, nil
}

// len is the number of cached tags.
func (c *tagCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.tags)
}
