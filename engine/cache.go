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
// Each answer knows the paths of the world it read (kept), and is used
// again only while no write since replaced one of them: a team's new
// member reaches the decisions that read that member's teams, not every
// decision. Cached values are shared: read-only.
type worldCaches struct {
	decisions *cache[document.Query, *kept[Decision]]
	lists     *cache[string, *kept[any]] // []ListedPrincipal, []ListedFlow, []AccessEntry
}

func newWorldCaches(size int) *worldCaches {
	return &worldCaches{
		decisions: newCache[document.Query, *kept[Decision]](size),
		lists:     newCache[string, *kept[any]](min(size, listCacheSize)),
	}
}

// kept is an answer with the paths of the world it was read from. It
// holds as long as no write replaces one of them (changes.readsChangedSince),
// so that a decision or a who-can of one flow survives the writes about
// other flows and other people.
type kept[T any] struct {
	value T
	reads Reads
	valid atomic.Uint64 // a world version at which the answer is known to hold
}

// keep makes an answer read at world version at. The version must be
// loaded before the evaluation reads the world: a write counted after it
// is then checked against the answer's reads, whichever world the
// evaluation saw.
func keep[T any](value T, reads Reads, at uint64) *kept[T] {
	a := &kept[T]{value: value, reads: reads.bounded()}
	a.valid.Store(at)
	return a
}

// holds reports whether a kept answer is the one the world serving now
// gives, and if so moves its version up to now, so that the next ask
// checks only the writes after it. Every write up to the version read
// here was noted before it was counted (changes), so none is missed.
func (a *kept[T]) holds(e *Engine) bool {
	now, valid := e.version.Load(), a.valid.Load()
	switch {
	case valid == now:
		return true
	case e.changes.readsChangedSince(a.reads, valid):
		return false
	}
	a.valid.CompareAndSwap(valid, now) // a concurrent ask may have moved it already
	return true
}

// CacheCounts counts how the decision cache answered: from a kept
// decision (Hit), by evaluating one it did not keep (Miss), or by
// evaluating again one a write had changed (Changed). The engines that
// succeed one another in a server share one, so that its counts only
// grow; nil counts nothing.
type CacheCounts struct {
	Hit, Miss, Changed atomic.Uint64
}

// count adds one answer: kept says whether the cache held the query,
// holds whether what it held was still right.
func (c *CacheCounts) count(kept, holds bool) {
	switch {
	case c == nil:
	case holds:
		c.Hit.Add(1)
	case kept:
		c.Changed.Add(1)
	default:
		c.Miss.Add(1)
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
	if _, had := c.m[k]; !had && len(c.m) >= c.max {
		// One entry out, the first a map's randomised iteration gives:
		// memory stays bounded with no bookkeeping on the hot path, and
		// the queries that recur stay (dropping everything made every
		// one of them cold at once).
		for old := range c.m {
			delete(c.m, old)
			break
		}
	}
	c.m[k] = v
	c.mu.Unlock()
}
