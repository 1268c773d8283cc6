package policies_test

import (
	"context"
	"path"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/padlock/padlock/engine"
)

// TestRego runs the policies' Rego unit tests (*_test.rego), as
// `opa test policies/` does, so that `go test ./...` covers them.
func TestRego(t *testing.T) {
	mods, err := engine.BuiltinModules(true)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := engine.ParseModules(mods)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := tester.NewRunner().SetModules(parsed).RunTests(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for r := range ch {
		n++
		if r.Error != nil {
			t.Errorf("%s.%s: error: %v", r.Package, r.Name, r.Error)
		} else if r.Fail {
			t.Errorf("%s.%s (%s): failed", r.Package, r.Name, r.Location)
		}
	}
	if n == 0 {
		t.Fatal("no Rego tests ran")
	}
}

// TestFormatted keeps the policies opa fmt clean.
func TestFormatted(t *testing.T) {
	mods, err := engine.BuiltinModules(true)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mods {
		out, err := format.SourceWithOpts(m.Name, []byte(m.Source), format.Opts{RegoVersion: ast.RegoV1})
		if err != nil {
			t.Errorf("%s: %v", m.Name, err)
			continue
		}
		if string(out) != m.Source {
			t.Errorf("%s is not opa fmt clean: run padlock fmt --write or opa fmt -w", m.Name)
		}
	}
}

// TestEveryFileHasItsTests: beside every policy file lies its
// *_test.rego, so that a rule's tests are found where the rule is.
func TestEveryFileHasItsTests(t *testing.T) {
	mods, err := engine.BuiltinModules(true)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, m := range mods {
		names[m.Name] = true
	}
	for name := range names {
		if strings.HasSuffix(name, "_test.rego") {
			continue
		}
		if test := strings.TrimSuffix(name, ".rego") + "_test.rego"; !names[test] {
			t.Errorf("%s has no %s beside it", name, path.Base(test))
		}
	}
}

// TestMetadata: every public rule (not starting with _) carries a title
// and a description, and every package too.
func TestMetadata(t *testing.T) {
	c, err := engine.CompileBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range c.Modules {
		for _, r := range m.Rules {
			name := r.Head.Name.String()
			if name == "" {
				name = r.Head.Ref().String()
			}
			if len(name) > 0 && name[0] == '_' || r.Default && hasSibling(m, r) {
				continue
			}
			if !documented(c, r) {
				t.Errorf("%s: rule %s has no # METADATA with title and description", r.Location, name)
			}
		}
	}
}

func hasSibling(m *ast.Module, r *ast.Rule) bool {
	for _, o := range m.Rules {
		if o != r && o.Head.Ref().Equal(r.Head.Ref()) {
			return true
		}
	}
	return false
}

// documented: the rule, or another definition of the same rule in its
// package, has a title and a description.
func documented(c *ast.Compiler, r *ast.Rule) bool {
	for _, rules := range [][]*ast.Rule{c.GetRulesExact(r.Ref().GroundPrefix())} {
		for _, o := range rules {
			for _, a := range o.Annotations {
				if a.Title != "" && a.Description != "" {
					return true
				}
			}
		}
	}
	for _, a := range r.Annotations {
		if a.Title != "" && a.Description != "" {
			return true
		}
	}
	return false
}
