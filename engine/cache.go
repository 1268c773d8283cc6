package engine

import (
	"sync"

	"github.com/padlock/padlock/engine/document"
)

// DefaultCacheSize bounds the decision cache; 0 turns it off.
const DefaultCacheSize = 1 << 16

// decisionCache remembers decisions for one world. A decision is a pure
// function of the query, the world and the policies; SetWorld installs a
// fresh cache after the new world is in the store, and policies never
// change under an Engine, so a cached decision is always the one the
// policies would give now. Cached decisions are shared: read-only.
type decisionCache struct {
	mu  sync.RWMutex
	max int
	m   map[document.Query]Decision
}

func newDecisionCache(max int) *decisionCache {
	if max <= 0 {
		return nil
	}
	return &decisionCache{max: max, m: make(map[document.Query]Decision, 1024)}
}

func (c *decisionCache) get(q document.Query) (Decision, bool) {
	if c == nil {
		return Decision{}, false
	}
	c.mu.RLock()
	d, ok := c.m[q]
	c.mu.RUnlock()
	return d, ok
}

func (c *decisionCache) put(q document.Query, d Decision) {
	if c == nil {
		return
	}
	c.mu.Lock()
	if len(c.m) >= c.max {
		// Dropping everything keeps memory bounded without LRU bookkeeping
		// on the hot path; the cache refills from the queries that recur.
		clear(c.m)
	}
	c.m[q] = d
	c.mu.Unlock()
}
