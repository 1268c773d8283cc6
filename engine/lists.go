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
	"github.com/open-policy-agent/opa/v1/storage"

	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/world"
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

// The list queries. Who-can and what-can can be asked in parts (their
// input names a part of the list, policies/padlock/lists/part.rego); a
// report's access list is asked once per flow by a report that asks about
// every flow on every core: one query each, never split.
var (
	whoCan  = listQuery{path: PrincipalsPath, key: "principal"}
	whatCan = listQuery{path: FlowsPath, key: "flow"}
	access  = listQuery{path: AccessPath}
)

// listQuery names a list's document and, for a list that can be asked in
// parts, the key its entries are sorted by, each once; it is never
// changed.
type listQuery struct{ path, key string }

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
		in["principals"] = world.Strings(q.Principals)
	}
	if q.Part != nil {
		in["part"] = partInput(*q.Part)
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

// ListAccessReads is ListAccess with the paths of the world its answer was
// read from, for a cache that keeps answers across writes and asks
// ReadsChangedSince which still hold (a sidecar's report rows). It is
// always evaluated, never taken from the list cache.
func (e *Engine) ListAccessReads(ctx context.Context, flow string) ([]AccessEntry, Reads, error) {
	out, reads, defined, err := askList[AccessEntry](ctx, e, access, map[string]any{"flow": flow}, true)
	if err != nil || defined {
		return out, reads, err
	}
	return nil, Reads{}, e.undefinedFor(flow, AccessPath)
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
		in["actions"] = world.Strings(q.Actions)
	}
	if len(q.Flows) > 0 {
		in["flows"] = world.Strings(q.Flows)
	}
	if q.Part != nil {
		in["part"] = partInput(*q.Part)
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

// listOf evaluates a list. Answers are kept with what they read, so that
// a page of a long list, or the same question again, costs no evaluation
// until a write replaces something the answer read; the caller gets its
// own slice of the shared answer.
func listOf[T any](ctx context.Context, e *Engine, q listQuery, input map[string]any) ([]T, bool, error) {
	key, err := json.Marshal(input) // map keys sorted: one key per query
	if err != nil {
		return nil, false, err
	}
	lists := e.cache.Load().lists
	k := q.path + "\x00" + string(key)
	if a, cached := lists.get(k); cached && a.holds(e) {
		return slices.Clone(a.value.([]T)), true, nil
	}
	// The version before the world is read: a write counted after it is
	// checked against the answer's reads (see Snapshot).
	at := e.version.Load()
	// Only a kept answer needs to know what it read.
	out, reads, defined, err := askList[T](ctx, e, q, input, lists != nil)
	if err != nil || !defined {
		return nil, defined, err
	}
	if lists != nil {
		lists.put(k, keep[any](out, reads, at))
	}
	return slices.Clone(out), true, nil
}

// askList evaluates a list and decodes it into its Go type; where record,
// with the paths of the world it was read from.
func askList[T any](ctx context.Context, e *Engine, q listQuery, input map[string]any, record bool) ([]T, Reads, bool, error) {
	var rec *recorder
	if record {
		ctx, rec = recording(ctx)
	}
	v, defined, err := e.evalList(ctx, q, input)
	if err != nil || !defined {
		return nil, Reads{}, defined, err
	}
	out, err := decodeList[T](q, v)
	if err != nil || rec == nil {
		return out, Reads{}, true, err
	}
	return out, rec.reads(), true, nil
}

// decodeList reads a list's answer into its Go type.
func decodeList[T any](q listQuery, v ast.Value) ([]T, error) {
	var out []T
	if err := decodeAST(v, &out); err != nil {
		return nil, fmt.Errorf("%s: the policy's answer does not have the list's shape: %w", q.path, err)
	}
	return out, nil
}

// evalList evaluates a list on one snapshot of the world, split as
// OpenFGA's ListObjects checks its candidates concurrently: where the list
// can be asked in parts and the query names none, it is asked as one part
// per free worker, in parallel, each a query that finds the candidates
// itself and lists its contiguous share (on the same store transaction),
// and the answers are joined in order. Every part is the same rule over
// the same world, so the joined list is the list; no part waits for a
// query that finds the candidates first. Lists asked at the same time
// share the workers: a list asked while the others are taken (a report
// asking one per flow on every core) is one query.
func (e *Engine) evalList(ctx context.Context, q listQuery, input map[string]any) (ast.Value, bool, error) {
	free := e.listWorkers - int(e.listsRunning.Add(1)) + 1
	defer e.listsRunning.Add(-1)
	txn, err := e.store.NewTransaction(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("%s: read the world: %w", q.path, err)
	}
	defer e.store.Abort(ctx, txn)
	_, asked := input["part"]
	if free < 2 || q.key == "" || asked {
		return e.evalValue(ctx, q.path, input, txn)
	}
	answers := make([]ast.Value, free)
	errs := make([]error, free)
	defined := make([]bool, free)
	var wg sync.WaitGroup
	for i := range free {
		in := maps.Clone(input)
		in["part"] = partInput(document.Part{Index: i, Of: free})
		ask := func() { answers[i], defined[i], errs[i] = e.evalValue(ctx, q.path, in, txn) }
		if i == free-1 { // the last part here, while the others are asked
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
	if !strictlySorted(joined, ast.InternedTerm(q.key)) {
		// Policies that do not know parts (a bundle older than them)
		// answer the whole list for each: asked whole instead.
		return e.evalValue(ctx, q.path, input, txn)
	}
	return ast.NewArray(joined...), true, nil
}

// strictlySorted reports whether the entries' key values increase, each
// entry after the one before: what the parts of a list joined in order
// give, and never a list repeated once per part.
func strictlySorted(entries []*ast.Term, key *ast.Term) bool {
	for i := 1; i < len(entries); i++ {
		a, b := entryKey(entries[i-1], key), entryKey(entries[i], key)
		if a == nil || b == nil || a.Value.Compare(b.Value) >= 0 {
			return false
		}
	}
	return true
}

func entryKey(entry, key *ast.Term) *ast.Term {
	if o, ok := entry.Value.(ast.Object); ok {
		return o.Get(key)
	}
	return nil
}

// partInput is a part as the lists' input takes it.
func partInput(p document.Part) map[string]any {
	return map[string]any{"index": p.Index, "of": p.Of}
}

// evalValue evaluates a data path to OPA's value, for decodeAST: without
// OPA's Go maps in between.
func (e *Engine) evalValue(ctx context.Context, path string, input map[string]any, txn storage.Transaction) (ast.Value, bool, error) {
	v, defined, err := e.evalPath(ctx, path, input, txn, rego.EvalGenerateJSON(opaValue))
	if err != nil || !defined {
		return nil, defined, err
	}
	av, ok := v.(ast.Value)
	if !ok {
		return nil, true, fmt.Errorf("%s: the answer is %T, not an OPA value", path, v)
	}
	return av, true, nil
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
