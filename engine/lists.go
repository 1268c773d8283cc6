package engine

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/padlock/padlock/engine/document"
)

// The list queries' documents (policies/padlock/lists).
const (
	PrincipalsPath = "padlock/lists/principals"
	FlowsPath      = "padlock/lists/flows"
	AccessPath     = "padlock/lists/access"
)

// ListedPrincipal is one principal a who-can query lists.
type ListedPrincipal struct {
	Principal string   `json:"principal"`
	Role      string   `json:"role"`
	Via       []string `json:"via"`
	// Connections is the run plan, for run and invoke.
	Connections []ConnectionUse `json:"connections,omitempty"`
}

// ListedFlow is one flow a what-can query lists, with the actions allowed.
type ListedFlow struct {
	Flow        string         `json:"flow"`
	Name        string         `json:"name"`
	Environment string         `json:"environment"`
	Role        string         `json:"role"`
	Actions     []ListedAction `json:"actions"`
}

// ListedAction is one allowed action on a listed flow.
type ListedAction struct {
	Action      string          `json:"action"`
	Reference   string          `json:"reference,omitempty"`
	Connections []ConnectionUse `json:"connections,omitempty"`
}

// AccessEntry is one principal of a flow's access: someone who may run it
// from the console, and whether a cloud flow may start it for them.
type AccessEntry struct {
	ListedPrincipal
	// Invoke: a cloud flow may start the flow for them (attended).
	Invoke bool `json:"invoke"`
	// Reasons and Remedies are those of the invoke decision, where it is
	// a deny.
	Reasons  []Reason `json:"reasons,omitempty"`
	Remedies []Remedy `json:"remedies,omitempty"`
}

// ErrUnknownFlow is a who-can query about a flow no document has.
var ErrUnknownFlow = fmt.Errorf("no desktop flow has this id")

// The list queries, what each considers (sorted), and the input key that
// names what a query considers: a long list is split into such queries.
var (
	whoCan  = listQuery{path: PrincipalsPath, considered: "padlock/lists/considered_principals", names: "principals"}
	whatCan = listQuery{path: FlowsPath, considered: "padlock/lists/considered_flows", names: "flows"}
	// access is asked once per flow by a report that asks about every
	// flow on every core: one query each, never split.
	access = listQuery{path: AccessPath}
)

// listQuery names a list's documents; it is never changed.
type listQuery struct{ path, considered, names string }

// ListPrincipals answers who may do the query's action on its flow, from
// the policies' padlock.lists (the decision's own reason functions).
func (e *Engine) ListPrincipals(ctx context.Context, q document.PrincipalsQuery) ([]ListedPrincipal, error) {
	in := map[string]any{"action": q.Action, "flow": q.Flow}
	if q.Mode != "" {
		in["mode"] = q.Mode
	}
	if q.Reference != "" {
		in["reference"] = q.Reference
	}
	if len(q.Principals) > 0 {
		in[whoCan.names] = anys(q.Principals)
	}
	out, defined, err := listOf[ListedPrincipal](ctx, e, whoCan, in)
	if err != nil || defined {
		return out, err
	}
	return nil, e.undefinedFor(q.Flow, PrincipalsPath)
}

// ListAccess answers, for the access report, who may run a flow and
// whether a cloud flow may start it for each of them, with the invoke
// decision's reasons and remedies where it may not: one evaluation of
// padlock.lists.access instead of a list and a decision per principal.
func (e *Engine) ListAccess(ctx context.Context, flow string) ([]AccessEntry, error) {
	out, defined, err := listOf[AccessEntry](ctx, e, access, map[string]any{"flow": flow})
	if err != nil || defined {
		return out, err
	}
	return nil, e.undefinedFor(flow, AccessPath)
}

// undefinedFor says why a list about one flow is undefined: the flow is
// unknown, or the policies (an older bundle) lack the list, which must
// not read as "nobody".
func (e *Engine) undefinedFor(flow, path string) error {
	if !slices.ContainsFunc(e.World().Flows, func(f document.DesktopFlow) bool { return f.ID == flow }) {
		return fmt.Errorf("%q: %w", flow, ErrUnknownFlow)
	}
	return fmt.Errorf("the policies define no %s", path)
}

// ListFlows answers which flows, and which actions on them, the query's
// principal may.
func (e *Engine) ListFlows(ctx context.Context, q document.FlowsQuery) ([]ListedFlow, error) {
	in := map[string]any{"principal": string(q.Principal)}
	if len(q.Actions) > 0 {
		in["actions"] = anys(q.Actions)
	}
	if len(q.Flows) > 0 {
		in[whatCan.names] = anys(q.Flows)
	}
	out, defined, err := listOf[ListedFlow](ctx, e, whatCan, in)
	if err != nil {
		return nil, err
	}
	if !defined { // policies without padlock.lists must not read as "nothing"
		return nil, fmt.Errorf("the policies define no %s", FlowsPath)
	}
	if out == nil {
		out = []ListedFlow{}
	}
	return out, nil
}

// listOf evaluates a list. Answers are remembered for the world (a list
// is a pure function of the query, the world and the policies), so that a
// page of a long list, or the same question again, costs no evaluation;
// the caller gets its own slice of the shared answer.
func listOf[T any](ctx context.Context, e *Engine, q listQuery, input map[string]any) ([]T, bool, error) {
	key, err := json.Marshal(input) // map keys sorted: one key per query
	if err != nil {
		return nil, false, err
	}
	caches := e.cache.Load()
	k := q.path + "\x00" + string(key)
	if l, cached := caches.lists.get(k); cached {
		return slices.Clone(l.([]T)), true, nil
	}
	v, defined, err := e.evalList(ctx, q, input)
	if err != nil || !defined {
		return nil, defined, err
	}
	var out []T
	if err := decodeAST(v, &out); err != nil {
		return nil, true, fmt.Errorf("%s: the policy's answer does not have the list's shape: %w", q.path, err)
	}
	caches.lists.put(k, out)
	return slices.Clone(out), true, nil
}

// defaultMinPerPart is the fewest candidates worth a query of their own: a
// query costs about what a few principals or a flow do.
const defaultMinPerPart = 4

// evalList evaluates a list on one snapshot of the world, split as
// OpenFGA's ListObjects checks its candidates concurrently: what the list
// considers is asked first (sorted), then contiguous runs of it are asked
// in parallel (each a query that names them, on the same store
// transaction), and the answers are joined in order. Every part is the same
// rule over the same world, so the joined list is the list. Lists asked
// at the same time share the workers: a list asked while the others are
// taken (a report asking one per flow on every core) is one query.
func (e *Engine) evalList(ctx context.Context, q listQuery, input map[string]any) (ast.Value, bool, error) {
	free := e.listWorkers - int(e.listsRunning.Add(1)) + 1
	defer e.listsRunning.Add(-1)
	txn, err := e.store.NewTransaction(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("%s: read the world: %w", q.path, err)
	}
	defer e.store.Abort(ctx, txn)
	at := rego.EvalTransaction(txn)
	var parts [][]any
	if free > 1 && q.considered != "" {
		v, defined, err := e.evalValue(ctx, q.considered, input, at)
		if err != nil {
			return nil, false, err
		}
		// Undefined: an unknown flow, or policies older than the rule;
		// the list itself says which.
		if c, ok := v.(*ast.Array); defined && ok {
			if parts, err = split(c, free, e.minPerPart); err != nil {
				return nil, false, fmt.Errorf("%s: %w", q.considered, err)
			}
		}
	}
	switch len(parts) {
	case 0:
		return e.evalValue(ctx, q.path, input, at)
	case 1: // no candidates to find again
		in := maps.Clone(input)
		in[q.names] = parts[0]
		return e.evalValue(ctx, q.path, in, at)
	}
	answers := make([]ast.Value, len(parts))
	errs := make([]error, len(parts))
	defined := make([]bool, len(parts))
	var wg sync.WaitGroup
	for i, part := range parts {
		in := maps.Clone(input)
		in[q.names] = part
		ask := func() { answers[i], defined[i], errs[i] = e.evalValue(ctx, q.path, in, at) }
		if i == len(parts)-1 { // the last part here, while the others are asked
			ask()
			break
		}
		wg.Add(1)
		e.parts.run(func() { defer wg.Done(); ask() })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, false, err
	}
	if !slices.Contains(defined, true) { // an unknown flow: the list says so as a whole
		return nil, false, nil
	}
	var joined []*ast.Term
	for i, a := range answers {
		arr, ok := a.(*ast.Array)
		if !defined[i] || !ok { // the same rule over the same world: never expected
			return nil, false, fmt.Errorf("%s: part %d of the list is %v, not a list", q.path, i+1, a)
		}
		for j := range arr.Len() {
			joined = append(joined, arr.Elem(j))
		}
	}
	return ast.NewArray(joined...), true, nil
}

// split cuts what a list considers (names) into at most workers
// contiguous parts of at least minPerPart each, or one part.
func split(c *ast.Array, workers, minPerPart int) ([][]any, error) {
	n := max(1, min(workers, c.Len()/minPerPart))
	parts := make([][]any, n)
	for i := range n {
		lo, hi := i*c.Len()/n, (i+1)*c.Len()/n
		parts[i] = make([]any, 0, hi-lo)
		for j := lo; j < hi; j++ {
			name, ok := c.Elem(j).Value.(ast.String)
			if !ok {
				return nil, fmt.Errorf("%v is not a name", c.Elem(j))
			}
			parts[i] = append(parts[i], string(name))
		}
	}
	return parts, nil
}

// evalValue evaluates a data path to OPA's value, for decodeAST: without
// OPA's Go maps in between.
func (e *Engine) evalValue(ctx context.Context, path string, input map[string]any, opts ...rego.EvalOption) (ast.Value, bool, error) {
	v, defined, err := e.evalPath(ctx, path, input, append(opts, rego.EvalGenerateJSON(opaValue))...)
	if err != nil || !defined {
		return nil, defined, err
	}
	av, ok := v.(ast.Value)
	if !ok {
		return nil, true, fmt.Errorf("%s: the answer is %T, not an OPA value", path, v)
	}
	return av, true, nil
}

// anys is a list of names as OPA's input takes them (plain strings).
func anys[S ~string](xs []S) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// Paginate cuts one page from a list sorted by key: at most p.Limit
// entries after the entry p.Continuation names. The continuation is the
// last key of the page, so that a page stays right when the world changes
// between requests; next is "" on the last page.
func Paginate[T any](items []T, key func(T) string, p document.Page) (page []T, next string, err error) {
	start := 0
	if p.Continuation != "" {
		raw, err := base64.RawURLEncoding.DecodeString(p.Continuation)
		if err != nil {
			return nil, "", fmt.Errorf("continuation %q: not one this server gave", p.Continuation)
		}
		after := string(raw)
		start = sort.Search(len(items), func(i int) bool { return key(items[i]) > after })
	}
	end := len(items)
	if p.Limit > 0 && start+p.Limit < end {
		end = start + p.Limit
	}
	page = items[start:end]
	if end < len(items) && end > start {
		next = base64.RawURLEncoding.EncodeToString([]byte(key(items[end-1])))
	}
	return page, next, nil
}
