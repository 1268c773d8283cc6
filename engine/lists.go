package engine

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/padlock/padlock/engine/document"
)

// The list queries' documents (policies/padlock/lists).
const (
	PrincipalsPath = "padlock/lists/principals"
	FlowsPath      = "padlock/lists/flows"
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

// ErrUnknownFlow is a who-can query about a flow no document has.
var ErrUnknownFlow = fmt.Errorf("no desktop flow has this id")

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
	var out []ListedPrincipal
	defined, err := e.evalInto(ctx, PrincipalsPath, in, &out)
	if err != nil || defined {
		return out, err
	}
	if !slices.ContainsFunc(e.World().Flows, func(f document.DesktopFlow) bool { return f.ID == q.Flow }) {
		return nil, fmt.Errorf("%q: %w", q.Flow, ErrUnknownFlow)
	}
	// The flow exists: policies without padlock.lists (an older bundle)
	// must not read as "nobody".
	return nil, fmt.Errorf("the policies define no %s", PrincipalsPath)
}

// ListFlows answers which flows, and which actions on them, the query's
// principal may.
func (e *Engine) ListFlows(ctx context.Context, q document.FlowsQuery) ([]ListedFlow, error) {
	in := map[string]any{"principal": string(q.Principal)}
	if len(q.Actions) > 0 {
		acts := make([]any, len(q.Actions))
		for i, a := range q.Actions {
			acts[i] = a
		}
		in["actions"] = acts
	}
	var out []ListedFlow
	defined, err := e.evalInto(ctx, FlowsPath, in, &out)
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

// evalInto evaluates a data path and decodes its value into out. Answers
// are remembered for the world (a list is a pure function of the query,
// the world and the policies), so that a page of a long list, or the same
// question again, costs no evaluation.
func (e *Engine) evalInto(ctx context.Context, path string, input map[string]any, out any) (bool, error) {
	key, err := json.Marshal(input) // map keys sorted: one key per query
	if err != nil {
		return false, err
	}
	caches := e.cache.Load()
	k := path + "\x00" + string(key)
	b, cached := caches.lists.get(k)
	if !cached {
		// OPA's value straight to JSON, without OPA's Go maps in between
		// (which encoding/json would then sort key by key).
		v, defined, err := e.evalPath(ctx, path, input, rego.EvalGenerateJSON(opaValue))
		if err != nil || !defined {
			return defined, err
		}
		av, ok := v.(ast.Value)
		if !ok {
			return true, fmt.Errorf("%s: the answer is %T, not an OPA value", path, v)
		}
		if b, err = appendJSON(nil, av); err != nil {
			return true, fmt.Errorf("%s: %w", path, err)
		}
		caches.lists.put(k, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return true, fmt.Errorf("%s: the policy's answer does not have the list's shape: %w", path, err)
	}
	return true, nil
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
