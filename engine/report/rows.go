package report

import (
	"sync"
	"weak"

	"github.com/padlock/padlock/engine"
)

// Rows keeps the rows of one engine's reports, each with the world version
// it was asked at and the paths of the world it was read from, so that
// the next report asks again only about the rows a write has changed since
// (engine.ReadsChangedSince): after a share is written, one row instead of
// every flow's; after a connection, the rows of the flows its owner may
// run with a reference to its connector in its environment. The sidecar
// keeps one per engine for GET /report.
type Rows struct {
	// eng's writes say which rows still hold. Weak: rows kept by a
	// sidecar must not keep an engine replaced since (new policies)
	// alive, with its copy of the world.
	eng weak.Pointer[engine.Engine]

	mu     sync.Mutex
	kept   map[string]keptRow
	reused int // by the last report
}

type keptRow struct {
	version uint64
	row     Flow // as buildFlow answered it: Cells empty, filled per report
	cells   []principalCell
	reads   engine.Reads
}

// NewRows keeps the rows of reports of eng's world; Build must be given
// eng (or a snapshot of it) with them.
func NewRows(eng *engine.Engine) *Rows { return &Rows{eng: weak.Make(eng), kept: map[string]keptRow{}} }

// For returns r if it keeps the rows of eng's reports, or else new rows
// for eng: no row of another engine (other policies) holds.
func (r *Rows) For(eng *engine.Engine) *Rows {
	if r != nil && r.of(eng) {
		return r
	}
	return NewRows(eng)
}

// of reports whether r keeps rows of eng's reports.
func (r *Rows) of(eng *engine.Engine) bool { return r == nil || r.eng.Value() == eng }

// WithRows takes the rows that still hold from r and keeps the others
// there.
func WithRows(r *Rows) Option { return func(c *config) { c.rows = r } }

// Reused says how many rows the last report took from r.
func (r *Rows) Reused() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reused
}

// take returns a flow's kept row, as a row of its own, for a report of
// the world at version: if it was asked at that version or before, and no
// write since could have changed it.
func (r *Rows) take(flow string, version uint64) (*Flow, []principalCell, bool) {
	if r == nil {
		return nil, nil, false
	}
	r.mu.Lock()
	k, ok := r.kept[flow]
	r.mu.Unlock()
	eng := r.eng.Value()
	if !ok || eng == nil || k.version > version || eng.ReadsChangedSince(k.reads, k.version) {
		return nil, nil, false
	}
	row := k.row
	row.Cells = map[string]*Cell{} // the report fills its own
	return &row, k.cells, true
}

// keep remembers a row asked at version, and what it read.
func (r *Rows) keep(flow string, version uint64, row *Flow, cells []principalCell, reads engine.Reads) {
	if r == nil {
		return
	}
	k := keptRow{version: version, row: *row, cells: cells, reads: reads}
	k.row.Cells = nil
	r.mu.Lock()
	r.kept[flow] = k
	r.mu.Unlock()
}

// done keeps only the rows of the flows of the report just built (a
// deleted flow's row is dropped) and how many were reused.
func (r *Rows) done(flows map[string]bool, reused int) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for f := range r.kept {
		if !flows[f] {
			delete(r.kept, f)
		}
	}
	r.reused = reused
}
