package export

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/document"
)

// Cache keeps what each solution zip yielded (its flows' documents and
// facts, its cloud flows, its problems), so that a nightly audit of
// exports that did not change since the last night skips inflating and
// parsing them: only the rules run again, over that night's documents.
//
// An entry is found by a digest of everything the parse depends on: the
// zip's bytes (read once, then both hashed and parsed, so they cannot
// differ), its path (every location names it), the environment, the
// limits, and the running executable (the parser that made the entry).
// Nothing else reaches the parse, so an entry is never stale. Solution
// folders are not cached: their files could change between being hashed
// and being read.
//
// An entry that cannot be read, or whose checksum fails, is a miss: the
// zip is parsed as if there were no cache. An entry is written only when
// it decodes to exactly what the parse yielded.
type Cache struct {
	dir string
	// build is the running executable's digest, hashed in the background
	// from OpenCache on: about 40 ms for padlock's 50 MB, while the engine
	// compiles its policies.
	build func() (string, error)

	hits, misses atomic.Int64
}

// cacheFormat changes when the entries' shape does.
const cacheFormat = "padlock export cache 1"

// CacheMaxAge is how long an entry no audit has used is kept.
const CacheMaxAge = 30 * 24 * time.Hour

// OpenCache opens (making it if needed) a cache folder, and removes the
// entries not used for CacheMaxAge. A folder that cannot be written is an
// error: the caller asked for a cache it would not get.
func OpenCache(dir string) (*Cache, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cache %s: %w", dir, cleanErr(err))
	}
	probe, err := os.CreateTemp(dir, ".tmp-probe-*")
	if err != nil {
		return nil, fmt.Errorf("cache %s: cannot write to it: %w", dir, cleanErr(err))
	}
	probe.Close()
	os.Remove(probe.Name())
	c := &Cache{dir: dir, build: sync.OnceValues(executableDigest)}
	go c.build()
	c.prune(time.Now().Add(-CacheMaxAge))
	return c, nil
}

// unusable says why the cache cannot be used at all, if it cannot: then
// every zip is parsed and nothing is stored.
func (c *Cache) unusable() error {
	if _, err := c.build(); err != nil {
		return fmt.Errorf("cannot identify the running program, whose parser makes the entries: %w", err)
	}
	return nil
}

// Stats are the solutions found in the cache and those parsed (and
// stored) since the cache was opened.
func (c *Cache) Stats() (hits, misses int64) { return c.hits.Load(), c.misses.Load() }

func executableDigest() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// key names the entry of a zip read from path with these options; false
// when the cache is unusable.
func (c *Cache) key(path string, data []byte, o Options) (string, bool) {
	build, err := c.build()
	if err != nil {
		return "", false
	}
	h := sha256.New()
	fmt.Fprintf(h, "%q %q %q %q %+v\n", cacheFormat, build, path, o.Environment, o.Limits) // quoted: no two keys read alike
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil)), true
}

// cachedSlot is a slot as an entry keeps it: a flow without its place
// among the inputs (which depends on the other inputs).
type cachedSlot[F any] struct {
	Problems diag.List                `json:"problems,omitempty"`
	Cloud    *document.AuditCloudFlow `json:"cloud,omitempty"`
	Flow     F                        `json:"flow,omitempty"`
}

// storedSlot is written with the JSON each flow was given when it was
// parsed (encodeFlow); loadedSlot decodes the flow with the rest.
type (
	storedSlot = cachedSlot[json.RawMessage]
	loadedSlot = cachedSlot[*cachedFlow]
)

// cachedFlow is a Flow without its Order.
type cachedFlow struct {
	Doc   document.DesktopFlow `json:"doc"`
	Facts document.AuditFlow   `json:"facts"`
}

// exactJSON encodes v, reporting false unless the encoding decodes to v
// again (a string that is not UTF-8 would not).
func exactJSON[T any](v T) ([]byte, bool) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, false
	}
	var back T
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, v) {
		return nil, false
	}
	return b, true
}

// encodeFlow is the JSON an entry keeps of a parsed flow.
func encodeFlow(f *Flow) ([]byte, bool) {
	return exactJSON(cachedFlow{Doc: f.Doc, Facts: f.Facts})
}

// load returns the slots of an entry, false for a miss.
func (c *Cache) load(key string) ([]*slot, bool) {
	name := filepath.Join(c.dir, key)
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, false
	}
	sum, body, ok := bytes.Cut(b, []byte("\n"))
	if !ok || string(sum) != digest(body) {
		return nil, false
	}
	var cached []loadedSlot
	if err := json.Unmarshal(body, &cached); err != nil {
		return nil, false
	}
	slots := make([]*slot, len(cached))
	for i, cs := range cached {
		slots[i] = &slot{problems: cs.Problems, cloud: cs.Cloud}
		if f := cs.Flow; f != nil {
			slots[i].flow = &Flow{Doc: f.Doc, Facts: f.Facts}
		}
	}
	now := time.Now()
	_ = os.Chtimes(name, now, now) // used: kept from pruning (a failure costs a parse a month on)
	return slots, true
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// store writes an entry whole or not at all (a temporary file renamed),
// so that an audit running beside this one reads the old entry, none or
// the new one.
func (c *Cache) store(key string, slots []storedSlot) error {
	// The flows were checked as they were encoded; the rest is checked
	// here, slot by slot, rather than every flow again.
	for _, s := range slots {
		if s.Problems != nil || s.Cloud != nil {
			if _, ok := exactJSON(loadedSlot{Problems: s.Problems, Cloud: s.Cloud}); !ok {
				return errors.New("not cacheable")
			}
		}
	}
	body, err := json.Marshal(slots)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(c.dir, ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename, nothing
	_, err = fmt.Fprintf(tmp, "%s\n%s", digest(body), body)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(c.dir, key))
}

// prune removes the entries not used since before, and the temporary
// files an audit that was killed left (any older than an hour).
func (c *Cache) prune(before time.Time) {
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		cutoff := before
		switch {
		case isEntryName(e.Name()):
		case strings.HasPrefix(e.Name(), ".tmp-"):
			cutoff = time.Now().Add(-time.Hour)
		default:
			continue // not the cache's: left alone
		}
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() && info.ModTime().Before(cutoff) {
			os.Remove(filepath.Join(c.dir, e.Name()))
		}
	}
}

func isEntryName(name string) bool {
	_, err := hex.DecodeString(name)
	return err == nil && len(name) == 2*sha256.Size
}
