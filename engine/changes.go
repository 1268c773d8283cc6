package engine

import "sync"

// changes remembers, by world version, the paths of data.world each write
// replaced, for the caches whose answers know what they read (Reads):
// decisions, lists and a report's rows. A write is noted before its world
// is stored, so that an answer read from the new world is never taken for
// one the write did not change.
type changes struct {
	mu       sync.RWMutex
	writes   []versionedPaths // the paths of the writes, oldest first
	held     int              // how many paths writes holds, at most maxPaths
	allPaths uint64           // the last write whose paths are not held
}

// maxPaths bounds how many written paths changes remembers; past it the
// oldest writes are dropped, and answers read before them are taken as
// changed.
const maxPaths = 1 << 16

type versionedPaths struct {
	version uint64
	written written
	n       int
}

// note records the paths below /world that the write that will be version
// v replaces; all when they are not known (a whole new world).
func (c *changes) note(v uint64, paths [][]string, all bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if all || len(paths) > maxPaths {
		c.writes, c.held, c.allPaths = nil, 0, v
		return
	}
	c.writes = append(c.writes, versionedPaths{version: v, written: writtenPaths(paths), n: len(paths)})
	c.held += len(paths)
	for c.held > maxPaths {
		c.allPaths = c.writes[0].version
		c.held -= c.writes[0].n
		c.writes = c.writes[1:]
	}
}

// readsChangedSince reports whether a write after version v replaced a
// path r read (or one above or below it).
func (c *changes) readsChangedSince(r Reads, v uint64) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.allPaths > v {
		return true
	}
	for i := len(c.writes) - 1; i >= 0 && c.writes[i].version > v; i-- {
		if c.writes[i].written.reaches(r) {
			return true
		}
	}
	return false
}

// ReadsChangedSince reports whether a write after world version v could
// have changed an answer that read r (ListAccessReads): a write that
// replaced a path it read, or one above or below such a path. False means
// the answer from version v is still the one the world serving now gives.
// The engine's writes (SetWorld, PatchWorld) are serialised by their
// caller.
func (e *Engine) ReadsChangedSince(r Reads, v uint64) bool { return e.changes.readsChangedSince(r, v) }
