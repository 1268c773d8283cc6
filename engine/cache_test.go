package engine

import (
	"testing"

	"github.com/padlock/padlock/engine/document"
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
			// A write at version 2, noted before it forgets.
			ch.note(2, tt.everyone, tt.flows)
			c.forget(tt.everyone, tt.flows)
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
