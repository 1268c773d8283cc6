package export

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/padlock/padlock/engine/export/exporttest"
)

// cacheInputs are generated solution zips and the fixture zips, bad
// ones included (their problems are cached too).
func cacheInputs(t *testing.T) []string {
	t.Helper()
	gen, err := exporttest.Write(t.TempDir(), exporttest.Size{Flows: 40, PerSolution: 10, ScriptLines: 60, Environment: "northwind-prod"})
	if err != nil {
		t.Fatal(err)
	}
	return []string{gen.Zips, "../../fixtures/audit/solution.zip", "../../fixtures/audit/bad"}
}

// streamed reads the inputs as an audit does, handing each flow on as it
// is read, and returns the flows in input order with the rest.
func streamed(inputs []string, o Options) *Result {
	var mu sync.Mutex
	var flows []Flow
	o.Flow = func(f Flow) {
		mu.Lock()
		defer mu.Unlock()
		flows = append(flows, f)
	}
	res := Read(inputs, o)
	slices.SortFunc(flows, func(a, b Flow) int {
		if a.Order.Less(b.Order) {
			return -1
		}
		return 1
	})
	res.Flows = flows
	return res
}

func openCache(t *testing.T, dir string) *Cache {
	t.Helper()
	c, err := OpenCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCacheGivesWhatParsingGives: a zip read from the cache yields the
// same flows, in the same places, the same cloud flows and problems as
// parsing it, kept or streamed, for any Jobs.
func TestCacheGivesWhatParsingGives(t *testing.T) {
	inputs := cacheInputs(t)
	zips := 0
	for _, in := range inputs {
		found, _ := filepath.Glob(filepath.Join(in, "*.zip"))
		zips += len(found)
		if strings.HasSuffix(in, ".zip") {
			zips++
		}
	}
	want := Read(inputs, Options{Environment: "northwind-prod"})
	if len(want.Flows) < 40 || len(want.Problems) < 3 || len(want.CloudFlows) == 0 {
		t.Fatalf("the inputs yield %d flows, %d cloud flows, %d problems: not what they hold", len(want.Flows), len(want.CloudFlows), len(want.Problems))
	}
	dir := t.TempDir()
	for run, tt := range []struct {
		jobs   int
		stream bool
		hits   int64
	}{{1, false, 0}, {1, false, int64(zips)}, {4, true, int64(zips)}, {2, false, int64(zips)}} {
		c := openCache(t, dir)
		o := Options{Environment: "northwind-prod", Jobs: tt.jobs, Cache: c}
		var got *Result
		if tt.stream {
			got = streamed(inputs, o)
		} else {
			got = Read(inputs, o)
		}
		if hits, misses := c.Stats(); hits != tt.hits || hits+misses != int64(zips) {
			t.Errorf("run %d: %d hits and %d misses, want %d hits of %d zips", run, hits, misses, tt.hits, zips)
		}
		if len(got.Warnings) > 0 {
			t.Errorf("run %d: %v", run, got.Warnings)
		}
		if !reflect.DeepEqual(got.Flows, want.Flows) || !reflect.DeepEqual(got.CloudFlows, want.CloudFlows) || !reflect.DeepEqual(got.Problems, want.Problems) {
			t.Errorf("run %d (jobs %d, streamed %v): the cache yields other flows, cloud flows or problems than parsing", run, tt.jobs, tt.stream)
		}
	}
}

// TestCacheKeysEverythingTheParseReads: another environment, other
// limits, another path or other bytes find no entry; the new bytes'
// flows are read, not the old ones'.
func TestCacheKeysEverythingTheParseReads(t *testing.T) {
	gen, err := exporttest.Write(t.TempDir(), exporttest.Size{Flows: 8, PerSolution: 4, ScriptLines: 30, Environment: "northwind-prod"})
	if err != nil {
		t.Fatal(err)
	}
	zip := filepath.Join(gen.Zips, "solution-0000.zip")
	dir := t.TempDir()
	read := func(path string, o Options) (*Result, int64) {
		t.Helper()
		o.Cache = openCache(t, dir)
		res := Read([]string{path}, o)
		hits, _ := o.Cache.Stats()
		return res, hits
	}
	base := Options{Environment: "northwind-prod"}
	if _, hits := read(zip, base); hits != 0 {
		t.Fatal("a hit in an empty cache")
	}
	if _, hits := read(zip, base); hits != 1 {
		t.Fatal("no hit for the same zip")
	}
	other := base
	other.Environment = "northwind-test"
	res, hits := read(zip, other)
	if hits != 0 || res.Flows[0].Doc.Environment != "northwind-test" {
		t.Errorf("another environment: %d hits, flows in %q", hits, res.Flows[0].Doc.Environment)
	}
	small := base
	small.Limits = DefaultLimits()
	small.Limits.MaxEntries = 1
	if res, hits := read(zip, small); hits != 0 || len(res.Problems) != 1 {
		t.Errorf("other limits: %d hits, problems %v", hits, res.Problems)
	}
	copied := filepath.Join(t.TempDir(), "copy.zip")
	data, err := os.ReadFile(zip)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(copied, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if res, hits := read(copied, base); hits != 0 || res.Flows[0].Facts.Location.File != filepath.Join(copied, "customizations.xml") {
		t.Errorf("another path: %d hits, a flow located in %s", hits, res.Flows[0].Facts.Location.File)
	}
	if _, hits := read(copied, base); hits != 1 {
		t.Fatal("no hit for the copy read again")
	}
	// The same path, other bytes: another solution's zip written over it.
	next := filepath.Join(gen.Zips, "solution-0001.zip")
	data, err = os.ReadFile(next)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(copied, data, 0o644); err != nil {
		t.Fatal(err)
	}
	want := Read([]string{next}, base).Flows[0].Doc.ID
	if res, hits := read(copied, base); hits != 0 || res.Flows[0].Doc.ID != want {
		t.Errorf("other bytes: %d hits, first flow %s, want %s", hits, res.Flows[0].Doc.ID, want)
	}
}

// TestCacheIgnoresBrokenEntries: an entry cut short, changed or replaced
// by garbage is a miss; the zip is parsed and its entry written anew.
func TestCacheIgnoresBrokenEntries(t *testing.T) {
	inputs := cacheInputs(t)[:1]
	want := Read(inputs, Options{Environment: "northwind-prod"})
	dir := t.TempDir()
	Read(inputs, Options{Environment: "northwind-prod", Cache: openCache(t, dir)})
	entries, _ := filepath.Glob(filepath.Join(dir, strings.Repeat("?", 64)))
	if len(entries) != 4 {
		t.Fatalf("%d entries for 4 zips", len(entries))
	}
	for name, breakIt := range map[string]func([]byte) []byte{
		"cut short": func(b []byte) []byte { return b[:len(b)/2] },
		"changed": func(b []byte) []byte {
			i := strings.Index(string(b), `"name":"`) + len(`"name":"`)
			b[i] ^= 1
			return b
		},
		"garbage": func([]byte) []byte { return []byte("not an entry") },
		"empty":   func([]byte) []byte { return nil },
	} {
		for _, e := range entries {
			b, err := os.ReadFile(e)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(e, breakIt(b), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		c := openCache(t, dir)
		got := Read(inputs, Options{Environment: "northwind-prod", Cache: c})
		if hits, _ := c.Stats(); hits != 0 || !reflect.DeepEqual(got.Flows, want.Flows) {
			t.Errorf("%s: %d hits; flows as parsed: %v", name, hits, reflect.DeepEqual(got.Flows, want.Flows))
		}
		c = openCache(t, dir)
		if Read(inputs, Options{Environment: "northwind-prod", Cache: c}); func() bool { h, _ := c.Stats(); return h != 4 }() {
			t.Errorf("%s: the entries were not written anew", name)
		}
	}
}

// TestCacheStoreFailureIsAWarning: a cache that can no longer be written
// costs the next run a parse, never this run's flows.
func TestCacheStoreFailureIsAWarning(t *testing.T) {
	inputs := cacheInputs(t)[:1]
	dir := filepath.Join(t.TempDir(), "cache")
	c := openCache(t, dir)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	got := Read(inputs, Options{Environment: "northwind-prod", Cache: c})
	want := Read(inputs, Options{Environment: "northwind-prod"})
	if !reflect.DeepEqual(got.Flows, want.Flows) || len(got.Problems) != 0 {
		t.Errorf("flows as parsed: %v; problems %v", reflect.DeepEqual(got.Flows, want.Flows), got.Problems)
	}
	if len(got.Warnings) != 4 || !strings.Contains(got.Warnings[0].Message, "solution-0000.zip") {
		t.Errorf("want a warning naming each zip, got %v", got.Warnings)
	}
}

// TestUnusableCache: a cache that cannot tell which parser made its
// entries is not used, and says so once.
func TestUnusableCache(t *testing.T) {
	inputs := cacheInputs(t)[:1]
	dir := t.TempDir()
	Read(inputs, Options{Environment: "northwind-prod", Cache: openCache(t, dir)})
	c := openCache(t, dir)
	c.build = func() (string, error) { return "", errors.New("no executable") }
	got := Read(inputs, Options{Environment: "northwind-prod", Cache: c})
	want := Read(inputs, Options{Environment: "northwind-prod"})
	if hits, misses := c.Stats(); hits != 0 || misses != 0 || !reflect.DeepEqual(got.Flows, want.Flows) {
		t.Errorf("%d hits, %d misses; flows as parsed: %v", hits, misses, reflect.DeepEqual(got.Flows, want.Flows))
	}
	if len(got.Warnings) != 1 || !strings.Contains(got.Warnings[0].Message, "no executable") {
		t.Errorf("want one warning, got %v", got.Warnings)
	}
}

// TestOpenCache: a cache folder that cannot be made is an error; entries
// unused for CacheMaxAge and stale temporary files are removed, anything
// else in the folder is left alone.
func TestOpenCache(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenCache(filepath.Join(file, "cache")); err == nil || !strings.Contains(err.Error(), file) {
		t.Errorf("a cache under a file: %v", err)
	}
	dir := t.TempDir()
	old := time.Now().Add(-CacheMaxAge - time.Hour)
	names := map[string]bool{ // kept?
		strings.Repeat("a", 64): false,
		strings.Repeat("b", 64): true,
		".tmp-123":              false,
		"README":                true,
	}
	for name, kept := range names {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if !kept || name == "README" {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	openCache(t, dir)
	for name, kept := range names {
		if _, err := os.Stat(filepath.Join(dir, name)); (err == nil) != kept {
			t.Errorf("%s: kept %v, want %v", name, err == nil, kept)
		}
	}
}
