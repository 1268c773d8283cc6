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

// TestKeptAnswersAreTheWorldsAnswers: after random changes of every kind
// of document (flows, shares, team members, connections, role
// assignments), each applied as a new world (as a reread of files gives),
// every decision and list an engine that keeps answers gives is the one
// an engine without a cache gives; and the answers a change cannot reach
// are kept rather than asked again.
func TestKeptAnswersAreTheWorldsAnswers(t *testing.T) {
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
	queries := synth.Queries(40, 64)
	ask := func(e *Engine) []any {
		var out []any
		for _, q := range queries {
			out = append(out, e.Decide(ctx, q))
		}
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
	var decisions, lists counts
	for n := range 40 {
		next := synth.Clone(w)
		how := synth.Edit(r, next, 30)
		set(next)
		w = next
		decisions.add(holding(kept, kept.cache.Load().decisions))
		lists.add(holding(kept, kept.cache.Load().lists))
		if a, b := ask(kept), ask(fresh); !reflect.DeepEqual(a, b) {
			for i := range a {
				if !reflect.DeepEqual(a[i], b[i]) {
					t.Fatalf("change %d (%s): answer %d kept is not the world's:\n%+v\nwant\n%+v", n, how, i, a[i], b[i])
				}
			}
		}
	}
	for _, c := range []struct {
		what string
		counts
	}{{"decisions", decisions}, {"lists", lists}} {
		if c.held == 0 || c.held == c.all {
			t.Errorf("%d of %d %s kept across the changes: want some, not all", c.held, c.all, c.what)
		}
		t.Logf("%d of %d %s kept across 40 changes", c.held, c.all, c.what)
	}
}

type counts struct{ held, all int }

func (c *counts) add(held, all int) { c.held, c.all = c.held+held, c.all+all }

// holding counts the kept answers of a cache that still hold.
func holding[K comparable, T any](e *Engine, c *cache[K, *kept[T]]) (held, all int) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, a := range c.m {
		all++
		if a.holds(e) {
			held++
		}
	}
	return held, all
}
