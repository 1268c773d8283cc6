package audit

import (
	"context"
	"fmt"
	"testing"

	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/synth"
)

// policyOnly sets a generated world of n flows and returns the audit
// of all of them, flow by flow, as Run evaluates them, with any extra
// evaluation options.
func policyOnly(t testing.TB, n int) func(opts ...rego.EvalOption) {
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
	pq, err := eng.Prepare(ctx, flowQuery)
	if err != nil {
		t.Fatal(err)
	}
	a := &auditor{ctx: ctx, eng: eng, opts: Options{Environment: "env-0"}, query: pq}
	facts := make([]document.AuditFlow, len(w.Flows))
	for i, f := range w.Flows {
		actions := []document.AuditAction{}
		for j, act := range f.Actions {
			actions = append(actions, document.AuditAction{Connector: act.Connector, Operation: act.Operation, Reference: act.Reference, Known: true, Disabled: j == 2, Lines: []int{j + 1}})
		}
		facts[i] = document.AuditFlow{ID: f.ID, Name: f.Name, Location: document.Location{File: "synth.zip", Element: f.ID}, InSolution: true,
			RequiredBinaries: []string{}, MissingBinaries: []string{}, Actions: actions, Credentials: []document.AuditCredential{}}
	}
	return func(opts ...rego.EvalOption) {
		for i, f := range w.Flows {
			if _, _, err := a.evalFlow(f, facts[i], opts...); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// counter counts the evaluation steps of a query: a measure of the work
// that, unlike time, is the same on every run.
type counter struct{ steps int }

func (c *counter) Enabled() bool               { return true }
func (c *counter) TraceEvent(topdown.Event)    { c.steps++ }
func (c *counter) Config() topdown.TraceConfig { return topdown.TraceConfig{} }

// TestAuditWorkGrowsLinearly: auditing four times the flows (in a world
// four times as large) takes at most five times the evaluation steps. A
// rule that scans every flow, or every grant, for each flow fails it.
func TestAuditWorkGrowsLinearly(t *testing.T) {
	steps := map[int]int{}
	for _, n := range []int{100, 400} {
		c := &counter{}
		policyOnly(t, n)(rego.EvalQueryTracer(c))
		steps[n] = c.steps
	}
	if steps[100] == 0 || steps[400] > 5*steps[100] {
		t.Errorf("100 flows: %d steps, 400 flows: %d (%.2f×): want at most 5×", steps[100], steps[400], float64(steps[400])/float64(steps[100]))
	}
}

// BenchmarkAuditPolicy evaluates the audit rules alone, flow by flow,
// over 1,000 and 4,000 flows: the time must grow with the flows.
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
