package engine

import (
	"sync"
	"sync/atomic"

	"github.com/padlock/padlock/engine/document"
)

// DefaultCacheSize bounds the decision cache; 0 turns it off.
const DefaultCacheSize = 1 << 16

// listCacheSize bounds the cache of list answers, which are larger.
const listCacheSize = 1 << 10

// worldCaches remember answers: decisions, and the answers of list
// queries (by path and input). An answer is a pure function of the query,
// the world and the policies, and policies never change under an Engine.
// A write forgets the decisions it can change (see decisionCache; a new
// world replaces them all); a list answer knows what it read and is asked
// again only once a write replaced some of that (listAnswer). Cached
// values are shared: read-only.
type worldCaches struct {
	decisions *decisionCache
	lists     *cache[string, *listAnswer]
}

func newWorldCaches(size int, changes *changes) *worldCaches {
	return &worldCaches{decisions: newDecisionCache(size, changes), lists: newCache[string, *listAnswer](min(size, listCacheSize))}
}

// maxListReads bounds the paths a kept list answer remembers it read (8
// bytes each): an answer that read more (what-can of an administrator of
// every flow) is taken as changed by any write, as every answer was
// before answers knew what they read.
const maxListReads = 1 << 12

// listAnswer is a list's decoded answer ([]ListedPrincipal, []ListedFlow,
// []AccessEntry) with the paths of the world it was read from. It holds
// as long as no write replaces one of them (changes.readsChangedSince), so
// that a who-can of one flow survives the writes about other flows.
type listAnswer struct {
	value any
	reads *Reads        // nil: changed by any write
	valid atomic.Uint64 // a world version at which the answer is known to hold
}

// holds reports whether a kept answer is the one the world serving now
// gives, and if so moves its version up to now, so that the next ask
// checks only the writes after it. Every write up to the version read
// here was noted before it was counted (changes), so none is missed.
func (e *Engine) holds(a *listAnswer) bool {
	now, valid := e.version.Load(), a.valid.Load()
	switch {
	case valid == now:
		return true
	case a.reads == nil || e.changes.readsChangedSince(*a.reads, valid):
		return false
	}
	a.valid.CompareAndSwap(valid, now) // a concurrent ask may have moved it already
	return true
}

// decisionCache remembers decisions by flow, so that a write of one flow's
// documents forgets that flow's decisions only. A decision is evaluated
// against the store at some world version; it is remembered only if no
// write that could change it was noted since that version (changes):
// otherwise an evaluation that began before a write and ended after it
// would put the old world's answer back after the write forgot it.
type decisionCache struct {
	mu      sync.RWMutex
	max     int
	m       map[document.Query]Decision
	byFlow  map[string][]document.Query // the remembered queries of each flow, to forget them
	changes *changes                    // the engine's: which writes reach which flows
}

// newDecisionCache is a cache of at most size decisions, told of writes
// by changes; nil (size 0) remembers nothing.
func newDecisionCache(size int, changes *changes) *decisionCache {
	if size <= 0 {
		return nil
	}
	return &decisionCache{max: size, m: map[document.Query]Decision{}, byFlow: map[string][]document.Query{}, changes: changes}
}

// get is one map lookup: the hot path of a remembered decision.
func (c *decisionCache) get(q document.Query) (Decision, bool) {
	if c == nil {
		return Decision{}, false
	}
	c.mu.RLock()
	d, ok := c.m[q]
	c.mu.RUnlock()
	return d, ok
}

// put remembers d, evaluated at world version v, unless a write since
// then could have changed it.
func (c *decisionCache) put(q document.Query, d Decision, v uint64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// Under the lock: a write notes its change before it forgets (see
	// PatchWorld), so a put either sees the note or is forgotten after.
	if c.changes.since(q.Flow, v) {
		return
	}
	if _, had := c.m[q]; !had {
		if len(c.m) >= c.max {
			// Dropping everything keeps memory bounded without LRU
			// bookkeeping on the hot path; the cache refills from the
			// queries that recur.
			clear(c.m)
			clear(c.byFlow)
		}
		c.byFlow[q.Flow] = append(c.byFlow[q.Flow], q)
	}
	c.m[q] = d
}

// forget drops the decisions about flows, which a write (noted in changes
// first) can change. A write that can change every decision replaces the
// cache instead (Engine.written).
func (c *decisionCache) forget(flows []string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range flows {
		for _, q := range c.byFlow[f] {
			delete(c.m, q)
		}
		delete(c.byFlow, f)
	}
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
		clear(c.m) // as decisionCache.put: bounded without LRU bookkeeping
	}
	c.m[k] = v
	c.mu.Unlock()
}
