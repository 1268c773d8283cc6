package engine

import (
	"sync"

	"github.com/padlock/padlock/engine/document"
)

// DefaultCacheSize bounds the decision cache; 0 turns it off.
const DefaultCacheSize = 1 << 16

// listCacheSize bounds the cache of list answers, which are larger.
const listCacheSize = 1 << 10

// worldCaches remember answers for one world: decisions, and the answers of
// list queries (by path and input). An answer is a pure function of the
// query, the world and the policies; SetWorld installs fresh caches after
// the new world is in the store, and policies never change under an
// Engine, so a cached answer is always the one the policies would give
// now. Cached values are shared: read-only.
type worldCaches struct {
	decisions *cache[document.Query, Decision]
	lists     *cache[string, []byte]
}

func newWorldCaches(size int) *worldCaches {
	return &worldCaches{decisions: newCache[document.Query, Decision](size), lists: newCache[string, []byte](min(size, listCacheSize))}
}

// cache is a bounded map; nil (size 0) remembers nothing.
type cache[K comparable, V any] struct {
	mu  sync.RWMutex
	max int
	m   map[K]V
}

func newCache[K comparable, V any](max int) *cache[K, V] {
	if max <= 0 {
		return nil
	}
	return &cache[K, V]{max: max, m: make(map[K]V, min(max, 1024))}
}

func (c *cache[K, V]) get(k K) (V, bool) {
	if c == nil {
		var zero V
		return zero, false
	}
	c.mu.RLock()
	v, ok := c.m[k]
	c.mu.RUnlock()
	return v, ok
}

func (c *cache[K, V]) put(k K, v V) {
	if c == nil {
		return
	}
	c.mu.Lock()
	if len(c.m) >= c.max {
		// Dropping everything keeps memory bounded without LRU bookkeeping
		// on the hot path; the cache refills from the queries that recur.
		clear(c.m)
	}
	c.m[k] = v
	c.mu.Unlock()
}
