package engine_test

import (
	"reflect"

	"context"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/document"
)

func builtin(t testing.TB) []engine.Module {
	t.Helper()
	mods, err := engine.BuiltinModules(false)
	if err != nil {
		t.Fatal(err)
	}
	return mods
}

// TestTypeCheckerKnowsTheQuerySchema proves that the generated query
// schema reaches OPA's type checker: a rule reading an input field the
// schema lacks does not compile, and one reading a known field does.
func TestTypeCheckerKnowsTheQuerySchema(t *testing.T) {
	tests := []struct {
		name, body, wantErr string
	}{
		{"unknown field", `typo if input.principle == "x"`, "undefined ref: input.principle"},
		{"wrong type", `typo if input.flow == 3`, "match error"},
		{"annotated schema", "# METADATA\n# schemas:\n#   - input: schema.query\ntypo if input.user == \"x\"", "undefined ref: input.user"},
		{"known field", `fine if input.reference == "x"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mods := append(builtin(t), engine.Module{Name: "extra.rego", Source: "package padlock.extra\n\n" + tt.body + "\n"})
			_, err := engine.Compile(mods)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("want it to compile, got %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("want an error containing %q, got %v", tt.wantErr, err)
			}
		})
	}
}

// TestFailsClosed: whatever goes wrong in the policy, the decision denies
// with EVAL_ERROR.
func TestFailsClosed(t *testing.T) {
	const pkg = "package padlock.authz\n\n"
	tests := []struct{ name, src string }{
		{"runtime error", pkg + `decision := {"allow": true, "role": "owner", "reasons": [], "connections": [], "byocDialog": to_number("x") == 1}`},
		{"undefined decision", pkg + `decision := {"allow": true} if false`},
		{"wrong shape", pkg + `decision := "yes"`},
		{"allow with reasons", pkg + `decision := {"allow": true, "role": "owner", "reasons": [{"code": "NO_ACCESS", "message": "m"}], "connections": [], "byocDialog": false}`},
		{"deny without reason", pkg + `decision := {"allow": false, "role": "owner", "reasons": [], "connections": [], "byocDialog": false}`},
		{"conflict", pkg + "decision := 1 if input.action == \"run\"\n\ndecision := 2 if input.flow == \"f\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mods []engine.Module
			for _, m := range builtin(t) {
				if !strings.HasPrefix(m.Name, "policies/padlock/authz/") {
					mods = append(mods, m)
				}
			}
			mods = append(mods, engine.Module{Name: "policies/padlock/authz/decision.rego", Source: tt.src})
			eng, err := engine.New(context.Background(), engine.WithModules(mods))
			if err != nil {
				t.Fatal(err)
			}
			d := eng.Decide(context.Background(), document.Query{Action: "run", Principal: "user:a@example.com", Flow: "f"})
			if d.Allow || len(d.Reasons) != 1 || d.Reasons[0].Code != engine.CodeEvalError {
				t.Fatalf("want a deny with EVAL_ERROR, got %+v", d)
			}
		})
	}
}

func TestCanceledContextDenies(t *testing.T) {
	eng, err := engine.New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d := eng.Decide(ctx, document.Query{Action: "run", Principal: "user:a@example.com", Flow: "f"})
	if d.Allow || d.Reasons[0].Code != engine.CodeEvalError {
		t.Fatalf("want EVAL_ERROR on a canceled context, got %+v", d)
	}
}

func TestEmptyWorldDeniesWithReason(t *testing.T) {
	eng, err := engine.New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	d := eng.Decide(context.Background(), document.Query{Action: "run", Principal: "user:a@example.com", Flow: "f"})
	if d.Allow || strings.Join(d.Codes(), ",") != "UNKNOWN_FLOW" {
		t.Fatalf("want UNKNOWN_FLOW, got %+v", d)
	}
}

func TestDecideInputRejectsInvalidQueries(t *testing.T) {
	eng, err := engine.New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{``, `{`, `[]`, `{"action":"run"}`, `{"action":"run","principal":"a","flow":"f"} {}`} {
		d, probs := eng.DecideInput(context.Background(), []byte(body))
		if len(probs) == 0 || d.Allow {
			t.Errorf("%q: want problems and no allow, got %+v %v", body, d, probs)
		}
	}
}

// TestEvalPathTakesOPAValues: the Data API path evaluates the same for an
// input given as Go values and as OPA's values.
func TestEvalPathTakesOPAValues(t *testing.T) {
	ctx := context.Background()
	eng, err := engine.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	goInput := map[string]any{"cloudFlows": []any{map[string]any{"id": "cf", "name": "N", "location": map[string]any{"file": "x"},
		"runs": []any{map[string]any{"action": "/a", "desktopFlow": "f", "runMode": ""}}}},
		"blocked": map[string]any{"f": map[string]any{"name": "n", "flowName": "n", "blockers": []any{"it is stored in v1"}}}}
	astInput, err := ast.InterfaceToValue(goInput)
	if err != nil {
		t.Fatal(err)
	}
	var results []any
	for _, in := range []any{goInput, astInput} {
		r, ok, err := eng.EvalPath(ctx, "padlock/audit/cloud/findings", in)
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		results = append(results, r)
	}
	if l, _ := results[0].([]any); len(l) != 1 || !reflect.DeepEqual(results[0], results[1]) {
		t.Errorf("Go values: %v; OPA values: %v", results[0], results[1])
	}
}
