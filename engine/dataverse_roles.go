package engine

import (
	"context"
	"fmt"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// maskRoleQuery asks the policy which role a Dataverse access mask gives
// (policies/padlock/dataverse.rego): a reading of the platform kept as
// policy and data, not as Go.
const maskRoleQuery = "role := data.padlock.dataverse.role_of_mask(input.mask)"

// maskRoles answers mask → role from the engine's policies. A tenant has a
// handful of distinct masks among thousands of rows, so each is evaluated
// once per engine; the cache lives and dies with the engine's compiled
// policies, which is exactly when its answers can change.
type maskRoles struct {
	once  sync.Once
	query rego.PreparedEvalQuery
	err   error
	cache sync.Map // int64 → string ("" for no role)
}

// RoleOfMask returns the role ("co-owner", "user") a grant with these
// access rights gives, or "" when it gives none.
func (e *Engine) RoleOfMask(ctx context.Context, mask int64) (string, error) {
	if r, ok := e.masks.cache.Load(mask); ok {
		return r.(string), nil
	}
	e.masks.once.Do(func() {
		e.masks.query, e.masks.err = rego.New(rego.Query(maskRoleQuery), rego.Compiler(e.compiler), rego.Store(e.store)).PrepareForEval(ctx)
	})
	if e.masks.err != nil {
		return "", fmt.Errorf("prepare %s: %w", maskRoleQuery, e.masks.err)
	}
	input := ast.NewObject(ast.Item(ast.StringTerm("mask"), ast.IntNumberTerm(int(mask))))
	rs, err := e.masks.query.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		return "", fmt.Errorf("evaluate the role of access mask %d: %w", mask, err)
	}
	role := ""
	if len(rs) == 1 {
		if r, ok := rs[0].Bindings["role"].(string); ok {
			role = r
		} else {
			return "", fmt.Errorf("the role of access mask %d is %T, want a string", mask, rs[0].Bindings["role"])
		}
	}
	e.masks.cache.Store(mask, role)
	return role, nil
}
