package dataverse_test

import (
	"context"
	"io"
	"testing"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/dataverse/dataversetest"
	"github.com/padlock/padlock/engine/render"
)

// BenchmarkImport reads, joins, validates and renders a generated tenant
// of 10,000 desktop flows, 2,000 users and 50,000 record access rows: the
// work of `padlock import` (cmd/padlock-importbench measures the command).
func BenchmarkImport(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	if err := dataversetest.Write(dir, dataversetest.Size{Flows: 10000, Users: 2000, Shares: 50000}); err != nil {
		b.Fatal(err)
	}
	eng, err := engine.New(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		docs, probs := eng.Sources().Paths(ctx, dir)
		w, more := eng.Assemble(docs)
		if w == nil || probs.HasErrors() || more.HasErrors() {
			b.Fatal(probs, more)
		}
		if err := render.WriteDocuments(docs, render.YAML, func(string) (io.Writer, error) { return io.Discard, nil }); err != nil {
			b.Fatal(err)
		}
	}
}
