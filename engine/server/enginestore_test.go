package server

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"

	"github.com/padlock/padlock/engine"
)

// TestAnEngineReadsItsOwnCopyOfTheBundlesData checks the store an
// activated engine reads: the bundle's data without its documents, an
// empty world, and nothing that a later write to the manager's store (the
// next bundle, refused or not) changes.
func TestAnEngineReadsItsOwnCopyOfTheBundlesData(t *testing.T) {
	ctx := context.Background()
	manager := engine.NewStore(map[string]any{
		"padlock": map[string]any{
			"config":    map[string]any{"processReadAllRoles": []any{"System Administrator"}},
			"documents": []any{map[string]any{"kind": "Team", "id": "team:t", "members": []any{}}},
		},
		"system": map[string]any{"authz": map[string]any{"tokens": map[string]any{"admins": []any{"x"}}}},
		"world":  map[string]any{"flows": map[string]any{"f": map[string]any{}}},
	})
	own, err := engineStore(ctx, manager)
	if err != nil {
		t.Fatal(err)
	}
	read := func(s storage.Store, path string) (string, bool) {
		v, err := storage.ReadOne(ctx, s, storage.MustParsePath(path))
		if storage.IsNotFound(err) {
			return "", false
		}
		if err != nil {
			t.Fatal(err)
		}
		av, err := ast.InterfaceToValue(v)
		if err != nil {
			t.Fatal(err)
		}
		return av.String(), true
	}
	if got, _ := read(own, "/padlock/config/processReadAllRoles"); got != `["System Administrator"]` {
		t.Errorf("config: %s", got)
	}
	if got, _ := read(own, "/system/authz/tokens/admins"); got != `["x"]` {
		t.Errorf("system/authz: %s", got)
	}
	if _, found := read(own, engine.DocumentsPath); found {
		t.Error("the bundle's documents are in the engine's data: they belong to the world")
	}
	if got, _ := read(own, "/world/flows"); got != "{}" {
		t.Errorf("the engine's world is %s, want empty until SetWorld", got)
	}
	// The next bundle writes the manager's store.
	for _, w := range []struct {
		path string
		v    any
	}{
		{"/padlock/config/processReadAllRoles", []any{}},
		{"/system/authz/tokens/admins", []any{"y"}},
	} {
		if err := storage.WriteOne(ctx, manager, storage.ReplaceOp, storage.MustParsePath(w.path), w.v); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := read(own, "/padlock/config/processReadAllRoles"); got != `["System Administrator"]` {
		t.Errorf("a write to the manager's store reached the engine's: config %s", got)
	}
	if got, _ := read(own, "/system/authz/tokens/admins"); got != `["x"]` {
		t.Errorf("a write to the manager's store reached the engine's: admins %s", got)
	}
}
