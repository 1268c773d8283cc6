package report_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/report"
	"github.com/padlock/padlock/engine/synth"
)

// TestKeptRowsAreTheFreshPage: after random changes of every kind of
// document, each applied as a new world (as a reread of files gives),
// the report built from the rows kept across them is the page built
// afresh, byte for byte, and it reuses the rows the change cannot reach.
func TestKeptRowsAreTheFreshPage(t *testing.T) {
	ctx := context.Background()
	eng, err := engine.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w := synth.WorldOf(20, 20)
	if err := eng.SetWorld(ctx, w); err != nil {
		t.Fatal(err)
	}
	page := func(opts ...report.Option) []byte {
		t.Helper()
		d, err := report.Build(ctx, eng, "rows", nil, opts...)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := report.Write(&b, d); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	rows := report.NewRows(eng)
	page(report.WithRows(rows))
	r := rand.New(rand.NewPCG(5, 8))
	const changes = 25
	reused := 0
	for n := range changes {
		next := synth.Clone(w)
		how := synth.Edit(r, next, 20)
		if err := eng.SetWorld(ctx, next); err != nil {
			t.Fatalf("%s: %v", how, err)
		}
		w = next
		if kept := page(report.WithRows(rows)); !bytes.Equal(kept, page()) {
			t.Fatalf("change %d (%s): the page from kept rows is not the fresh page", n, how)
		}
		reused += rows.Reused()
	}
	if reused == 0 {
		t.Error("no row was ever reused")
	}
	t.Logf("%d rows reused over %d changes of 20 flows", reused, changes)
}
