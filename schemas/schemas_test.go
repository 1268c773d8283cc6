package schemas_test

import (
	"bytes"
	"testing"

	"github.com/padlock/padlock/schemas"
)

// TestCheckedInSchemasAreGenerated fails when a Go document type changed
// and `go generate ./schemas` was not run.
func TestCheckedInSchemasAreGenerated(t *testing.T) {
	gen, err := schemas.Generate()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range gen {
		got, err := schemas.FS.ReadFile(name)
		if err != nil {
			t.Errorf("%s is not checked in: run go generate ./schemas", name)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the schema generated from the Go types: run go generate ./schemas", name)
		}
	}
	entries, _ := schemas.FS.ReadDir(".")
	if len(entries) != len(gen) {
		t.Errorf("schemas/ holds %d files, the Go types generate %d: remove the stale ones", len(entries), len(gen))
	}
}
