package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
)

// maxPathQueries bounds the prepared queries kept: paths come from
// requests, and a client must not grow the map without end.
const maxPathQueries = 256

// pathQueries prepares a query per data path once, for OPA's Data API.
type pathQueries struct {
	mu sync.Mutex
	m  map[string]rego.PreparedEvalQuery
}

// EvalPath evaluates the document at a data path ("padlock/authz/allow")
// for an input, as OPA's Data API does: undefined gives ok=false. The
// decision path itself should go through Decide, which fails closed.
func (e *Engine) EvalPath(ctx context.Context, path string, input any) (result any, ok bool, err error) {
	return e.evalPath(ctx, path, input, nil)
}

// evalPath is EvalPath on txn, a read transaction the caller holds (nil:
// the evaluation opens its own), with options for the evaluation (the
// lists take OPA's value as it is, see evalInto).
func (e *Engine) evalPath(ctx context.Context, path string, input any, txn storage.Transaction, opts ...rego.EvalOption) (result any, ok bool, err error) {
	pq, err := e.pathQuery(ctx, path, txn)
	if err != nil {
		return nil, false, err
	}
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	if txn != nil {
		opts = append(opts, rego.EvalTransaction(txn))
	}
	// OPA's EvalInput reads an ast.Value as a Go value (and gives wrong
	// answers); OPA's own values go in as they are.
	in := rego.EvalInput(input)
	if v, ok := input.(ast.Value); ok {
		in = rego.EvalParsedInput(v)
	}
	rs, err := pq.Eval(ctx, append(opts, in)...)
	if err != nil {
		return nil, false, err
	}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return nil, false, nil
	}
	return rs[0].Expressions[0].Value, true, nil
}

// pathQuery returns the query of a data path, prepared once per path: the
// cache is the hot path. It is prepared on txn, the caller's transaction,
// where there is one, and without holding the lock: preparing reads the
// store, and a second read transaction, or a lock that a holder of one
// waits for, would wait forever behind a write that waits for the first
// (a who-can asked for the first time while a share was written hung so).
func (e *Engine) pathQuery(ctx context.Context, path string, txn storage.Transaction) (rego.PreparedEvalQuery, error) {
	path = strings.Trim(path, "/")
	if path == "" {
		return rego.PreparedEvalQuery{}, fmt.Errorf("invalid data path %q", path)
	}
	e.paths.mu.Lock()
	pq, found := e.paths.m[path]
	e.paths.mu.Unlock()
	if found {
		return pq, nil
	}
	ref, err := ast.ParseRef("data." + strings.ReplaceAll(path, "/", "."))
	if err != nil {
		return rego.PreparedEvalQuery{}, fmt.Errorf("invalid data path %q", path)
	}
	opts := []func(*rego.Rego){rego.ParsedQuery(ast.NewBody(ast.NewExpr(ast.NewTerm(ref)))), rego.Compiler(e.compiler), rego.Store(e.store)}
	if txn != nil {
		opts = append(opts, rego.Transaction(txn))
	}
	pq, err = rego.New(opts...).PrepareForEval(ctx)
	if err != nil {
		return rego.PreparedEvalQuery{}, fmt.Errorf("prepare %s: %w", ref, err)
	}
	e.paths.mu.Lock()
	defer e.paths.mu.Unlock()
	if e.paths.m == nil {
		e.paths.m = map[string]rego.PreparedEvalQuery{}
	}
	if first, found := e.paths.m[path]; found { // prepared meanwhile: one query per path
		return first, nil
	}
	if len(e.paths.m) < maxPathQueries {
		e.paths.m[path] = pq
	}
	return pq, nil
}

// Eval evaluates any Rego query against the policies and the world, as
// `opa eval` does, for policy authors exploring the rules from the
// command line. The result set marshals as opa eval's JSON.
func (e *Engine) Eval(ctx context.Context, query string, input any) (rego.ResultSet, error) {
	opts := []func(*rego.Rego){rego.Query(query), rego.Compiler(e.compiler), rego.Store(e.store), rego.StrictBuiltinErrors(true)}
	if input != nil {
		opts = append(opts, rego.Input(input))
	}
	rs, err := rego.New(opts...).Eval(ctx)
	if err != nil {
		return nil, fmt.Errorf("evaluate %s: %w", query, err)
	}
	return rs, nil
}

// Prepare prepares a query against the policies and the world once, for
// a caller that evaluates it many times with rego.EvalParsedInput (the
// audit, once per flow).
func (e *Engine) Prepare(ctx context.Context, query string) (rego.PreparedEvalQuery, error) {
	pq, err := rego.New(rego.Query(query), rego.Compiler(e.compiler), rego.Store(e.store), rego.StrictBuiltinErrors(true)).PrepareForEval(ctx)
	if err != nil {
		return pq, fmt.Errorf("prepare %s: %w", query, err)
	}
	return pq, nil
}
