package engine

import "runtime"

// parts runs the parts of a split list (evalList) on goroutines kept for
// the engine's life. A new goroutine starts with a small stack and OPA's
// evaluator recurses deep: a part asked on a goroutine of its own spent
// up to a tenth of its time growing that stack (runtime.copystack), and
// who-can at 10,000 flows took a fifth longer than on goroutines that keep
// the stack they grew (README, "Lists").
type parts struct{ work chan func() }

// newParts starts n goroutines for e's lists, stopped once e is garbage:
// they hold the channel, not the engine.
func newParts(e *Engine, n int) parts {
	p := parts{work: make(chan func())}
	for range n {
		go func() {
			for f := range p.work {
				f()
			}
		}()
	}
	runtime.AddCleanup(e, func(work chan func()) { close(work) }, p.work)
	return p
}

// run asks f on a kept goroutine, or on a new one while all of them are
// busy (lists asked at once): a part never waits for another list's.
func (p parts) run(f func()) {
	select {
	case p.work <- f:
	default:
		go f()
	}
}
