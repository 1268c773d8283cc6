package synth

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/world"
)

// Clone copies w, down to every list its documents hold, so that edits of
// the copy leave w as it was.
func Clone(w *world.World) *world.World {
	c := &world.World{Flows: slices.Clone(w.Flows), Shares: slices.Clone(w.Shares), Teams: slices.Clone(w.Teams),
		Connections: slices.Clone(w.Connections), RoleAssignments: slices.Clone(w.RoleAssignments)}
	for i := range c.Flows {
		c.Flows[i].ConnectionReferences = slices.Clone(c.Flows[i].ConnectionReferences)
		c.Flows[i].Actions = slices.Clone(c.Flows[i].Actions)
	}
	for i := range c.Shares {
		c.Shares[i].Grants = slices.Clone(c.Shares[i].Grants)
	}
	for i := range c.Teams {
		c.Teams[i].Members = slices.Clone(c.Teams[i].Members)
	}
	for i := range c.RoleAssignments {
		c.RoleAssignments[i].Roles = slices.Clone(c.RoleAssignments[i].Roles)
	}
	return c
}

// Edit makes one change to w at random, as an edit of the files a world
// is read from would (a document changed, added, removed or moved, of
// every kind), among its first users, and says which.
func Edit(r *rand.Rand, w *world.World, users int) string {
	user := func() document.Principal { return gen{users: users}.user(r.IntN(users)) }
	switch r.IntN(14) {
	case 0:
		w.Flows[r.IntN(len(w.Flows))].Owner = user()
		return "a flow's owner"
	case 1:
		w.Flows[r.IntN(len(w.Flows))].Environment = env(r.IntN(environments + 1))
		return "a flow's environment"
	case 2:
		if refs := w.Flows[r.IntN(len(w.Flows))].ConnectionReferences; len(refs) > 0 {
			refs[0].Embedded = !refs[0].Embedded
		}
		return "a reference embedded or not"
	case 3:
		i := r.IntN(len(w.Flows))
		w.Flows = slices.Delete(w.Flows, i, i+1)
		return "a flow removed"
	case 4:
		s := &w.Shares[r.IntN(len(w.Shares))]
		s.Grants = append(s.Grants, document.Grant{Principal: user(), Role: []string{"user", "co-owner"}[r.IntN(2)]})
		return "a grant added"
	case 5:
		i := r.IntN(len(w.Shares))
		w.Shares = slices.Delete(w.Shares, i, i+1)
		return "a share removed"
	case 6:
		t := &w.Teams[r.IntN(len(w.Teams))]
		if m := user(); !slices.Contains(t.Members, m) {
			t.Members = append(t.Members, m)
		}
		return "a team member added"
	case 7:
		if t := &w.Teams[r.IntN(len(w.Teams))]; len(t.Members) > 0 {
			t.Members = t.Members[1:]
		}
		return "a team member removed"
	case 8:
		c := &w.Connections[r.IntN(len(w.Connections))]
		c.Status = []string{"Connected", "Error"}[r.IntN(2)]
		return "a connection's status"
	case 9:
		w.Connections[r.IntN(len(w.Connections))].Owner = user()
		return "a connection's owner"
	case 10:
		i, j := r.IntN(len(w.Connections)), r.IntN(len(w.Connections))
		w.Connections[i], w.Connections[j] = w.Connections[j], w.Connections[i]
		return "two connections moved"
	case 11:
		i := r.IntN(len(w.Connections))
		w.Connections = slices.Delete(w.Connections, i, i+1)
		return "a connection removed"
	case 12:
		w.RoleAssignments = append(w.RoleAssignments, document.RoleAssignment{Kind: document.KindRoleAssignment, ID: fmt.Sprintf("ra-%d", r.IntN(1<<20)),
			Environment: env(r.IntN(environments)), Principal: user(), Roles: []string{"System Customizer"}})
		return "a security role given"
	default:
		if len(w.RoleAssignments) > 0 {
			w.RoleAssignments = w.RoleAssignments[1:]
		}
		return "a security role taken"
	}
}
