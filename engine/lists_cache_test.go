package engine

import (
	"context"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/synth"
	"github.com/padlock/padlock/engine/world"
)

// TestKeptListsAreTheWorldsLists: after random changes of every kind of
// document, each applied as a new world (as a reread of files gives),
// every list an engine that keeps answers gives is the list an engine
// without a cache gives, and the answers the change cannot reach are
// kept rather than asked again.
func TestKeptListsAreTheWorldsLists(t *testing.T) {
	ctx := context.Background()
	kept, err := New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := New(ctx, WithDecisionCache(0))
	if err != nil {
		t.Fatal(err)
	}
	w := synth.WorldOf(40, 30)
	set := func(w *world.World) {
		t.Helper()
		for _, e := range []*Engine{kept, fresh} {
			if err := e.SetWorld(ctx, w); err != nil {
				t.Fatal(err)
			}
		}
	}
	set(w)
	ask := func(e *Engine) []any {
		var out []any
		for _, f := range w.Flows[:12] {
			l, err := e.ListPrincipals(ctx, document.PrincipalsQuery{Action: document.ActionRun, Flow: f.ID, Mode: "console"})
			out = append(out, l, err)
			if f.Owner != "" {
				l, err := e.ListFlows(ctx, document.FlowsQuery{Principal: f.Owner})
				out = append(out, l, err)
			}
		}
		return out
	}
	ask(kept)
	r := rand.New(rand.NewPCG(3, 9))
	reused, asked := 0, 0
	for n := range 40 {
		next := synth.Clone(w)
		how := synth.Edit(r, next, 30)
		set(next)
		w = next
		holding, all := holdingLists(kept)
		reused, asked = reused+holding, asked+all
		if a, b := ask(kept), ask(fresh); !reflect.DeepEqual(a, b) {
			t.Fatalf("change %d (%s): the kept lists are not the world's:\n%v\n%v", n, how, a, b)
		}
	}
	if reused == 0 || reused == asked {
		t.Errorf("%d of %d lists kept across the changes: want some, not all", reused, asked)
	}
	t.Logf("%d of %d lists kept across 40 changes", reused, asked)
}

// holdingLists counts the kept list answers that still hold.
func holdingLists(e *Engine) (holding, all int) {
	lists := e.cache.Load().lists
	lists.mu.RLock()
	defer lists.mu.RUnlock()
	for _, a := range lists.m {
		all++
		if e.holds(a) {
			holding++
		}
	}
	return holding, all
}
