package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
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
	return e.evalPath(ctx, path, input)
}

// evalPath is EvalPath with options for the evaluation (the lists take
// OPA's value as it is, see evalInto).
func (e *Engine) evalPath(ctx context.Context, path string, input any, opts ...rego.EvalOption) (result any, ok bool, err error) {
	path = strings.Trim(path, "/")
	if path == "" {
		return nil, false, fmt.Errorf("invalid data path %q", path)
	}
	e.paths.mu.Lock()
	if e.paths.m == nil {
		e.paths.m = map[string]rego.PreparedEvalQuery{}
	}
	pq, found := e.paths.m[path]
	if !found { // parsed and prepared once per path: the cache is the hot path
		ref, err := ast.ParseRef("data." + strings.ReplaceAll(path, "/", "."))
		if err != nil {
			e.paths.mu.Unlock()
			return nil, false, fmt.Errorf("invalid data path %q", path)
		}
		pq, err = rego.New(rego.ParsedQuery(ast.NewBody(ast.NewExpr(ast.NewTerm(ref)))), rego.Compiler(e.compiler), rego.Store(e.store)).PrepareForEval(ctx)
		if err != nil {
			e.paths.mu.Unlock()
			return nil, false, fmt.Errorf("prepare %s: %w", ref, err)
		}
		if len(e.paths.m) < maxPathQueries {
			e.paths.m[path] = pq
		}
	}
	e.paths.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, false, err
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
