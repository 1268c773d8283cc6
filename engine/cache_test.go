package engine

import (
	"cmp"
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/live"
	"github.com/padlock/padlock/engine/load"
	"github.com/padlock/padlock/engine/validate"
	"github.com/padlock/padlock/engine/world"
)

// TestAWriteAsksAgainOnlyWhatItReaches: a kept decision is asked again
// after a write exactly when the write changed the value at a path of the
// world the decision read, whether the write is a reread or the documents
// API's: a grant reaches the decisions about its flow that read it; a
// team, a connection and a role assignment reach the decisions of the
// people whose teams, connections and roles they change, not everyone's.
func TestAWriteAsksAgainOnlyWhatItReaches(t *testing.T) {
	ctx := context.Background()
	const (
		owner  = document.Principal("user:o@x.example")
		user   = document.Principal("user:u@x.example")
		member = document.Principal("user:m@x.example")
		other  = document.Principal("user:v@x.example")
	)
	base := func() *world.World {
		flow := func(id string) document.DesktopFlow {
			return document.DesktopFlow{Kind: document.KindDesktopFlow, ID: id, Name: id, Environment: "e", Owner: owner, SchemaVersion: document.SchemaV2,
				ConnectionReferences: []document.ConnectionReference{{LogicalName: "r1", Connector: "shared_sql", Owner: owner, Embedded: true}}}
		}
		conn := func(p document.Principal) document.Connection {
			return document.Connection{Kind: document.KindConnection, ID: "c-" + string(p), Connector: "shared_sql", Environment: "e", Owner: p, Account: "a", Status: "Connected"}
		}
		return &world.World{
			Flows: []document.DesktopFlow{flow("f1"), flow("f2")},
			Shares: []document.Share{
				{Kind: document.KindShare, Flow: "f1", Grants: []document.Grant{{Principal: user, Role: document.RoleUser}, {Principal: "team:t", Role: document.RoleCoOwner}}},
				{Kind: document.KindShare, Flow: "f2", Grants: []document.Grant{{Principal: other, Role: document.RoleUser}}},
			},
			Teams:       []document.Team{{Kind: document.KindTeam, ID: "team:t", Members: []document.Principal{member}}},
			Connections: []document.Connection{conn(user), conn(other)},
		}
	}
	run := func(p document.Principal, flow string) document.Query {
		return document.Query{Action: document.ActionRun, Principal: p, Flow: flow, Mode: "console"}
	}
	queries := []document.Query{
		run(user, "f1"), run(member, "f1"), run(other, "f2"),
		{Action: document.ActionInvoke, Principal: owner, Flow: "f1", Mode: "unattended"},
		{Action: document.ActionInvoke, Principal: owner, Flow: "f2", Mode: "unattended"},
	}
	tests := []struct {
		name   string
		change func(w *world.World)
		asked  []int // the queries asked again, by index
	}{
		{"nothing", func(*world.World) {}, nil},
		// The team's grant goes: its member's run and the invoke (which
		// asks whether the flow is shared at all) change; the user's
		// own grant does not.
		{"f1's share loses the team's grant", func(w *world.World) { w.Shares[0].Grants = w.Shares[0].Grants[:1] }, []int{1, 3}},
		{"f1's share loses the user's grant", func(w *world.World) { w.Shares[0].Grants = w.Shares[0].Grants[1:] }, []int{0, 3}},
		// A team's document names every member, but only the teams of
		// the one who joins or leaves change.
		{"someone joins the team", func(w *world.World) { w.Teams[0].Members = append(w.Teams[0].Members, "user:n@x.example") }, nil},
		{"a member leaves the team", func(w *world.World) { w.Teams[0].Members = nil }, []int{1}},
		{"a user's connection", func(w *world.World) { w.Connections[0].Status = "Error" }, []int{0}},
		{"a role assignment", func(w *world.World) {
			w.RoleAssignments = []document.RoleAssignment{{Kind: document.KindRoleAssignment, ID: "ra", Environment: "e", Principal: other, Roles: []string{"System Customizer"}}}
		}, []int{2}},
		{"f2 itself", func(w *world.World) { w.Flows[1].SchemaVersion = document.SchemaV1 }, []int{2, 4}},
	}
	fresh, err := New(ctx, WithDecisionCache(0))
	if err != nil {
		t.Fatal(err)
	}
	// The change as a sidecar makes it: a reread of its files (a new
	// world), or the documents API's writes of what changed (a patch).
	writes := map[string]func(eng *Engine, next *world.World) error{
		"a new world": func(eng *Engine, next *world.World) error { return eng.SetWorld(ctx, next) },
		"a patch": func(eng *Engine, next *world.World) error {
			l, seq := live.Build(nil), map[live.Key]uint64{}
			l.Apply(apiWrites(&world.World{}, base(), seq))
			w, patch := l.Apply(apiWrites(base(), next, seq))
			return eng.PatchWorld(ctx, w, patch)
		},
	}
	for _, tt := range tests {
		for how, write := range writes {
			t.Run(tt.name+"/"+how, func(t *testing.T) {
				eng, err := New(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if err := eng.SetWorld(ctx, base()); err != nil {
					t.Fatal(err)
				}
				for _, q := range queries {
					eng.Decide(ctx, q)
				}
				next := base()
				tt.change(next)
				if err := write(eng, next); err != nil {
					t.Fatal(err)
				}
				if err := fresh.SetWorld(ctx, next); err != nil {
					t.Fatal(err)
				}
				decisions := eng.cache.Load().decisions
				for i, q := range queries {
					a, ok := decisions.get(q)
					if !ok {
						t.Fatalf("%v: not kept at all", q)
					}
					if asked := !a.holds(eng); asked != slices.Contains(tt.asked, i) {
						t.Errorf("query %d (%s by %s on %s) asked again: %v", i, q.Action, q.Principal, q.Flow, asked)
					}
					if got, want := eng.Decide(ctx, q), fresh.Decide(ctx, q); !reflect.DeepEqual(got, want) {
						t.Errorf("query %d: %+v, want %+v", i, got, want)
					}
				}
			})
		}
	}
}

// apiWrites are the documents API's writes that turn world a into b, key
// by key; seq gives each key its place in document order, and a new key
// the next.
func apiWrites(a, b *world.World, seq map[live.Key]uint64) []live.Write {
	docs := func(w *world.World) map[live.Key]any {
		m := map[live.Key]any{}
		for _, list := range [][]any{docsOf(w.Flows), docsOf(w.Shares), docsOf(w.Teams), docsOf(w.Connections), docsOf(w.RoleAssignments)} {
			for _, v := range list {
				k, _ := live.KeyOf(v)
				m[k] = v
			}
		}
		return m
	}
	before, after := docs(a), docs(b)
	var out []live.Write
	for k, v := range after {
		if reflect.DeepEqual(before[k], v) {
			continue
		}
		if _, ok := seq[k]; !ok {
			seq[k] = uint64(len(seq))
		}
		out = append(out, live.Write{Key: k, Doc: &live.Doc{Typed: validate.Typed{Source: load.Generated("t", v), Kind: k.Kind, Value: v}, Seq: seq[k], API: true}})
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			out = append(out, live.Write{Key: k})
		}
	}
	slices.SortFunc(out, func(x, y live.Write) int { return cmp.Compare(seq[x.Key], seq[y.Key]) })
	return out
}

func docsOf[D any](docs []D) []any {
	out := make([]any, len(docs))
	for i, d := range docs {
		out[i] = d
	}
	return out
}

// TestCachesStayBounded: a cache past its size starts over, an answer
// that read more paths than it may remember is changed by any write, and
// past maxPaths the record of writes takes every older answer as changed
// rather than grow.
func TestCachesStayBounded(t *testing.T) {
	c := newCache[int, int](10)
	for i := range 25 {
		c.put(i, i)
		if len(c.m) > 10 {
			t.Fatalf("%d answers in a cache of 10", len(c.m))
		}
	}
	_, rec := recording(context.Background())
	for i := range maxReads + 1 {
		rec.note([]string{"world", "flows", fmt.Sprint(i)})
	}
	wide := keep(0, rec.reads(), 0).reads
	if !wide.all || len(wide.at) != 0 {
		t.Errorf("a kept answer remembers %d reads of %d", len(wide.at), maxReads+1)
	}
	ch := &changes{}
	ch.note(1, [][]string{{"teams", "team:t"}}, false)
	if !ch.readsChangedSince(wide, 0) || ch.readsChangedSince(wide, 1) {
		t.Error("an answer that read too much to remember must be changed by every later write, and only by those")
	}
	many := make([][]string, maxPaths/2+1)
	for i := range many {
		many[i] = []string{"flows", fmt.Sprint(i)}
	}
	ch.note(2, many, false)
	ch.note(3, many, false)
	if len(ch.writes) != 1 || ch.held > maxPaths || ch.allPaths != 2 {
		t.Fatalf("%d writes of %d paths held, all paths changed at %d", len(ch.writes), ch.held, ch.allPaths)
	}
	if !ch.readsChangedSince(Reads{}, 1) || ch.readsChangedSince(Reads{}, 2) {
		t.Error("an answer read before a write no longer held must be taken as changed, and one read after it not")
	}
}

// TestANewWorldKeepsTheDecisionsItCannotChange: a sidecar that rereads its
// folder sets a whole new world; when only a share differs, the decisions
// about other flows still hold, and the shared flow's are asked again and
// follow the share.
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
	decisions := eng.cache.Load().decisions
	if a, kept := decisions.get(q("f1")); !kept || !a.holds(eng) {
		t.Error("the decision about f1, which the new world does not change, is not kept")
	}
	if a, kept := decisions.get(q("f2")); kept && a.holds(eng) {
		t.Error("the decision about f2, whose share changed, still holds")
	}
	if !eng.Decide(ctx, q("f1")).Allow || !eng.Decide(ctx, q("f2")).Allow {
		t.Error("want f1 and f2 allowed after the share of f2")
	}
}
