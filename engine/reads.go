package engine

import (
	"context"
	"hash/fnv"
	"slices"
	"sync"

	"github.com/open-policy-agent/opa/v1/storage"
)

// Reads are the paths of the store one answer was read from, so that a
// cache of answers (a report's rows) can tell exactly which a write
// changes: the answers that read a path the write replaced, or a path
// above or below one. Paths are kept hashed: a collision only makes an
// answer be asked again.
type Reads struct {
	at    []uint64 // the paths read, sorted
	above []uint64 // every path above one read, sorted
}

// readsKey is the context key of a recorder.
type readsKey struct{}

// recorder collects the paths an evaluation reads (from every part of a
// list asked in parallel).
type recorder struct {
	mu    sync.Mutex
	paths map[string]storage.Path
}

// recording returns ctx with a recorder of the store paths its queries
// read.
func recording(ctx context.Context) (context.Context, *recorder) {
	r := &recorder{paths: map[string]storage.Path{}}
	return context.WithValue(ctx, readsKey{}, r), r
}

// reads is what r recorded.
func (r *recorder) reads() Reads {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out Reads
	for key, p := range r.paths {
		out.at = append(out.at, hash(key))
		out.above = appendAbove(out.above, p)
	}
	slices.Sort(out.at)
	slices.Sort(out.above)
	out.above = slices.Compact(out.above)
	return out
}

// recordingStore is the store the engine evaluates against: every read
// passes to the store it wraps, and a read whose context carries a
// recorder is noted there. OPA reads the store with the context of the
// evaluation, once per path a query reads (its base cache keeps it for
// the rest of the query).
type recordingStore struct{ storage.Store }

func (s recordingStore) Read(ctx context.Context, txn storage.Transaction, path storage.Path) (any, error) {
	if r, ok := ctx.Value(readsKey{}).(*recorder); ok {
		key := path.String()
		r.mu.Lock()
		if _, seen := r.paths[key]; !seen {
			r.paths[key] = slices.Clone(path)
		}
		r.mu.Unlock()
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
		full := append(storage.Path{"world"}, p...)
		w.at = append(w.at, hash(full.String()))
		w.above = appendAbove(w.above, full)
	}
	return w
}

// appendAbove appends the hashes of the paths above p, the root first.
func appendAbove(hashes []uint64, p storage.Path) []uint64 {
	for i := range len(p) {
		hashes = append(hashes, hash(p[:i].String()))
	}
	return hashes
}

// hash is a path's 64-bit FNV-1a hash: the same in every engine and its
// snapshots, which read what the engine's writes are compared with.
func hash(path string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(path))
	return h.Sum64()
}

// reaches reports whether a write of w changes what r read: a path
// written was read, or lies above a path read (replaced with it), or
// below one (a read of the whole).
func (w written) reaches(r Reads) bool {
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
