// Package engine ties padlock together: it compiles the Rego policies once
// (strict, type-checked against the generated schemas), keeps the indexed
// world in OPA's in-memory store, prepares the decision query once, and
// answers queries, keeping each answer until a write changes a path of the
// world it read (cache.go). It fails closed: any error gives a deny with
// EVAL_ERROR.
package engine

import (
	"context"
	"fmt"
	"io/fs"
	"runtime"
	"strings"
	"sync/atomic"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/padlock/padlock/bundles"
	"github.com/padlock/padlock/engine/dataverse"
	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/load"
	"github.com/padlock/padlock/engine/progress"
	"github.com/padlock/padlock/engine/source"
	"github.com/padlock/padlock/engine/validate"
	"github.com/padlock/padlock/engine/world"
)

// Engine answers queries. It is safe for concurrent use; SetWorld swaps the
// documents atomically while queries run.
type Engine struct {
	validator *validate.Validator
	compiler  *ast.Compiler
	store     storage.Store
	query     rego.PreparedEvalQuery
	world     atomic.Pointer[world.World]
	cache     atomic.Pointer[worldCaches]
	version   atomic.Uint64 // counts the world's changes, for the caches
	changes   changes       // which paths each change replaced (ReadsChangedSince)
	cacheSize int
	counts    *CacheCounts
	loader    *load.Loader
	paths     pathQueries
	progress  *progress.Meter
	masks     maskRoles
	// A long list is asked in listWorkers parts, less the lists being
	// evaluated now.
	listWorkers  int
	listsRunning atomic.Int32
	parts        parts // where the parts of a split list are asked
}

type config struct {
	policies    fs.FS
	data        fs.FS
	modules     []Module
	compiler    *ast.Compiler
	store       storage.Store
	loadOpts    load.Options
	cacheSize   int
	counts      *CacheCounts
	listWorkers int
}

// Option configures an Engine.
type Option func(*config)

// WithPolicies evaluates the .rego files of fsys instead of the built-in ones.
func WithPolicies(fsys fs.FS) Option { return func(c *config) { c.policies = fsys } }

// WithModules evaluates exactly these modules.
func WithModules(mods []Module) Option { return func(c *config) { c.modules = mods } }

// WithCompiler reuses policies compiled by Compile, so that many engines
// (one per fixture table, say) compile them once.
func WithCompiler(c *ast.Compiler) Option { return func(cfg *config) { cfg.compiler = c } }

// WithData uses the data.json files of fsys as the policies' static data
// instead of the built-in bundles/ data.
func WithData(fsys fs.FS) Option { return func(c *config) { c.data = fsys } }

// WithStore evaluates against an existing store (OPA's plugin manager's,
// whose bundles own the policies' data). The engine then writes only
// /world, and the caller provides everything else.
func WithStore(s storage.Store) Option { return func(c *config) { c.store = s } }

// WithDecisionCache bounds the decision cache to size entries; 0 turns it
// off, so that every query is evaluated by OPA.
func WithDecisionCache(size int) Option { return func(c *config) { c.cacheSize = size } }

// WithCacheCounts counts the decision cache's answers in c.
func WithCacheCounts(c *CacheCounts) Option { return func(cfg *config) { cfg.counts = c } }

// WithListWorkers evaluates a long list in at most n parts in parallel
// (default GOMAXPROCS); 1 evaluates every list in one query.
func WithListWorkers(n int) Option { return func(c *config) { c.listWorkers = max(n, 1) } }

// WithProgress counts files read and documents validated on m.
func WithProgress(m *progress.Meter) Option { return func(c *config) { c.loadOpts.Progress = m } }

// WithLoadOptions tunes how documents are read (file size limit).
func WithLoadOptions(o load.Options) Option { return func(c *config) { c.loadOpts = o } }

// New compiles the policies and prepares the decision query. The world
// starts empty: every query is denied with a reason until SetWorld.
func New(ctx context.Context, opts ...Option) (*Engine, error) {
	cfg := config{data: bundles.FS, cacheSize: DefaultCacheSize, listWorkers: runtime.GOMAXPROCS(0)}
	for _, o := range opts {
		o(&cfg)
	}
	compiler := cfg.compiler
	if compiler == nil {
		mods := cfg.modules
		var err error
		switch {
		case mods != nil:
		case cfg.policies != nil:
			mods, err = ReadModules(cfg.policies, false)
		default:
			mods, err = BuiltinModules(false)
		}
		if err != nil {
			return nil, err
		}
		if compiler, err = Compile(mods); err != nil {
			return nil, fmt.Errorf("compile policies: %w", err)
		}
	}
	store := cfg.store
	if store == nil {
		data, err := ReadData(cfg.data)
		if err != nil {
			return nil, err
		}
		data["world"] = (&world.World{}).Data()
		store = NewStore(data)
	}
	// Reads are recorded where a caller asks for them (ListAccessReads).
	store = recordingStore{store}
	v, err := validate.New()
	if err != nil {
		return nil, err
	}
	pq, err := rego.New(
		rego.Query(DecisionQuery),
		rego.Compiler(compiler),
		rego.Store(store),
		rego.StrictBuiltinErrors(true),
	).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("prepare %s: %w", DecisionQuery, err)
	}
	e := &Engine{validator: v, compiler: compiler, store: store, query: pq, loader: load.New(cfg.loadOpts), cacheSize: cfg.cacheSize, counts: cfg.counts, listWorkers: cfg.listWorkers, progress: cfg.loadOpts.Progress}
	e.world.Store(&world.World{})
	e.cache.Store(newWorldCaches(cfg.cacheSize))
	e.parts = newParts(e, cfg.listWorkers-1) // the asker asks one part itself
	return e, nil
}

// NewStore makes the in-memory store padlock evaluates against. It holds
// Go values (OPA converts what a query reads, a flow or a principal's
// grants, as it reads it) rather than OPA's AST: an AST object rehashes
// all its keys whenever one key's value is replaced, so one write under
// data.world.grants cost tens of milliseconds at 100,000 flows, and AST
// values take twice the memory. Measured side by side (BenchmarkDecideRun,
// BenchmarkLists at 10,000 flows) queries cost the same either way.
func NewStore(data map[string]any) storage.Store {
	return inmem.NewFromObjectWithOpts(data, inmem.OptRoundTripOnWrite(false), inmem.OptReturnASTValuesOnRead(false))
}

// Validator returns the engine's compiled schemas.
func (e *Engine) Validator() *validate.Validator { return e.validator }

// Compiler returns the compiled policies (for explanations and metadata).
func (e *Engine) Compiler() *ast.Compiler { return e.compiler }

// World returns the world the engine decides over now.
func (e *Engine) World() *world.World { return e.world.Load() }

// Sources reads documents from files and dumps, with this engine's
// policies answering what a dump's access rights mean.
func (e *Engine) Sources() source.Reader {
	return source.Reader{Loader: e.loader, Dataverse: dataverse.Options{RoleOfMask: e.RoleOfMask, Progress: e.progress}}
}

// LoadWorld reads, validates and cross-checks the documents under paths
// (document files and dumps). The world is nil when any error was found;
// warnings come back either way.
func (e *Engine) LoadWorld(ctx context.Context, paths ...string) (*world.World, diag.List) {
	defer e.progress.Done()
	docs, probs := e.Sources().Paths(ctx, paths...)
	w, more := e.assemble(docs, e.progress)
	probs = append(probs, more...)
	if probs.HasErrors() {
		return nil, probs
	}
	return w, probs
}

// Assemble validates loaded documents and builds their world.
func (e *Engine) Assemble(docs []load.Doc) (*world.World, diag.List) {
	return e.assemble(docs, nil)
}

func (e *Engine) assemble(docs []load.Doc, m *progress.Meter) (*world.World, diag.List) {
	typed, probs := e.validator.DocumentsMetered(docs, m)
	if probs.HasErrors() {
		return nil, probs
	}
	w, more := validate.World(typed)
	return w, append(probs, more...)
}

// SetWorld replaces the documents the engine decides over, atomically: a
// query sees the old world or the new one, never a mix. Only the answers
// that read a path the new world changes are asked again
// (world.ChangedPaths).
func (e *Engine) SetWorld(ctx context.Context, w *world.World) error {
	if w == nil {
		return fmt.Errorf("set world: nil world")
	}
	// Writes are serialised by the caller: the world loaded is the one
	// this write replaces, and the store holds its tree.
	paths, all := world.ChangedPaths(e.world.Load(), w)
	data := w.Data()
	if !all {
		paths = e.changedPaths(ctx, paths, data)
	}
	// Noted before the world is stored: see changes. A write that fails
	// after it only makes a cache ask again.
	e.changes.note(e.version.Load()+1, paths, all)
	err := storage.WriteOne(ctx, e.store, storage.ReplaceOp, storage.MustParsePath("/world"), data)
	if err != nil {
		return fmt.Errorf("set world: %w", err)
	}
	e.world.Store(w)
	e.written(all)
	return nil
}

// PatchWorld changes the documents the engine decides over by a patch of
// data.world (see package live), in one store transaction: a query sees
// the old world or the new one, never a mix. w is the new world's
// documents. Only the answers that read a path the patch replaces are
// asked again.
func (e *Engine) PatchWorld(ctx context.Context, w *world.World, p world.Patch) error {
	if w == nil {
		return fmt.Errorf("patch world: nil world")
	}
	txn, err := e.store.NewTransaction(ctx, storage.WriteParams)
	if err != nil {
		return fmt.Errorf("patch world: %w", err)
	}
	// Only the ops that change a value, and of each only the paths whose
	// values change: a team's write touches every member's teams, and a
	// share's replaces all its flow's grants, of which one may differ.
	// Each op is compared with the store as the ops before it left it.
	var paths [][]string
	for _, op := range p.Ops {
		differ := differingPaths(ctx, e.store, txn, op.Path, op.Value)
		if len(differ) == 0 {
			continue
		}
		paths = append(paths, differ...)
		if err := writeOp(ctx, e.store, txn, op); err != nil {
			e.store.Abort(ctx, txn)
			return fmt.Errorf("patch world at /world/%s: %w", strings.Join(op.Path, "/"), err)
		}
	}
	// Before the commit makes the world visible: see changes.
	e.changes.note(e.version.Load()+1, paths, false)
	if err := e.store.Commit(ctx, txn); err != nil {
		return fmt.Errorf("patch world: %w", err)
	}
	e.world.Store(w)
	e.written(false)
	return nil
}

// written counts a write whose world is stored. After the store write: a
// query that reads the new version evaluates against the new world, and
// an answer read before it is checked against the write's paths when it
// is asked again (kept.holds). A write of a whole new world (all) drops
// the answers, which it changes anyway.
func (e *Engine) written(all bool) {
	e.version.Add(1)
	if all {
		e.cache.Store(newWorldCaches(e.cacheSize))
	}
}

// changedPaths keeps, of the paths of data.world a new world may change,
// those whose value in data, the new world's tree, is not the one the
// store holds: a team's document that gained a member names every member,
// but only the new member's teams changed.
func (e *Engine) changedPaths(ctx context.Context, paths [][]string, data map[string]any) [][]string {
	txn, err := e.store.NewTransaction(ctx)
	if err != nil {
		return paths // every path changed: a cache only asks again
	}
	defer e.store.Abort(ctx, txn)
	var out [][]string
	for _, p := range paths {
		out = append(out, differingPaths(ctx, e.store, txn, p, valueAt(data, p))...)
	}
	return out
}

// differingPaths are the paths at or below path (below /world) whose
// values differ between the store and v (world.DifferingPaths); nil is no
// value. A read that fails makes path differ whole.
func differingPaths(ctx context.Context, store storage.Store, txn storage.Transaction, path []string, v any) [][]string {
	old, err := store.Read(ctx, txn, append(storage.Path{"world"}, path...))
	switch {
	case storage.IsNotFound(err):
		old = nil
	case err != nil:
		return [][]string{path}
	}
	return world.DifferingPaths(path, old, v)
}

// valueAt is the value at path in a tree of objects, nil if none.
func valueAt(tree map[string]any, path []string) any {
	var v any = tree
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		if v, ok = m[k]; !ok {
			return nil
		}
	}
	return v
}

// writeOp sets or removes one value below /world, creating the objects
// above a value it sets and removing those a removal leaves empty (below
// the top-level indexes, which always exist).
func writeOp(ctx context.Context, store storage.Store, txn storage.Transaction, op world.Op) error {
	path := append(storage.Path{"world"}, op.Path...)
	exists := func(p storage.Path) (bool, any, error) {
		v, err := store.Read(ctx, txn, p)
		if storage.IsNotFound(err) {
			return false, nil, nil
		}
		return err == nil, v, err
	}
	if op.Value == nil {
		found, _, err := exists(path)
		if err != nil || !found {
			return err
		}
		if err := store.Write(ctx, txn, storage.RemoveOp, path, nil); err != nil {
			return err
		}
		for d := len(path) - 1; d > 2; d-- {
			_, v, err := exists(path[:d])
			if err != nil {
				return err
			}
			if !emptyObject(v) {
				return nil
			}
			if err := store.Write(ctx, txn, storage.RemoveOp, path[:d], nil); err != nil {
				return err
			}
		}
		return nil
	}
	for d := 3; d < len(path); d++ {
		found, _, err := exists(path[:d])
		if err != nil {
			return err
		}
		if !found {
			if err := store.Write(ctx, txn, storage.AddOp, path[:d], map[string]any{}); err != nil {
				return err
			}
		}
	}
	return store.Write(ctx, txn, storage.AddOp, path, op.Value)
}

// emptyObject reports an object with no keys, as the store hands it out
// (OPA's AST, or plain Go values).
func emptyObject(v any) bool {
	switch o := v.(type) {
	case ast.Object:
		return o.Len() == 0
	case map[string]any:
		return len(o) == 0
	}
	return false
}

// Decide answers a query that has already been validated (see DecideInput
// for raw input). It never returns an allow after an error. The decision
// may come from the cache and must be treated as read-only.
func (e *Engine) Decide(ctx context.Context, q document.Query) Decision {
	decisions := e.cache.Load().decisions
	if decisions == nil {
		return e.eval(ctx, queryInput(q))
	}
	a, kept := decisions.get(q)
	holds := kept && a.holds(e)
	e.counts.count(kept, holds)
	if holds {
		return a.value
	}
	at := e.version.Load() // before the world is read: see keep
	rctx, rec := recording(ctx)
	d := e.eval(rctx, queryInput(q))
	if !d.IsEvalError() { // errors (a canceled context, say) are not remembered
		decisions.put(q, keep(d, rec.reads(), at))
	}
	return d
}

// DecideTraced evaluates a query with OPA's tracer (for coverage and
// explanations), always, bypassing the cache.
func (e *Engine) DecideTraced(ctx context.Context, q document.Query, tracer topdown.QueryTracer) Decision {
	return e.eval(ctx, queryInput(q), rego.EvalQueryTracer(tracer))
}

// queryInput builds the AST input directly: no JSON round trip per query.
func queryInput(q document.Query) ast.Value {
	input := ast.NewObject(
		ast.Item(ast.InternedTerm("action"), ast.StringTerm(q.Action)),
		ast.Item(ast.InternedTerm("principal"), ast.StringTerm(string(q.Principal))),
		ast.Item(ast.InternedTerm("flow"), ast.StringTerm(q.Flow)),
	)
	if q.Mode != "" {
		input.Insert(ast.InternedTerm("mode"), ast.StringTerm(q.Mode))
	}
	if q.Reference != "" {
		input.Insert(ast.InternedTerm("reference"), ast.StringTerm(q.Reference))
	}
	return input
}

func (e *Engine) eval(ctx context.Context, input ast.Value, opts ...rego.EvalOption) (d Decision) {
	defer func() {
		// A panic inside evaluation is a bug, but an authorization engine
		// must still answer deny rather than crash its caller.
		if r := recover(); r != nil {
			d = Deny(CodeEvalError, "policy evaluation panicked: %v", r)
		}
	}()
	// OPA notices cancellation only now and then; a caller that gave up
	// gets a deny, not a decision it no longer waits for.
	if err := ctx.Err(); err != nil {
		return Deny(CodeEvalError, "evaluate %s: %v", DecisionQuery, err)
	}
	rs, err := e.query.Eval(ctx, append(opts, rego.EvalParsedInput(input))...)
	if err != nil {
		return Deny(CodeEvalError, "evaluate %s: %v", DecisionQuery, err)
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return Deny(CodeEvalError, "evaluate %s: the policy produced no decision", DecisionQuery)
	}
	d, err = decisionFromResult(rs[0].Expressions[0].Value)
	if err != nil {
		return Deny(CodeEvalError, "evaluate %s: %v", DecisionQuery, err)
	}
	return d
}

// DecideInput validates raw JSON input against the query schema, then
// decides. Invalid input gives problems and no decision.
func (e *Engine) DecideInput(ctx context.Context, body []byte) (Decision, diag.List) {
	q, _, probs := e.validator.QueryJSON(body)
	if len(probs) > 0 {
		return Deny(CodeEvalError, "invalid input"), probs
	}
	return e.Decide(ctx, q), nil
}
