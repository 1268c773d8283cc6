package engine

import (
	"context"
	"slices"
	"sync"

	"github.com/open-policy-agent/opa/v1/storage"
)

// Reads are the paths of the store one answer was read from, so that a
// cache of answers (decisions, lists, a report's rows) can tell exactly
// which a write changes: the answers that read a path the write replaced,
// or a path above or below one. Paths are kept hashed: a collision only
// makes an answer be asked again.
type Reads struct {
	at    []uint64 // the paths read, sorted
	above []uint64 // every path above one read, sorted
	// all is set for a kept answer that read more than maxReads paths
	// (what-can of an administrator of every flow): any write is taken to
	// change it.
	all bool
}

// maxReads bounds the paths the engine's caches remember one answer read
// (8 bytes each, and the paths above them).
const maxReads = 1 << 12

// bounded is r if it holds at most maxReads paths, else the Reads that
// every write reaches.
func (r Reads) bounded() Reads {
	if len(r.at) > maxReads {
		return Reads{all: true}
	}
	return r
}

// readsKey is the context key of a recorder.
type readsKey struct{}

// recorder collects the paths an evaluation reads (from every part of a
// list asked in parallel), hashed as they are read. A decision reads a
// handful: appending to slices and sorting once costs less than a set.
type recorder struct {
	mu    sync.Mutex
	at    []uint64
	above []uint64
}

// recording returns ctx with a recorder of the store paths its queries
// read.
func recording(ctx context.Context) (context.Context, *recorder) {
	r := &recorder{}
	return context.WithValue(ctx, readsKey{}, r), r
}

// note records a read of p.
func (r *recorder) note(p storage.Path) {
	var hashes [8]uint64 // the root and the paths below it, on the stack for paths up to seven deep
	all := pathHashes(hashes[:0], p)
	r.mu.Lock()
	defer r.mu.Unlock()
	// OPA reads a path once per query, but each part of a list is a query
	// of its own: a path may be noted a few times, and reads sorts them out.
	r.at = append(r.at, all[len(all)-1])
	r.above = append(r.above, all[:len(all)-1]...)
}

// reads is what r recorded.
func (r *recorder) reads() Reads {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Reads{at: distinct(r.at), above: distinct(r.above)}
}

// distinct is hashes sorted, each once, in a slice of its own size: an
// answer may be kept long, and the paths above those read repeat (the
// root, /world) once per read.
func distinct(hashes []uint64) []uint64 {
	return slices.Clone(slices.Compact(slices.Sorted(slices.Values(hashes))))
}

// recordingStore is the store the engine evaluates against: every read
// passes to the store it wraps, and a read whose context carries a
// recorder is noted there. OPA reads the store with the context of the
// evaluation, once per path a query reads (its base cache keeps it for
// the rest of the query).
type recordingStore struct{ storage.Store }

func (s recordingStore) Read(ctx context.Context, txn storage.Transaction, path storage.Path) (any, error) {
	if r, ok := ctx.Value(readsKey{}).(*recorder); ok {
		r.note(path)
	}
	return s.Store.Read(ctx, txn, path)
}

// written is a write's paths below /world, hashed as Reads are: each path
// and the paths above it.
type written struct {
	at    []uint64 // the paths written
	above []uint64 // the paths above each, not itself
}

func writtenPaths(paths [][]string) written {
	var w written
	for _, p := range paths {
		all := pathHashes(nil, append(storage.Path{"world"}, p...))
		w.at = append(w.at, all[len(all)-1])
		w.above = append(w.above, all[:len(all)-1]...)
	}
	return w
}

// pathHashes appends the 64-bit FNV-1a hashes of the root, of every path
// below it down to p, and of p, in that order: one pass over p's bytes,
// each segment after a zero byte. The same in every engine and its
// snapshots, which read what the engine's writes are compared with. A
// collision (or a segment holding a zero byte) can only make two paths
// look alike: an answer asked again, never one kept wrongly.
func pathHashes(hashes []uint64, p storage.Path) []uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	hashes = append(hashes, h)
	for _, seg := range p {
		h *= prime // a zero byte before the segment
		for i := 0; i < len(seg); i++ {
			h = (h ^ uint64(seg[i])) * prime
		}
		hashes = append(hashes, h)
	}
	return hashes
}

// reaches reports whether a write of w changes what r read: a path
// written was read, or lies above a path read (replaced with it), or
// below one (a read of the whole).
func (w written) reaches(r Reads) bool {
	if r.all {
		return true
	}
	for _, h := range w.at {
		if has(r.at, h) || has(r.above, h) {
			return true
		}
	}
	for _, h := range w.above {
		if has(r.at, h) {
			return true
		}
	}
	return false
}

func has(sorted []uint64, h uint64) bool {
	_, found := slices.BinarySearch(sorted, h)
	return found
}
