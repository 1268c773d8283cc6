package engine

import (
	"context"
	"fmt"
	"sync"

	"github.com/open-policy-agent/opa/v1/rego"
)

// maskRoleQuery asks the policy which role a Dataverse access mask gives
// (policies/padlock/dataverse.rego): a reading of the platform kept as
// policy and data, not as Go. The mask is written into the query: the
// compiler types input as a decision query, which a mask is not.
const maskRoleQuery = "role := data.padlock.dataverse.role_of_mask(%d)"

// maskRoles answers mask → role from the engine's policies. A tenant has a
// handful of distinct masks among thousands of rows, so each is evaluated
// once per engine; the cache lives and dies with the engine's compiled
// policies, which is exactly when its answers can change.
type maskRoles struct {
	cache sync.Map // int64 → string ("" for no role)
}

// RoleOfMask returns the role ("co-owner", "user") a grant with these
// access rights gives, or "" when it gives none.
func (e *Engine) RoleOfMask(ctx context.Context, mask int64) (string, error) {
	if r, ok := e.masks.cache.Load(mask); ok {
		return r.(string), nil
	}
	query := fmt.Sprintf(maskRoleQuery, mask)
	rs, err := rego.New(rego.Query(query), rego.Compiler(e.compiler), rego.Store(e.store), rego.StrictBuiltinErrors(true)).Eval(ctx)
	if err != nil {
		return "", fmt.Errorf("evaluate %s: %w", query, err)
	}
	role := ""
	if len(rs) == 1 {
		r, ok := rs[0].Bindings["role"].(string)
		if !ok {
			return "", fmt.Errorf("%s: the role is %T, want a string", query, rs[0].Bindings["role"])
		}
		role = r
	}
	e.masks.cache.Store(mask, role)
	return role, nil
}
