package audit_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/audit"
	"github.com/padlock/padlock/engine/synth"
)

// policyOnly sets a generated world of n flows and the audit input that
// the exports of those flows would give, and returns one evaluation of the
// audit rules.
func policyOnly(t testing.TB, n int) func() {
	t.Helper()
	ctx := context.Background()
	eng, err := engine.New(ctx, engine.WithDecisionCache(0))
	if err != nil {
		t.Fatal(err)
	}
	w := synth.World(n)
	if err := eng.SetWorld(ctx, w); err != nil {
		t.Fatal(err)
	}
	flows := map[string]any{}
	for _, f := range w.Flows {
		actions := []any{}
		for i, a := range f.Actions {
			actions = append(actions, map[string]any{"connector": a.Connector, "operation": a.Operation, "reference": a.Reference, "known": true, "disabled": i == 2, "line": i + 1})
		}
		flows[f.ID] = map[string]any{"id": f.ID, "name": f.Name, "location": map[string]any{"file": "synth.zip", "element": f.ID},
			"inSolution": true, "requiredBinaries": []any{}, "missingBinaries": []any{}, "actions": actions, "credentials": []any{}}
	}
	input := map[string]any{"environment": "env-0", "flows": flows, "cloudFlows": []any{}}
	return func() {
		if _, defined, err := eng.EvalPath(ctx, audit.FindingsPath, input); err != nil || !defined {
			t.Fatalf("evaluate: %v %v", defined, err)
		}
	}
}

// BenchmarkAuditPolicy evaluates the audit rules alone over 1,000 and
// 4,000 flows: the time must grow with the flows, not with their square.
func BenchmarkAuditPolicy(b *testing.B) {
	for _, n := range []int{1000, 4000} {
		b.Run(fmt.Sprintf("flows=%d", n), func(b *testing.B) {
			eval := policyOnly(b, n)
			for b.Loop() {
				eval()
			}
		})
	}
}
