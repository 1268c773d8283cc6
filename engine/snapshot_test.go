package engine_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/world"
)

// TestASnapshotKeepsItsWorld: a snapshot answers from the world and the
// policies' data of the moment it was taken, whatever is written to the
// engine after, and the engine answers from the new world.
func TestASnapshotKeepsItsWorld(t *testing.T) {
	ctx := context.Background()
	eng, err := engine.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	flow := func(id string) document.DesktopFlow {
		return document.DesktopFlow{Kind: document.KindDesktopFlow, ID: id, Name: id, Environment: "env", Owner: "user:o@x.example",
			SchemaVersion: document.SchemaV2, Actions: []document.Action{}}
	}
	before := &world.World{
		Flows:  []document.DesktopFlow{flow("kept"), flow("deleted")},
		Shares: []document.Share{{Kind: document.KindShare, Flow: "kept", Grants: []document.Grant{{Principal: "user:u@x.example", Role: "user"}}}},
		// A co-owner by a security role that the policies' data (not the
		// world) says reads every flow.
		RoleAssignments: []document.RoleAssignment{{Kind: document.KindRoleAssignment, ID: "ra", Environment: "env", Principal: "user:admin@x.example", Roles: []string{"System Administrator"}}},
	}
	if err := eng.SetWorld(ctx, before); err != nil {
		t.Fatal(err)
	}
	snap, err := eng.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Version() != eng.Version() || snap.World() != before {
		t.Fatalf("snapshot at version %d of world %p, engine at %d of %p", snap.Version(), snap.World(), eng.Version(), before)
	}
	if err := eng.SetWorld(ctx, &world.World{Flows: []document.DesktopFlow{flow("kept")}}); err != nil {
		t.Fatal(err)
	}
	if snap.Version() == eng.Version() {
		t.Errorf("the engine's world changed, its version did not: %d", eng.Version())
	}
	run := func(e *engine.Engine, p document.Principal, f string) engine.Decision {
		return e.Decide(ctx, document.Query{Action: "run", Principal: p, Flow: f, Mode: "console"})
	}
	for _, tt := range []struct {
		eng        *engine.Engine
		principal  document.Principal
		flow, role string
	}{
		{snap, "user:u@x.example", "kept", "user"},
		{snap, "user:admin@x.example", "kept", "co-owner"},
		{snap, "user:o@x.example", "deleted", "owner"},
		{eng, "user:u@x.example", "kept", "none"},
		{eng, "user:admin@x.example", "kept", "none"},
		{eng, "user:o@x.example", "deleted", "none"},
	} {
		if d := run(tt.eng, tt.principal, tt.flow); d.Role != tt.role {
			name := "engine"
			if tt.eng == snap {
				name = "snapshot"
			}
			t.Errorf("%s: %s on %s holds %q %v, want %q", name, tt.principal, tt.flow, d.Role, d.Codes(), tt.role)
		}
	}
	if access, err := snap.ListAccess(ctx, "deleted"); err != nil || len(access) != 2 {
		t.Errorf("snapshot: access to the flow deleted since: %v %+v", err, access)
	}
	if _, err := eng.ListAccess(ctx, "deleted"); !errors.Is(err, engine.ErrUnknownFlow) {
		t.Errorf("engine: access to a deleted flow: %v, want %v", err, engine.ErrUnknownFlow)
	}
}

// TestSnapshotsWhileTheWorldIsWritten: snapshots taken while the world is
// replaced and patched over and over (run with -race) are each one whole
// world: every flow of a snapshot's world is known to its queries.
func TestSnapshotsWhileTheWorldIsWritten(t *testing.T) {
	ctx := context.Background()
	eng, err := engine.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	worldOf := func(n int) *world.World {
		w := &world.World{}
		for i := range n {
			w.Flows = append(w.Flows, document.DesktopFlow{Kind: document.KindDesktopFlow, ID: fmt.Sprintf("f%d", i), Name: "F", Environment: "env",
				Owner: "user:o@x.example", SchemaVersion: document.SchemaV2, Actions: []document.Action{}})
		}
		return w
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			if err := eng.SetWorld(ctx, worldOf(1+i%7)); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for taken := 0; ; taken++ {
		select {
		case <-done:
			if taken == 0 {
				t.Error("no snapshot was taken while the world was written")
			}
			return
		default:
		}
		snap, err := eng.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range snap.World().Flows {
			if d := snap.Decide(ctx, document.Query{Action: "run", Principal: "user:o@x.example", Flow: f.ID, Mode: "console"}); !d.Allow {
				t.Fatalf("snapshot of %d flows: %s: %v", len(snap.World().Flows), f.ID, d.Codes())
			}
		}
	}
}
