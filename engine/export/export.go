// Package export reads desktop flows out of the real formats they come in:
// solution exports (the .zip, the same unzipped, and `pac solution unpack`
// folders), Dataverse Web API dumps of the workflow table, and padlock's
// own documents. Every desktop flow becomes a DesktopFlow document (which
// the caller validates like any other) plus the facts only an export has
// (script lines, disabled actions, credentials, binaries), and every cloud
// flow the desktop flow runs it starts. A file that cannot be read or
// parsed is a problem with its path and why; the others are still read.
package export

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/load"
	"github.com/padlock/padlock/engine/progress"
)

// Flow is one desktop flow found in an input.
type Flow struct {
	Doc   document.DesktopFlow
	Facts document.AuditFlow
	// Order is where the flow is among the inputs (Order.Less), whichever
	// goroutine read it.
	Order Order
}

// Order places a flow among the inputs: the input unit (a solution, a
// file) in the order of the walk, then the flow within it.
type Order struct{ Unit, Index int }

// Less orders flows as the inputs list them.
func (o Order) Less(p Order) bool {
	return o.Unit < p.Unit || o.Unit == p.Unit && o.Index < p.Index
}

// Result is everything read from the inputs.
type Result struct {
	// Flows are the desktop flows, in input order; empty when
	// Options.Flow took them.
	Flows      []Flow
	CloudFlows []document.AuditCloudFlow
	// Documents are padlock documents found among the inputs.
	Documents []load.Doc
	Problems  diag.List
	// Warnings are entries the cache could not store: the reading was
	// whole, the next one will parse those solutions again.
	Warnings diag.List
}

// Options tune reading.
type Options struct {
	// Environment is given to every exported flow: exports carry none.
	Environment string
	Limits      Limits
	// Progress counts the solutions and desktop flows read (nil: silent).
	Progress *progress.Meter
	// Jobs is how many inputs are read, and how many flows parsed, at
	// once (0: GOMAXPROCS).
	Jobs int
	// Flow, when set, is handed each desktop flow as soon as it is read,
	// from up to Jobs goroutines at once, instead of keeping the flows in
	// the Result: an audit of tens of thousands of flows holds none of
	// their scripts for longer than it takes to audit them.
	Flow func(Flow)
	// Before, when set, is called once every input that is not a solution
	// (padlock documents, Web API dumps, cloud flow files: small next to
	// solutions) has been read, and before any solution is, with what
	// they yielded: the audit builds the world its rules need from the
	// documents there before the first flow reaches Flow. The flows of
	// those inputs reach Flow after Before returns.
	Before func(*Result)
	// Cache, when set, gives the solution zips read before, unchanged,
	// without parsing them, and keeps those read now.
	Cache *Cache
}

// Read reads every input: files and folders, folders recursively. The
// inputs are found first (a walk, in lexical order), then read as units,
// a solution or a file each, on Jobs goroutines; what each unit yields
// is put back in walk order, so that the Result is the same for any Jobs.
func Read(paths []string, o Options) *Result {
	if o.Limits == (Limits{}) {
		o.Limits = DefaultLimits()
	}
	if o.Environment == "" {
		o.Environment = "default"
	}
	if o.Jobs <= 0 {
		o.Jobs = runtime.GOMAXPROCS(0)
	}
	var units []unit
	for _, p := range paths {
		units = appendUnits(units, p, true)
	}
	pool := newPool(o.Jobs)
	readers := make([]*reader, len(units))
	// First the inputs that are not solutions, keeping their flows; then,
	// once Before has seen them, the solutions, streamed.
	first := o
	first.Flow = nil
	readUnits(units, readers, first, pool, false)
	if o.Before != nil {
		o.Before(merge(readers, true))
	}
	if o.Flow != nil {
		for _, r := range readers {
			for _, s := range slotsOf(r) {
				if s.flow != nil {
					o.Flow(*s.flow)
					s.flow = nil
				}
			}
		}
	}
	readUnits(units, readers, o, pool, true)
	pool.close()
	res := merge(readers, false)
	if o.Cache != nil {
		if err := o.Cache.unusable(); err != nil {
			res.Warnings = append(res.Warnings, diag.Problem{Severity: diag.Warning, File: o.Cache.dir, Document: -1, Message: "the cache was not used: " + err.Error()})
		}
	}
	return res
}

// unit is one input to read: a solution (a zip or a folder), or a file.
type unit struct {
	solution bool
	read     func(*reader)
}

// readUnits reads the units that are (or are not) solutions, Jobs at once.
func readUnits(units []unit, readers []*reader, o Options, pool *pool, solutions bool) {
	var todo []int
	for i, u := range units {
		if u.solution == solutions {
			todo = append(todo, i)
		}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(o.Jobs, len(todo)) {
		wg.Go(func() {
			for k := int(next.Add(1) - 1); k < len(todo); k = int(next.Add(1) - 1) {
				i := todo[k]
				r := &reader{opts: o, unit: i, pool: pool}
				units[i].read(r)
				r.wg.Wait()
				r.storeInCache()
				if units[i].solution {
					o.Progress.Add("solutions read", 1)
				}
				readers[i] = r
			}
		})
	}
	wg.Wait()
}

func slotsOf(r *reader) []*slot {
	if r == nil { // not read yet
		return nil
	}
	return r.out
}

// merge puts what the units yielded together, in walk order (the units
// read so far, when partial).
func merge(readers []*reader, partial bool) *Result {
	res := &Result{}
	for _, r := range readers {
		for _, s := range slotsOf(r) {
			res.Problems = append(res.Problems, s.problems...)
			res.Warnings = append(res.Warnings, s.warnings...)
			res.Documents = append(res.Documents, s.docs...)
			if s.cloud != nil {
				res.CloudFlows = append(res.CloudFlows, *s.cloud)
			}
			if s.flow != nil && !partial {
				res.Flows = append(res.Flows, *s.flow)
			}
		}
	}
	return res
}

// appendUnits walks a path given as an input for the units to read: a
// solution folder or a solution zip is one, and so is each other file.
func appendUnits(units []unit, p string, explicit bool) []unit {
	info, err := os.Stat(p)
	switch {
	case err != nil:
		return append(units, unit{read: func(r *reader) { r.problem(p, 0, "%v", cleanErr(err)) }})
	case !info.IsDir():
		return append(units, unit{solution: strings.HasSuffix(strings.ToLower(p), ".zip"), read: func(r *reader) { r.file(p, explicit) }})
	}
	return appendFolder(units, p)
}

// appendFolder is appendUnits for a folder: a solution, or a folder
// searched for inputs. Only real subfolders are searched: a symbolic link
// to a folder is not followed (it could lead back up the tree).
func appendFolder(units []unit, p string) []unit {
	if isSolution(os.DirFS(p)) {
		return append(units, unit{solution: true, read: func(r *reader) { r.solution(os.DirFS(p), p) }})
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		return append(units, unit{read: func(r *reader) { r.problem(p, 0, "%v", cleanErr(err)) }})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		name := filepath.Join(p, e.Name())
		switch {
		case strings.HasPrefix(e.Name(), "."):
		case e.IsDir():
			units = appendFolder(units, name)
		default:
			units = append(units, unit{solution: strings.HasSuffix(strings.ToLower(name), ".zip"), read: func(r *reader) { r.file(name, false) }})
		}
	}
	return units
}

// reader reads one unit. Everything it finds goes to out in the order
// found; a desktop flow's slot is filled by whichever goroutine parses it.
type reader struct {
	opts Options
	unit int
	pool *pool
	out  []*slot
	wg   sync.WaitGroup // the unit's flows being parsed

	// cacheKey is the unit's entry in Options.Cache, set while the unit
	// is parsed to be stored; a flow that would not decode to itself
	// makes the unit uncacheable.
	cacheKey, cachePath string
	uncacheable         atomic.Bool
}

// slot is one thing a unit yields, in its place.
type slot struct {
	problems diag.List
	warnings diag.List
	docs     []load.Doc
	cloud    *document.AuditCloudFlow
	flow     *Flow
	cached   []byte // the flow as the cache keeps it, while cacheKey is set
}

func (r *reader) problem(file string, line int, format string, args ...any) {
	r.out = append(r.out, &slot{problems: diag.List{flowProblem(file, line, format, args...)}})
}

func flowProblem(file string, line int, format string, args ...any) diag.Problem {
	return diag.Problem{Severity: diag.Error, File: file, Document: -1, Line: line, Message: fmt.Sprintf(format, args...)}
}

// flow parses a desktop flow on the pool: parse returns the flow, or
// problems. The flow goes to Options.Flow, or into the Result.
func (r *reader) flow(parse func() (*Flow, diag.List)) {
	s := &slot{}
	order := Order{Unit: r.unit, Index: len(r.out)}
	r.out = append(r.out, s)
	r.wg.Add(1)
	r.pool.run(func() {
		defer r.wg.Done()
		s.flow, s.problems = parse()
		if s.flow == nil {
			return
		}
		s.flow.Order = order
		if r.cacheKey != "" {
			var ok bool
			if s.cached, ok = encodeFlow(s.flow); !ok {
				r.uncacheable.Store(true)
			}
		}
		r.opts.Progress.Add("desktop flows read", 1)
		if r.opts.Flow != nil {
			r.opts.Flow(*s.flow)
			s.flow = nil // handed on, not kept
		}
	})
}

// pool runs functions on a fixed number of goroutines; a nil pool (one
// job) runs them at once, in the caller.
type pool struct {
	tasks chan func()
	wg    sync.WaitGroup
}

func newPool(jobs int) *pool {
	if jobs <= 1 {
		return nil
	}
	// A few tasks queued per worker keep them busy while units scan;
	// each holds one flow's script, so the queue bounds memory.
	p := &pool{tasks: make(chan func(), 4*jobs)}
	for range jobs {
		p.wg.Go(func() {
			for t := range p.tasks {
				t()
			}
		})
	}
	return p
}

func (p *pool) run(t func()) {
	if p == nil {
		t()
		return
	}
	p.tasks <- t
}

func (p *pool) close() {
	if p != nil {
		close(p.tasks)
		p.wg.Wait()
	}
}

// file reads one input file. Named explicitly, a file of no known kind is
// a problem; met in a folder walk, it is not an input.
func (r *reader) file(p string, explicit bool) {
	lower := strings.ToLower(p)
	switch {
	case strings.HasSuffix(lower, ".zip"):
		data, err := r.read(p)
		if err != nil {
			r.problem(p, 0, "%v", err)
			return
		}
		if r.fromCache(p, data) {
			return
		}
		fsys, err := openZip(data, r.opts.Limits)
		if err != nil {
			r.problem(p, 0, "%v", err)
			return
		}
		if !isSolution(fsys) {
			r.problem(p, 0, "not a solution export: no customizations.xml or Other/Customizations.xml")
			return
		}
		r.solution(fsys, p)
	case strings.HasSuffix(lower, ".json.data.xml"):
		data, err := r.read(p)
		if err != nil {
			r.problem(p, 0, "%v", err)
			return
		}
		r.workflowXML(data, p, nil, false)
	case strings.HasSuffix(lower, ".json"):
		data, err := r.read(p)
		if err != nil {
			r.problem(p, 0, "%v", err)
			return
		}
		switch {
		case isWebAPI(data):
			r.webAPI(data, p)
		case isCloudFlow(data):
			r.cloudFlow(data, p, "")
		default:
			r.documents(p, data)
		}
	case strings.HasSuffix(lower, ".yaml"), strings.HasSuffix(lower, ".yml"):
		data, err := r.read(p)
		if err != nil {
			r.problem(p, 0, "%v", err)
			return
		}
		r.documents(p, data)
	default:
		if explicit {
			r.problem(p, 0, "not an input padlock audits: want a solution .zip or folder, a Dataverse Web API .json, or padlock documents")
		}
	}
}

func (r *reader) documents(p string, data []byte) {
	docs, probs := load.New(load.Options{MaxFileSize: r.opts.Limits.MaxFileBytes}).Bytes(p, data)
	r.out = append(r.out, &slot{docs: docs, problems: probs})
}

func (r *reader) read(p string) ([]byte, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, cleanErr(err)
	}
	max := r.opts.Limits.MaxFileBytes
	if strings.HasSuffix(strings.ToLower(p), ".zip") {
		max = r.opts.Limits.MaxTotalBytes // a whole solution, compressed
	}
	if info.Size() > max {
		return nil, fmt.Errorf("file is %d bytes, more than the limit of %d", info.Size(), max)
	}
	b, err := os.ReadFile(p)
	return b, cleanErr(err)
}

func cleanErr(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// NormalizeID is the one spelling of a Dataverse id: lower case, no braces
// ("{6F0C...}" and "6f0c..." name one row).
func NormalizeID(id string) string {
	return strings.ToLower(strings.Trim(strings.TrimSpace(id), "{}"))
}

// cleanName drops the zero-width spaces real exports carry in names.
func cleanName(s string) string {
	return strings.TrimSpace(strings.NewReplacer("\u200b", "", "\ufeff", "").Replace(s))
}

// fromCache replays a zip's entry in the cache, or, on a miss, sets the
// reader to store one once the zip is parsed.
func (r *reader) fromCache(p string, data []byte) bool {
	c := r.opts.Cache
	if c == nil {
		return false
	}
	key, ok := c.key(p, data, r.opts)
	if !ok { // Read warns once
		return false
	}
	slots, ok := c.load(key)
	if !ok {
		c.misses.Add(1)
		r.cacheKey, r.cachePath = key, p
		return false
	}
	c.hits.Add(1)
	r.opts.Progress.Add("solutions from cache", 1)
	for _, s := range slots {
		if f, probs := s.flow, s.problems; f != nil {
			r.flow(func() (*Flow, diag.List) { return f, probs })
			continue
		}
		r.out = append(r.out, s)
	}
	return true
}

// storeInCache stores what the unit yielded, once its flows are parsed.
func (r *reader) storeInCache() {
	if r.cacheKey == "" || r.uncacheable.Load() {
		return
	}
	slots := make([]storedSlot, len(r.out))
	for i, s := range r.out {
		if len(s.docs) > 0 { // a zip yields no documents: one that did is not cached
			return
		}
		slots[i] = storedSlot{Problems: s.problems, Cloud: s.cloud, Flow: s.cached}
		s.cached = nil
	}
	if err := r.opts.Cache.store(r.cacheKey, slots); err != nil {
		r.out = append(r.out, &slot{warnings: diag.List{{Severity: diag.Warning, File: r.opts.Cache.dir, Document: -1,
			Message: fmt.Sprintf("the cache could not keep what %s yielded (it will be parsed again): %v", r.cachePath, err)}}})
	}
	r.cacheKey = ""
}
