// Package progress shows how far long work has come (files read, documents
// validated, flows audited) on a terminal, and nothing anywhere else: a
// log file or a CI job gets no carriage returns. A nil *Meter is valid and
// silent, so packages count unconditionally.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Meter counts named quantities and redraws one status line on a
// terminal at most every interval.
type Meter struct {
	mu       sync.Mutex
	w        io.Writer
	order    []string
	counts   map[string]int
	start    time.Time
	last     time.Time
	interval time.Duration
	drawn    bool
}

// ForTerminal returns a meter writing to f when f is a terminal and quiet
// is false, and nil (silent) otherwise.
func ForTerminal(f *os.File, quiet bool) *Meter {
	if quiet || !IsTerminal(f) {
		return nil
	}
	return New(f, 150*time.Millisecond)
}

// New returns a meter that always draws to w (tests use it directly).
func New(w io.Writer, interval time.Duration) *Meter {
	return &Meter{w: w, counts: map[string]int{}, start: time.Now(), interval: interval}
}

// IsTerminal reports whether f is a character device (a terminal) rather
// than a file or a pipe, without a dependency on a terminal library.
func IsTerminal(f *os.File) bool {
	if f == nil {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Add counts n more of a quantity ("files read") and redraws when due.
func (m *Meter) Add(what string, n int) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.counts[what]; !ok {
		m.order = append(m.order, what)
	}
	m.counts[what] += n
	if now := time.Now(); now.Sub(m.last) >= m.interval {
		m.last = now
		m.draw(now)
	}
}

// Track lists quantities, at 0, in the order the status line shows them,
// without drawing: the rate shown is the last one's.
func (m *Meter) Track(quantities ...string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, what := range quantities {
		if _, ok := m.counts[what]; !ok {
			m.order = append(m.order, what)
			m.counts[what] = 0
		}
	}
}

// Done clears the status line, so that what follows starts clean.
func (m *Meter) Done() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.drawn {
		fmt.Fprint(m.w, "\r\033[K")
		m.drawn = false
	}
}

func (m *Meter) draw(now time.Time) {
	parts := make([]string, len(m.order))
	for i, what := range m.order {
		parts[i] = fmt.Sprintf("%d %s", m.counts[what], what)
	}
	line := strings.Join(parts, ", ")
	if secs := now.Sub(m.start).Seconds(); secs >= 1 && len(m.order) > 0 {
		last := m.order[len(m.order)-1]
		// The rate of the last quantity, named without its verb:
		// "desktop flows audited" → "(1234 desktop flows/s)".
		words := strings.Fields(last)
		line += fmt.Sprintf(" (%.0f %s/s)", float64(m.counts[last])/secs, strings.Join(words[:max(1, len(words)-1)], " "))
	}
	fmt.Fprintf(m.w, "\r\033[Kpadlock: %s", line)
	m.drawn = true
}
