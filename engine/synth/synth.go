// Package synth generates deterministic worlds and query mixes of any size,
// for benchmarks and load tests. The same n always gives the same world.
package synth

import (
	"fmt"

	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/world"
)

var connectors = []string{"shared_office365", "shared_sharepointonline", "shared_commondataserviceforapps", "shared_sql"}

const environments = 5

// gen generates one world; users and teams are its sizes.
type gen struct{ users, teams int }

func (g gen) user(i int) document.Principal {
	return document.Principal(fmt.Sprintf("user:u%03d@example.com", i%g.users))
}

func (g gen) team(i int) document.Principal {
	return document.Principal(fmt.Sprintf("team:t%02d", i%g.teams))
}

// user names the principals of World's 200 users, which Queries asks about.
func user(i int) document.Principal { return gen{users: 200, teams: 20}.user(i) }
func env(i int) string              { return fmt.Sprintf("env-%d", i%environments) }

// FlowID is the id of the i-th generated flow.
func FlowID(i int) string { return fmt.Sprintf("flow-%05d", i) }

// World generates n flows, each shared with a team and two users, with two
// or three connection references; 20 teams of 10 users; 200 users with
// connections to every connector in every environment; an admin team with
// System Administrator in env-0.
func World(n int) *world.World { return WorldOf(n, 200) }

// WorldOf is World with the given number of users, in teams of 10.
func WorldOf(n, users int) *world.World {
	g := gen{users: users, teams: max(1, users/10)}
	user, team, teams := g.user, g.team, g.teams
	w := &world.World{}
	for t := 0; t < teams; t++ {
		members := make([]document.Principal, 10)
		for m := range members {
			members[m] = user(t*10 + m)
		}
		w.Teams = append(w.Teams, document.Team{Kind: document.KindTeam, ID: string(team(t)), Members: members})
	}
	w.RoleAssignments = append(w.RoleAssignments, document.RoleAssignment{
		Kind: document.KindRoleAssignment, ID: "ra-admins", Environment: env(0), Principal: "team:t00", Roles: []string{"System Administrator"},
	})
	for i := 0; i < n; i++ {
		owner := user(i)
		f := document.DesktopFlow{
			Kind: document.KindDesktopFlow, ID: FlowID(i), Name: fmt.Sprintf("Flow %d", i),
			Environment: env(i), Owner: owner, SchemaVersion: document.SchemaV2,
			ConnectionReferences: []document.ConnectionReference{}, Actions: []document.Action{},
		}
		if i%7 == 0 {
			f.SchemaVersion = document.SchemaV1
		}
		for r := 0; r < 2+i%2; r++ {
			c := connectors[(i+r)%len(connectors)]
			refOwner := owner
			if r == 2 {
				refOwner = user(i + 1)
			}
			name := fmt.Sprintf("ref_%d_%d", i, r)
			f.ConnectionReferences = append(f.ConnectionReferences, document.ConnectionReference{
				LogicalName: name, Connector: c, Owner: refOwner, Embedded: (i+r)%3 != 0,
			})
			f.Actions = append(f.Actions, document.Action{Connector: c, Operation: "Op", Reference: name})
		}
		w.Flows = append(w.Flows, f)
		w.Shares = append(w.Shares, document.Share{Kind: document.KindShare, Flow: f.ID, Grants: []document.Grant{
			{Principal: team(i + 3), Role: document.RoleCoOwner},
			{Principal: user(i + 1), Role: document.RoleCoOwner},
			{Principal: user(i + 2), Role: document.RoleUser},
		}})
	}
	for u := 0; u < g.users; u++ {
		for e := 0; e < environments; e++ {
			for ci, c := range connectors {
				for k := 0; k < 1+(u+ci)%2; k++ {
					status := "Connected"
					if (u+e+ci+k)%11 == 0 {
						status = "Error"
					}
					w.Connections = append(w.Connections, document.Connection{
						Kind: document.KindConnection, ID: fmt.Sprintf("conn-%d-%d-%d-%d", u, e, ci, k),
						Connector: c, Environment: env(e), Owner: user(u),
						Account: fmt.Sprintf("u%03d.%d@example.com", u, k), Status: status,
					})
				}
			}
		}
	}
	return w
}

// Queries returns a fixed mix over a world of n flows: run, invoke, embed
// and use, by owners, co-owners, team members, run-only users and strangers.
func Queries(n, count int) []document.Query {
	qs := make([]document.Query, 0, count)
	for k := 0; k < count; k++ {
		i := (k * 7919) % n
		flow := FlowID(i)
		var q document.Query
		switch k % 4 {
		case 0:
			q = document.Query{Action: document.ActionRun, Principal: user(i + k%3), Flow: flow, Mode: "console"}
		case 1:
			q = document.Query{Action: document.ActionInvoke, Principal: user(i), Flow: flow, Mode: "unattended"}
		case 2:
			q = document.Query{Action: document.ActionEmbed, Principal: user(i + k%2), Flow: flow, Reference: fmt.Sprintf("ref_%d_0", i)}
		default:
			q = document.Query{Action: document.ActionUse, Principal: user(i + 1 + k%5), Flow: flow, Reference: fmt.Sprintf("ref_%d_1", i)}
		}
		qs = append(qs, q)
	}
	return qs
}
