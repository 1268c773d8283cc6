package audit

import (
	"bytes"
	"compress/flate"
	"container/heap"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"

	"github.com/padlock/padlock/engine/document"
)

// Findings are an audit's findings in report order (reportOrder). A
// tenant's audit finds tens of thousands, and none can be written before
// the last flow is audited (they are sorted, and invalid documents found
// late void them all): instead of holding them as they are, a few hundred
// bytes each, they are kept in sorted runs of runSize, each encoded with
// gob and compressed, and the runs are merged as the findings are read.
// What an audit holds then hardly grows with its findings (issue 12:
// memory flat from 1,000 to 30,000 flows).
//
// The zero value is empty. add is not safe for concurrent use (the
// auditor holds its lock); reading (Len, All, Slice) is, once sealed (Run
// and NewFindings seal what they return).
type Findings struct {
	runs    [][]byte           // sorted runs, gob-encoded and compressed
	buf     []document.Finding // added since the last run, sorted when read
	sorted  bool               // buf is in report order
	n       int
	counts  [3]int // by severity rank
	runSize int    // 0: defaultRunSize
}

// defaultRunSize findings are sorted and compressed together: large
// enough that the runs compress well and are few to merge, small enough
// that the unencoded ones are a few MB.
const defaultRunSize = 8192

// NewFindings holds the given findings (sorted into report order).
func NewFindings(fs ...document.Finding) *Findings {
	out := &Findings{buf: slices.Clone(fs)}
	for _, f := range fs {
		out.count(f)
	}
	out.seal()
	return out
}

// Len is the number of findings.
func (fs *Findings) Len() int {
	if fs == nil {
		return 0
	}
	return fs.n
}

// AtLeast counts the findings at or above a severity rank.
func (fs *Findings) AtLeast(min int) int {
	n := 0
	for r := max(min, 0); fs != nil && r < len(fs.counts); r++ {
		n += fs.counts[r]
	}
	return n
}

// Count is the number of findings of a severity.
func (fs *Findings) Count(severity string) int {
	if r := rank(severity); fs != nil && r >= 0 {
		return fs.counts[r]
	}
	return 0
}

// add keeps one finding; every runSize findings become a run.
func (fs *Findings) add(f document.Finding) error {
	fs.buf = append(fs.buf, f)
	fs.sorted = false
	fs.count(f)
	size := fs.runSize
	if size <= 0 {
		size = defaultRunSize
	}
	if len(fs.buf) < size {
		return nil
	}
	sortFindings(fs.buf)
	run, err := encodeRun(fs.buf)
	if err != nil {
		return fmt.Errorf("keep %d findings: %w", len(fs.buf), err)
	}
	fs.runs = append(fs.runs, run)
	fs.buf = fs.buf[:0]
	return nil
}

func (fs *Findings) count(f document.Finding) {
	fs.n++
	if r := rank(f.Severity); r >= 0 {
		fs.counts[r]++
	}
}

func encodeRun(fs []document.Finding) ([]byte, error) {
	var b bytes.Buffer
	zw, err := flate.NewWriter(&b, flate.BestSpeed)
	if err != nil {
		return nil, err
	}
	enc := gob.NewEncoder(zw)
	for i := range fs {
		if err := enc.Encode(&fs[i]); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return bytes.Clone(b.Bytes()), nil // not the buffer's doublings
}

// seal sorts what was added since the last run: reading needs it.
func (fs *Findings) seal() {
	if !fs.sorted {
		sortFindings(fs.buf)
		fs.sorted = true
	}
}

// All yields the findings in report order, merging the runs; an error
// (a run that does not decode: a bug, not an input) ends it.
func (fs *Findings) All() iter.Seq2[document.Finding, error] {
	return func(yield func(document.Finding, error) bool) {
		if fs == nil {
			return
		}
		fs.seal()
		h := &cursors{} // a small audit has no run: one cursor, over buf
		for _, run := range fs.runs {
			c := &cursor{dec: gob.NewDecoder(flate.NewReader(bytes.NewReader(run)))}
			if err := c.next(); err != nil {
				yield(document.Finding{}, err)
				return
			}
			h.list = append(h.list, c)
		}
		if len(fs.buf) > 0 {
			h.list = append(h.list, &cursor{mem: fs.buf[1:], cur: fs.buf[0]})
		}
		heap.Init(h)
		for len(h.list) > 0 {
			c := h.list[0]
			if !yield(c.cur, nil) {
				return
			}
			if err := c.next(); errors.Is(err, io.EOF) {
				heap.Pop(h)
			} else if err != nil {
				yield(document.Finding{}, err)
				return
			} else {
				heap.Fix(h, 0)
			}
		}
	}
}

// Slice returns all the findings in report order, in memory: for reports
// that are built whole anyway, and for tests.
func (fs *Findings) Slice() ([]document.Finding, error) {
	out := make([]document.Finding, 0, fs.Len())
	for f, err := range fs.All() {
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// MarshalJSON writes the findings as a JSON array.
func (fs *Findings) MarshalJSON() ([]byte, error) {
	all, err := fs.Slice()
	if err != nil {
		return nil, err
	}
	return json.Marshal(all)
}

// UnmarshalJSON reads a JSON array of findings (a report read back).
func (fs *Findings) UnmarshalJSON(data []byte) error {
	var all []document.Finding
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	*fs = *NewFindings(all...)
	return nil
}

// cursor is the next finding of one sorted run.
type cursor struct {
	dec *gob.Decoder       // an encoded run, or
	mem []document.Finding // the rest of the unencoded one
	cur document.Finding
}

func (c *cursor) next() error {
	if c.dec == nil {
		if len(c.mem) == 0 {
			return io.EOF
		}
		c.cur, c.mem = c.mem[0], c.mem[1:]
		return nil
	}
	c.cur = document.Finding{} // gob leaves zero values out: no field may carry over
	if err := c.dec.Decode(&c.cur); errors.Is(err, io.EOF) {
		return io.EOF
	} else if err != nil {
		return fmt.Errorf("read back kept findings: %w", err)
	}
	return nil
}

// cursors are a heap of the runs by their next finding.
type cursors struct{ list []*cursor }

func (h *cursors) Len() int           { return len(h.list) }
func (h *cursors) Less(i, j int) bool { return reportOrder(h.list[i].cur, h.list[j].cur) < 0 }
func (h *cursors) Swap(i, j int)      { h.list[i], h.list[j] = h.list[j], h.list[i] }
func (h *cursors) Push(x any)         { h.list = append(h.list, x.(*cursor)) }
func (h *cursors) Pop() any {
	last := h.list[len(h.list)-1]
	h.list = h.list[:len(h.list)-1]
	return last
}

// sortFindings puts findings in report order.
func sortFindings(fs []document.Finding) { slices.SortStableFunc(fs, reportOrder) }
