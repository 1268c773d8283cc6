package engine

import (
	"context"
	"testing"

	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/world"
)

// TestTheDecisionCacheForgetsWhatAWriteCanChange: a write of one flow's
// documents forgets that flow's decisions and keeps the others'; a write
// that reaches every flow forgets all; and a decision evaluated before a
// write that could change it is not remembered after it.
func TestTheDecisionCacheForgetsWhatAWriteCanChange(t *testing.T) {
	q := func(flow string) document.Query {
		return document.Query{Action: document.ActionRun, Principal: "user:a@x.example", Flow: flow, Mode: "console"}
	}
	allow := Decision{Allow: true}
	tests := []struct {
		name     string
		everyone bool
		flows    []string
		kept     map[string]bool // flow → still remembered
	}{
		{"a flow's documents", false, []string{"f1"}, map[string]bool{"f1": false, "f2": true}},
		{"two flows", false, []string{"f1", "f2"}, map[string]bool{"f1": false, "f2": false, "f3": true}},
		{"a team or a connection", true, nil, map[string]bool{"f1": false, "f2": false}},
		{"a flow nobody asked about", false, []string{"f9"}, map[string]bool{"f1": true, "f2": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := &changes{}
			c := newDecisionCache(100, ch)
			for f := range tt.kept {
				c.put(q(f), allow, 1)
			}
			// A write at version 2, noted before it forgets, as
			// Engine.written does: a new cache if it reaches everyone.
			ch.note(2, tt.everyone, tt.flows)
			if tt.everyone {
				c = newDecisionCache(100, ch)
			} else {
				c.forget(tt.flows)
			}
			for f, want := range tt.kept {
				if _, got := c.get(q(f)); got != want {
					t.Errorf("%s remembered: %v, want %v", f, got, want)
				}
			}
			// Evaluated at version 1, before the write at 2: refused if
			// the write could change it.
			for f, want := range tt.kept {
				c.put(q(f+"-late"), allow, 1)
				c.put(q(f), allow, 1)
				if _, got := c.get(q(f)); got != want {
					t.Errorf("%s remembered from before the write: %v, want %v", f, got, want)
				}
			}
			// Evaluated after the write: remembered.
			for f := range tt.kept {
				c.put(q(f), allow, 2)
				if _, ok := c.get(q(f)); !ok {
					t.Errorf("%s evaluated after the write is not remembered", f)
				}
			}
		})
	}
}

// TestTheDecisionCacheStaysBounded: past its size it starts over, and past
// maxForgotten flows the record of writes takes every answer as changed
// rather than grow.
func TestTheDecisionCacheStaysBounded(t *testing.T) {
	ch := &changes{}
	c := newDecisionCache(10, ch)
	for i := range 25 {
		c.put(document.Query{Flow: string(rune('a' + i))}, Decision{}, 0)
		if len(c.m) > 10 {
			t.Fatalf("%d decisions in a cache of 10", len(c.m))
		}
	}
	flows := make([]string, maxForgotten+1)
	for i := range flows {
		flows[i] = string(rune(i))
	}
	ch.note(1, false, flows)
	if len(ch.flow) != 0 || ch.all != 1 || !ch.since("never written", 0) {
		t.Fatalf("%d flows remembered, every answer changed at %d", len(ch.flow), ch.all)
	}
}

// TestANewWorldKeepsTheDecisionsItCannotChange: a sidecar that rereads its
// folder sets a whole new world; when only a share differs, the decisions
// about other flows stay remembered, and the shared flow's are asked
// again and follow the share.
func TestANewWorldKeepsTheDecisionsItCannotChange(t *testing.T) {
	ctx := context.Background()
	eng, err := New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	flows := []document.DesktopFlow{
		{Kind: document.KindDesktopFlow, ID: "f1", Name: "F1", Environment: "e", Owner: "user:o@x.example", SchemaVersion: "v2"},
		{Kind: document.KindDesktopFlow, ID: "f2", Name: "F2", Environment: "e", Owner: "user:o@x.example", SchemaVersion: "v2"},
	}
	share := func(flow string) document.Share {
		return document.Share{Kind: document.KindShare, Flow: flow, Grants: []document.Grant{{Principal: "user:u@x.example", Role: "user"}}}
	}
	q := func(flow string) document.Query {
		return document.Query{Action: document.ActionRun, Principal: "user:u@x.example", Flow: flow, Mode: "console"}
	}
	if err := eng.SetWorld(ctx, &world.World{Flows: flows, Shares: []document.Share{share("f1")}}); err != nil {
		t.Fatal(err)
	}
	if !eng.Decide(ctx, q("f1")).Allow || eng.Decide(ctx, q("f2")).Allow {
		t.Fatal("want f1 allowed and f2 denied before the share of f2")
	}
	if err := eng.SetWorld(ctx, &world.World{Flows: flows, Shares: []document.Share{share("f1"), share("f2")}}); err != nil {
		t.Fatal(err)
	}
	cache := eng.cache.Load().decisions
	if _, kept := cache.get(q("f1")); !kept {
		t.Error("the decision about f1, which the new world does not change, was forgotten")
	}
	if _, kept := cache.get(q("f2")); kept {
		t.Error("the decision about f2, whose share changed, was kept")
	}
	if !eng.Decide(ctx, q("f1")).Allow || !eng.Decide(ctx, q("f2")).Allow {
		t.Error("want f1 and f2 allowed after the share of f2")
	}
}
