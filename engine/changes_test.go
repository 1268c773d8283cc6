package engine_test

import (
	"context"
	"testing"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/world"
)

// TestChangedSinceFollowsWrites: a patch of some flows changes answers
// about those flows only, and so does a new world that differs from the
// last in some flows' documents or shares; a patch that reaches everyone,
// or a new world with another team, changes every answer; and nothing
// changes an answer about a version after the write.
func TestChangedSinceFollowsWrites(t *testing.T) {
	ctx := context.Background()
	eng, err := engine.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w := &world.World{}
	if err := eng.SetWorld(ctx, w); err != nil {
		t.Fatal(err)
	}
	f4 := &world.World{Flows: []document.DesktopFlow{{Kind: document.KindDesktopFlow, ID: "f4", Name: "F4", Environment: "e", Owner: "user:o@x"}}}
	f4Shared := &world.World{Flows: f4.Flows, Shares: []document.Share{{Kind: document.KindShare, Flow: "f4", Grants: []document.Grant{{Principal: "user:u@x", Role: "user"}}}}}
	withTeam := &world.World{Flows: f4.Flows, Shares: f4Shared.Shares, Teams: []document.Team{{Kind: document.KindTeam, ID: "team:t", Members: []document.Principal{"user:u@x"}}}}
	steps := []struct {
		name    string
		write   func() error
		changed map[string]bool // flows whose answers from before the write changed
	}{
		{"a patch of f1", func() error { return eng.PatchWorld(ctx, w, world.Patch{Flows: []string{"f1"}}) }, map[string]bool{"f1": true}},
		{"a patch of f2 and f3", func() error { return eng.PatchWorld(ctx, w, world.Patch{Flows: []string{"f2", "f3"}}) }, map[string]bool{"f2": true, "f3": true}},
		{"a patch that reaches everyone", func() error { return eng.PatchWorld(ctx, w, world.Patch{Everyone: true}) }, map[string]bool{"f1": true, "f2": true, "f3": true, "f4": true}},
		{"the same world again", func() error { return eng.SetWorld(ctx, &world.World{}) }, nil},
		{"a world with f4 in it", func() error { return eng.SetWorld(ctx, f4) }, map[string]bool{"f4": true}},
		{"a world with f4 shared", func() error { return eng.SetWorld(ctx, f4Shared) }, map[string]bool{"f4": true}},
		{"a world with a team", func() error { return eng.SetWorld(ctx, withTeam) }, map[string]bool{"f1": true, "f2": true, "f3": true, "f4": true}},
	}
	for _, st := range steps {
		before := eng.Version()
		if err := st.write(); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"f1", "f2", "f3", "f4"} {
			if got := eng.ChangedSince(f, before); got != st.changed[f] {
				t.Errorf("%s: changed since %d for %s: %v, want %v", st.name, before, f, got, st.changed[f])
			}
			if eng.ChangedSince(f, eng.Version()) {
				t.Errorf("%s: %s changed since the version now", st.name, f)
			}
		}
	}
}
