package resolver

import (
	"container/list"
	"sync"
	"time"
)

// lru is a size-bounded, least-recently-used map whose entries expire ttl
// after they were added (never when ttl is 0). It is safe for concurrent use.
type lru[V any] struct {
	ttl  time.Duration
	size int

	mu    sync.Mutex
	order *list.List // of *lruEntry[V], most recently used first
	items map[string]*list.Element
}

type lruEntry[V any] struct {
	key     string
	value   V
	expires time.Time
}

// newLRU returns an empty cache.
func newLRU[V any](size int, ttl time.Duration) *lru[V] {
	return &lru[V]{ttl: ttl, size: size, order: list.New(), items: map[string]*list.Element{}}
}

// get returns the live value of key.
func (c *lru[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero V
	el, ok := c.items[key]
	if !ok {
		return zero, false
	}
	e := el.Value.(*lruEntry[V])
	if c.ttl > 0 && !time.Now().Before(e.expires) {
		c.remove(el)
		return zero, false
	}
	c.order.MoveToFront(el)
	return e.value, true
}

// add stores value under key, evicting the least recently used entry when full.
func (c *lru[V]) add(key string, value V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := &lruEntry[V]{key: key, value: value, expires: time.Now().Add(c.ttl)}
	if el, ok := c.items[key]; ok {
		el.Value = e
		c.order.MoveToFront(el)
		return
	}
	c.items[key] = c.order.PushFront(e)
	for c.order.Len() > c.size {
		c.remove(c.order.Back())
	}
}

// getOrAdd returns the live value of key, or stores and returns the value
// that make returns, in one step: concurrent callers get the same value.
func (c *lru[V]) getOrAdd(key string, make func() V) V {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		e := el.Value.(*lruEntry[V])
		if c.ttl == 0 || time.Now().Before(e.expires) {
			c.order.MoveToFront(el)
			return e.value
		}
		c.remove(el)
	}
	v := make()
	c.items[key] = c.order.PushFront(&lruEntry[V]{key: key, value: v, expires: time.Now().Add(c.ttl)})
	for c.order.Len() > c.size {
		c.remove(c.order.Back())
	}
	return v
}

// len returns the number of entries, expired ones included.
func (c *lru[V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// remove drops el; the caller holds mu.
func (c *lru[V]) remove(el *list.Element) {
	c.order.Remove(el)
	delete(c.items, el.Value.(*lruEntry[V]).key)
}
