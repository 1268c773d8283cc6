package engine_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/world"
)

// randomWorld generates a small world where every combination the rules
// care about turns up: references owned by the owner, by co-owners, by
// people later made run-only, by nobody; embedded or not; grants direct,
// through teams and through security roles.
func randomWorld(r *rand.Rand) (*world.World, []document.Principal) {
	people := []document.Principal{"user:a@x.example", "user:b@x.example", "user:c@x.example", "user:d@x.example", "user:e@x.example"}
	pick := func() document.Principal { return people[r.IntN(len(people))] }
	w := &world.World{}
	w.Teams = append(w.Teams, document.Team{Kind: document.KindTeam, ID: "team:t", Members: []document.Principal{pick(), pick()}})
	if w.Teams[0].Members[0] == w.Teams[0].Members[1] {
		w.Teams[0].Members = w.Teams[0].Members[:1]
	}
	if r.IntN(3) == 0 {
		w.RoleAssignments = append(w.RoleAssignments, document.RoleAssignment{
			Kind: document.KindRoleAssignment, ID: "ra", Environment: "env", Principal: pick(), Roles: []string{"System Customizer"},
		})
	}
	roles := []string{document.RoleCoOwner, document.RoleUser}
	for i := range 3 {
		f := document.DesktopFlow{Kind: document.KindDesktopFlow, ID: fmt.Sprintf("f%d", i), Name: fmt.Sprintf("F%d", i), Environment: "env",
			SchemaVersion: document.SchemaV2, Actions: []document.Action{}}
		if r.IntN(4) > 0 {
			f.Owner = pick()
		}
		if r.IntN(4) == 0 {
			f.SchemaVersion = document.SchemaV1
		}
		for k := range 1 + r.IntN(3) {
			ref := document.ConnectionReference{LogicalName: fmt.Sprintf("r%d", k), Connector: "shared_sql", Embedded: r.IntN(2) == 0}
			if r.IntN(4) > 0 {
				ref.Owner = pick()
			}
			f.ConnectionReferences = append(f.ConnectionReferences, ref)
		}
		w.Flows = append(w.Flows, f)
		s := document.Share{Kind: document.KindShare, Flow: f.ID}
		for range r.IntN(4) {
			s.Grants = append(s.Grants, document.Grant{Principal: pick(), Role: roles[r.IntN(2)]})
		}
		if r.IntN(2) == 0 {
			s.Grants = append(s.Grants, document.Grant{Principal: "team:t", Role: roles[r.IntN(2)]})
		}
		w.Shares = append(w.Shares, s)
	}
	for _, p := range people {
		if r.IntN(2) == 0 {
			w.Connections = append(w.Connections, document.Connection{Kind: document.KindConnection, ID: "conn-" + string(p),
				Connector: "shared_sql", Environment: "env", Owner: p, Account: "x@x.example", Status: "Connected"})
		}
	}
	return w, people
}

// TestUseAgreesWithTheRunPlan: for every principal and reference, use is
// allowed exactly when the console run plan would not make that principal
// bring their own connection for it (domain.md rules 2, 4 and 6), whatever
// the role. Checked over generated worlds.
func TestUseAgreesWithTheRunPlan(t *testing.T) {
	ctx := context.Background()
	eng, err := engine.New(ctx, engine.WithDecisionCache(0))
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(9, 2))
	checked := 0
	for n := range 60 {
		w, people := randomWorld(r)
		if err := eng.SetWorld(ctx, w); err != nil {
			t.Fatal(err)
		}
		for _, f := range w.Flows {
			for _, p := range people {
				run := eng.Decide(ctx, document.Query{Action: document.ActionRun, Principal: p, Flow: f.ID, Mode: "console"})
				plan := map[string]string{}
				for _, c := range run.Connections {
					plan[c.Reference] = c.Source
				}
				for _, ref := range f.ConnectionReferences {
					use := eng.Decide(ctx, document.Query{Action: document.ActionUse, Principal: p, Flow: f.ID, Reference: ref.LogicalName})
					if use.Role != run.Role {
						t.Fatalf("world %d, %s, %s: use says role %s, run says %s", n, f.ID, p, use.Role, run.Role)
					}
					want := run.Role != "none" && plan[ref.LogicalName] != "byoc"
					if use.Allow != want {
						t.Fatalf("world %d, %s, %s, reference %s (owner %q, embedded %v): role %s, run plan source %q, but use allow=%v %v",
							n, f.ID, p, ref.LogicalName, ref.Owner, ref.Embedded, run.Role, plan[ref.LogicalName], use.Allow, use.Codes())
					}
					checked++
				}
			}
		}
	}
	if checked < 500 {
		t.Fatalf("only %d (principal, reference) pairs checked", checked)
	}
}

// TestListsAgreeWithDecide: over generated worlds, who-can lists a
// principal, and what-can lists a flow and action, exactly when a decision
// allows the same query: for every action, every reference, every
// principal and team of the world. The lists are asked in one query and
// in four parts asked in parallel: both give the same lists.
func TestListsAgreeWithDecide(t *testing.T) {
	ctx := context.Background()
	eng, err := engine.New(ctx, engine.WithDecisionCache(0), engine.WithListWorkers(1))
	if err != nil {
		t.Fatal(err)
	}
	split, err := engine.New(ctx, engine.WithDecisionCache(0), engine.WithListWorkers(4))
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(11, 5))
	actions := []string{"run", "invoke", "edit", "share", "delete", "embed", "unembed", "use"}
	checked := 0
	for n := range 25 {
		w, people := randomWorld(r)
		// A security role that reads every flow, for a user or for the team.
		if n%3 == 0 {
			w.RoleAssignments = append(w.RoleAssignments, document.RoleAssignment{Kind: document.KindRoleAssignment, ID: "ra-t", Environment: "env", Principal: "team:t", Roles: []string{"System Administrator"}})
		}
		for _, e := range []*engine.Engine{eng, split} {
			if err := e.SetWorld(ctx, w); err != nil {
				t.Fatal(err)
			}
		}
		principals := append(append([]document.Principal{}, people...), "team:t")
		whatCan := map[document.Principal]map[string]bool{}
		for _, p := range principals {
			flows, err := eng.ListFlows(ctx, document.FlowsQuery{Principal: p})
			if err != nil {
				t.Fatal(err)
			}
			if parts, err := split.ListFlows(ctx, document.FlowsQuery{Principal: p}); err != nil || !reflect.DeepEqual(parts, flows) {
				t.Fatalf("world %d: what-can %s in parts: %v %+v, in one query: %+v", n, p, err, parts, flows)
			}
			whatCan[p] = map[string]bool{}
			for _, f := range flows {
				for _, a := range f.Actions {
					whatCan[p][f.Flow+"/"+a.Action+"/"+a.Reference] = true
				}
			}
		}
		for _, f := range w.Flows {
			checked += accessAgreesWithDecide(ctx, t, eng, n, f.ID)
			for _, action := range actions {
				names := []string{""}
				if action == "embed" || action == "unembed" || action == "use" {
					names = []string{"missing"}
					for _, ref := range f.ConnectionReferences {
						names = append(names, ref.LogicalName)
					}
				}
				for _, name := range names {
					q := document.PrincipalsQuery{Action: action, Flow: f.ID, Reference: name}
					switch action {
					case "run":
						q.Mode = "console"
					case "invoke":
						q.Mode = "attended"
					}
					listed, err := eng.ListPrincipals(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					if parts, err := split.ListPrincipals(ctx, q); err != nil || !reflect.DeepEqual(parts, listed) {
						t.Fatalf("world %d: who-can %+v in parts: %v %+v, in one query: %+v", n, q, err, parts, listed)
					}
					// Naming everyone, in another order, users as bare
					// e-mails in capitals, lists the same.
					named := q
					for _, p := range slices.Backward(principals) {
						if user, ok := strings.CutPrefix(string(p), "user:"); ok {
							p = document.Principal(strings.ToUpper(user))
						}
						named.Principals = append(named.Principals, p)
					}
					if among, err := split.ListPrincipals(ctx, named); err != nil || !reflect.DeepEqual(among, listed) {
						t.Fatalf("world %d: who-can among everyone: %v %+v, without names: %+v", n, err, among, listed)
					}
					whoCan := map[document.Principal]bool{}
					for _, l := range listed {
						whoCan[document.Principal(l.Principal)] = true
					}
					for _, p := range principals {
						d := eng.Decide(ctx, document.Query{Action: action, Principal: p, Flow: f.ID, Mode: q.Mode, Reference: name})
						if whoCan[p] != d.Allow {
							t.Fatalf("world %d: %s %s %s by %s: decide allow=%v %v, who-can lists it: %v", n, action, f.ID, name, p, d.Allow, d.Codes(), whoCan[p])
						}
						ref := name
						if action != "embed" && action != "unembed" && action != "use" {
							ref = ""
						}
						if whatCan[p][f.ID+"/"+action+"/"+ref] != d.Allow {
							t.Fatalf("world %d: %s %s %s by %s: decide allow=%v %v, what-can lists it: %v", n, action, f.ID, name, p, d.Allow, d.Codes(), whatCan[p][f.ID+"/"+action+"/"+ref])
						}
						checked++
					}
				}
			}
		}
	}
	if checked < 3000 {
		t.Fatalf("only %d queries checked", checked)
	}
}

// accessAgreesWithDecide checks a flow's access (the report's row) against
// who-can run and the invoke decision of each principal listed: the same
// principals, and each one's invoke, reasons and remedies as decided.
func accessAgreesWithDecide(ctx context.Context, t *testing.T, eng *engine.Engine, world int, flow string) int {
	t.Helper()
	access, err := eng.ListAccess(ctx, flow)
	if err != nil {
		t.Fatal(err)
	}
	runners, err := eng.ListPrincipals(ctx, document.PrincipalsQuery{Action: "run", Flow: flow, Mode: "console"})
	if err != nil {
		t.Fatal(err)
	}
	if len(access) != len(runners) {
		t.Fatalf("world %d: access of %s lists %d principals, who-can run %d", world, flow, len(access), len(runners))
	}
	for i, a := range access {
		if !reflect.DeepEqual(a.ListedPrincipal, runners[i]) {
			t.Fatalf("world %d: access of %s: %+v, who-can run: %+v", world, flow, a.ListedPrincipal, runners[i])
		}
		d := eng.Decide(ctx, document.Query{Action: "invoke", Principal: document.Principal(a.Principal), Flow: flow, Mode: "attended"})
		if a.Invoke != d.Allow || !d.Allow && (!reflect.DeepEqual(a.Reasons, d.Reasons) || !reflect.DeepEqual(a.Remedies, d.Remedies)) {
			t.Fatalf("world %d: access of %s for %s: invoke %v %+v %+v, decide: %v %+v %+v", world, flow, a.Principal, a.Invoke, a.Reasons, a.Remedies, d.Allow, d.Reasons, d.Remedies)
		}
	}
	return len(access)
}

// TestRemediesWork: over generated worlds, for every denial with a single
// reason whose remedy is a change of documents, the what-if with that
// change allows; and for every reference a run finds no connection for,
// the remedy's change gives it one. Otherwise the remedy is wrong.
func TestRemediesWork(t *testing.T) {
	ctx := context.Background()
	eng, err := engine.New(ctx, engine.WithDecisionCache(0))
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 7))
	actions := []string{"run", "invoke", "edit", "share", "delete", "embed", "unembed", "use"}
	tried := map[string]int{}
	for n := range 20 {
		w, people := randomWorld(r)
		if err := eng.SetWorld(ctx, w); err != nil {
			t.Fatal(err)
		}
		for _, f := range w.Flows {
			for _, p := range people {
				for _, action := range actions {
					q := document.Query{Action: action, Principal: p, Flow: f.ID}
					switch action {
					case "run":
						q.Mode = "console"
					case "invoke":
						q.Mode = "unattended"
					case "embed", "unembed", "use":
						q.Reference = f.ConnectionReferences[r.IntN(len(f.ConnectionReferences))].LogicalName
					}
					d := eng.Decide(ctx, q)
					for _, rem := range d.Remedies {
						if len(rem.WhatIf) == 0 {
							continue
						}
						if !d.Allow && len(d.Reasons) != 1 {
							continue
						}
						res, probs, err := eng.WhatIf(ctx, q, rem.WhatIf)
						if err != nil || probs.HasErrors() {
							t.Fatalf("world %d: %+v: remedy %s: the change is invalid: %v %v", n, q, rem.Code, err, probs)
						}
						if rem.Code == "NO_CONNECTION" {
							for _, c := range res.After.Connections {
								if c.Reference == rem.Reference && c.Selected == nil {
									t.Fatalf("world %d: %+v: remedy %s [%s] leaves the run without a connection: %v", n, q, rem.Code, rem.Reference, res.Changed)
								}
							}
						} else if !res.After.Allow {
							t.Fatalf("world %d: %+v: remedy %s (%s) does not lift the denial: after it %v", n, q, rem.Code, rem.Change, res.After.Codes())
						}
						tried[rem.Code]++
						if rem.Code == "NO_ACCESS" || rem.Code == "RUN_ONLY" {
							// Who may share is who-can share, by the list query.
							sharers, err := eng.ListPrincipals(ctx, document.PrincipalsQuery{Action: "share", Flow: f.ID})
							if err != nil {
								t.Fatal(err)
							}
							var want []string
							for _, s := range sharers {
								want = append(want, s.Principal)
							}
							if strings.Join(want, ",") != strings.Join(rem.By, ",") {
								t.Fatalf("world %d: %+v: remedy %s by %v, but who-can share is %v", n, q, rem.Code, rem.By, want)
							}
						}
					}
				}
			}
		}
	}
	for _, code := range []string{"NO_ACCESS", "RUN_ONLY", "CONSOLE_ONLY", "SCHEMA_V1", "NOT_EMBEDDED", "NOT_REFERENCE_OWNER", "CONNECTION_NOT_SHARED", "NO_CONNECTION"} {
		if tried[code] == 0 {
			t.Errorf("no remedy %s was tried: the generated worlds must produce one (%v)", code, tried)
		}
	}
	t.Logf("remedies tried: %v", tried)
}

// TestListsWithoutListPolicies: policies that define no list queries (an
// older bundle) give an error, not an empty list that reads as "nobody".
func TestListsWithoutListPolicies(t *testing.T) {
	ctx := context.Background()
	eng, err := engine.New(ctx, engine.WithModules([]engine.Module{{Name: "d.rego", Source: "package padlock.authz\n\ndecision := {}\n"}}))
	if err != nil {
		t.Fatal(err)
	}
	w, _ := randomWorld(rand.New(rand.NewPCG(1, 1)))
	if err := eng.SetWorld(ctx, w); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.ListFlows(ctx, document.FlowsQuery{Principal: "user:a@x.example"}); err == nil || !strings.Contains(err.Error(), "define no") {
		t.Errorf("what-can: %v", err)
	}
	if _, err := eng.ListPrincipals(ctx, document.PrincipalsQuery{Action: "edit", Flow: "f0"}); err == nil || errors.Is(err, engine.ErrUnknownFlow) {
		t.Errorf("who-can of a known flow: %v", err)
	}
	if _, err := eng.ListPrincipals(ctx, document.PrincipalsQuery{Action: "edit", Flow: "nope"}); !errors.Is(err, engine.ErrUnknownFlow) {
		t.Errorf("who-can of an unknown flow: %v", err)
	}
}
