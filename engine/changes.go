package engine

import "sync"

// maxForgotten bounds how many flows changes remembers a write of; past
// it, every answer is taken as changed.
const maxForgotten = 1 << 12

// changes remembers, by world version, which flows each write could change
// answers about: what a cache of answers about one flow kept across writes
// (a report's rows) asks before it uses an answer from an older version.
// A write is noted before its world is stored, so that an answer read
// from the new world is never taken for one the write did not change.
type changes struct {
	mu   sync.RWMutex
	flow map[string]uint64 // flow → version of the last write that could change answers about it
	all  uint64            // version of the last write that could change every answer
}

// note records a write that will be version v: about flows, or everyone.
func (c *changes) note(v uint64, everyone bool, flows []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if everyone || len(c.flow)+len(flows) > maxForgotten {
		clear(c.flow) // bounded: past it, every answer is taken as changed
		c.all = v
		return
	}
	if c.flow == nil {
		c.flow = map[string]uint64{}
	}
	for _, f := range flows {
		c.flow[f] = v
	}
}

// since reports whether a write after version v could change answers
// about flow.
func (c *changes) since(flow string, v uint64) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.all > v || c.flow[flow] > v
}

// ChangedSince reports whether a write after world version v (Version)
// could have changed an answer about flow: a decision about it, a list of
// who may use it, its row of the access report. False means an answer
// about flow from version v is still the one the world serving now gives.
// The engine's writes (SetWorld, PatchWorld) are serialised by its caller.
func (e *Engine) ChangedSince(flow string, v uint64) bool { return e.changes.since(flow, v) }
