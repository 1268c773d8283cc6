package engine

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/padlock/padlock/policies"
	"github.com/padlock/padlock/schemas"
)

// DecisionQuery is the query every decision evaluates.
const DecisionQuery = "data.padlock.authz.decision"

// DocumentsPath is where a bundle carries documents (`padlock bundle
// build --docs`): a list of padlock documents that a sidecar activating
// the bundle takes as one more source of its world.
const DocumentsPath = "/padlock/documents"

// Module is one Rego file.
type Module struct {
	Name   string // path, as shown in errors
	Source string
}

// ReadModules reads the .rego files of a file system, in lexical order.
// Unit tests (*_test.rego) are included only when tests is true: the
// decision engine never evaluates them.
func ReadModules(fsys fs.FS, tests bool) ([]Module, error) {
	var mods []Module
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || path.Ext(p) != ".rego" {
			return nil
		}
		if !tests && strings.HasSuffix(p, "_test.rego") {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		mods = append(mods, Module{Name: p, Source: string(b)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read policies: %w", err)
	}
	if len(mods) == 0 {
		return nil, fmt.Errorf("read policies: no .rego files")
	}
	sort.Slice(mods, func(i, j int) bool { return mods[i].Name < mods[j].Name })
	return mods, nil
}

// BuiltinModules reads the policies built into the binary, named by their
// path in the repository (policies/padlock/...) so that errors and
// explanations point at files a user can open.
func BuiltinModules(tests bool) ([]Module, error) {
	mods, err := ReadModules(policies.FS, tests)
	for i := range mods {
		mods[i].Name = path.Join("policies", mods[i].Name)
	}
	return mods, err
}

// ReadData merges the data.json files of a file system into one tree, each
// file at the path of its folder (as OPA bundles do).
func ReadData(fsys fs.FS) (map[string]any, error) {
	root := map[string]any{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || path.Base(p) != "data.json" {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		var v map[string]any
		if err := json.Unmarshal(b, &v); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		node := root
		if dir := path.Dir(p); dir != "." {
			for _, seg := range strings.Split(dir, "/") {
				next, ok := node[seg].(map[string]any)
				if !ok {
					next = map[string]any{}
					node[seg] = next
				}
				node = next
			}
		}
		for k, x := range v {
			node[k] = x
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read policy data: %w", err)
	}
	return root, nil
}

// SchemaSet hands padlock's generated schemas to OPA's type checker: the
// query schema is the global input schema and schema.query, so a rule that
// reads an input field the schema lacks fails to compile.
func SchemaSet() (*ast.SchemaSet, error) {
	ss := ast.NewSchemaSet()
	for _, src := range schemas.Sources() {
		b, err := schemas.Read(src.Name)
		if err != nil {
			return nil, err
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, fmt.Errorf("schema %s: %w", src.Name, err)
		}
		v = typeView(v)
		ss.Put(ast.MustParseRef("schema."+src.Name), v)
		if src.Name == schemas.QueryName {
			ss.Put(ast.SchemaRootRef, v)
		}
	}
	return ss, nil
}

// typeView drops the allOf/if/then constraints from a schema for OPA's
// type checker, which cannot merge conditional subschemas ("unable to merge
// these schemas"). They constrain values, not types: the field set and the
// types the checker needs are all in the remaining properties, and
// validation still applies the whole schema.
func typeView(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := make(map[string]any, len(m))
	for k, x := range m {
		if k != "allOf" {
			out[k] = x
		}
	}
	return out
}

// ParseModules parses Rego modules (v1 syntax) with their annotations.
func ParseModules(mods []Module) (map[string]*ast.Module, error) {
	out := make(map[string]*ast.Module, len(mods))
	var errs ast.Errors
	for _, m := range mods {
		parsed, err := ast.ParseModuleWithOpts(m.Name, m.Source, ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
		if err != nil {
			if es, ok := err.(ast.Errors); ok {
				errs = append(errs, es...)
				continue
			}
			return nil, err
		}
		out[m.Name] = parsed
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// CompileBuiltin compiles the built-in policies (without their tests),
// for callers that make many engines from them (engine.WithCompiler).
func CompileBuiltin() (*ast.Compiler, error) {
	mods, err := BuiltinModules(false)
	if err != nil {
		return nil, err
	}
	return Compile(mods)
}

// Compile parses and compiles modules in strict mode with the schemas given
// to the type checker. Errors name file, line and column.
func Compile(mods []Module) (*ast.Compiler, error) {
	parsed, err := ParseModules(mods)
	if err != nil {
		return nil, err
	}
	ss, err := SchemaSet()
	if err != nil {
		return nil, err
	}
	c := ast.NewCompiler().
		WithStrict(true).
		WithSchemas(ss).
		WithUseTypeCheckAnnotations(true).
		WithEnablePrintStatements(false)
	if c.Compile(parsed); c.Failed() {
		return nil, c.Errors
	}
	return c, nil
}
