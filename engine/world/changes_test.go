package world_test

import (
	"slices"
	"testing"

	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/world"
)

// TestChanges: a new world changes the answers about the flows whose
// documents or shares differ, and everyone's when a team, a connection or
// a role assignment differs.
func TestChanges(t *testing.T) {
	flow := func(id, owner string) document.DesktopFlow {
		return document.DesktopFlow{Kind: document.KindDesktopFlow, ID: id, Name: id, Environment: "e", Owner: document.Principal(owner)}
	}
	share := func(flow, principal, role string) document.Share {
		return document.Share{Kind: document.KindShare, Flow: flow, Grants: []document.Grant{{Principal: document.Principal(principal), Role: role}}}
	}
	base := func() *world.World {
		return &world.World{
			Flows:           []document.DesktopFlow{flow("f1", "user:a@x"), flow("f2", "user:a@x"), flow("f3", "user:b@x")},
			Shares:          []document.Share{share("f1", "user:c@x", "user"), share("f2", "team:t", "co-owner")},
			Teams:           []document.Team{{Kind: document.KindTeam, ID: "team:t", Members: []document.Principal{"user:c@x"}}},
			Connections:     []document.Connection{{Kind: document.KindConnection, ID: "c1", Owner: "user:c@x", Environment: "e", Connector: "shared_sql", Status: "Connected"}},
			RoleAssignments: []document.RoleAssignment{{Kind: document.KindRoleAssignment, Principal: "user:d@x", Environment: "e", Roles: []string{"Basic User"}}},
		}
	}
	tests := []struct {
		name     string
		old      *world.World
		change   func(w *world.World)
		everyone bool
		flows    []string
	}{
		{name: "no world before", change: func(*world.World) {}, everyone: true},
		{name: "the same documents", old: base(), change: func(*world.World) {}},
		{name: "a flow renamed", old: base(), change: func(w *world.World) { w.Flows[1].Name = "F2" }, flows: []string{"f2"}},
		{name: "a flow added", old: base(), change: func(w *world.World) { w.Flows = append(w.Flows, flow("f4", "user:a@x")) }, flows: []string{"f4"}},
		{name: "a flow removed", old: base(), change: func(w *world.World) { w.Flows = w.Flows[:2] }, flows: []string{"f3"}},
		{name: "a grant's role", old: base(), change: func(w *world.World) { w.Shares[0].Grants[0].Role = "co-owner" }, flows: []string{"f1"}},
		{name: "a second share of a flow", old: base(), change: func(w *world.World) { w.Shares = append(w.Shares, share("f3", "user:e@x", "user")) }, flows: []string{"f3"}},
		{name: "a share removed", old: base(), change: func(w *world.World) { w.Shares = w.Shares[1:] }, flows: []string{"f1"}},
		{name: "two flows", old: base(), change: func(w *world.World) { w.Flows[2].Owner = "user:a@x"; w.Shares[1].Grants = nil }, flows: []string{"f2", "f3"}},
		{name: "a team's members", old: base(), change: func(w *world.World) { w.Teams[0].Members = nil }, everyone: true},
		{name: "a connection's status", old: base(), change: func(w *world.World) { w.Connections[0].Status = "Error" }, everyone: true},
		{name: "a role assignment", old: base(), change: func(w *world.World) { w.RoleAssignments = nil }, everyone: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			next := base()
			tc.change(next)
			everyone, flows := world.Changes(tc.old, next)
			if everyone != tc.everyone || !slices.Equal(flows, tc.flows) {
				t.Errorf("everyone %v, flows %v; want %v, %v", everyone, flows, tc.everyone, tc.flows)
			}
		})
	}
}
