package live_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/live"
	"github.com/padlock/padlock/engine/load"
	"github.com/padlock/padlock/engine/validate"
	"github.com/padlock/padlock/engine/world"
)

// gen makes random documents over a small universe of ids, so that
// writes collide, name missing flows and teams, and replace each other.
type gen struct{ r *rand.Rand }

func (g gen) pick(s ...string) string { return s[g.r.IntN(len(s))] }

func (g gen) user() document.Principal {
	return document.Principal(fmt.Sprintf("user:u%d@x.example", g.r.IntN(5)))
}

func (g gen) team() document.Principal {
	return document.Principal(g.pick("team:t0", "team:t1", "team:t2"))
}

func (g gen) principal() document.Principal {
	if g.r.IntN(4) == 0 {
		return g.team()
	}
	return g.user()
}

func (g gen) flowID() string { return g.pick("f0", "f1", "f2", "f3", "f4") }

func (g gen) doc(kind document.Kind) any {
	switch kind {
	case document.KindDesktopFlow:
		f := document.DesktopFlow{Kind: kind, ID: g.flowID(), Name: "n", Environment: g.pick("e0", "e1"), SchemaVersion: g.pick("v1", "v2"),
			ConnectionReferences: []document.ConnectionReference{}, Actions: []document.Action{}}
		if g.r.IntN(4) > 0 {
			f.Owner = g.user()
		}
		for i := range g.r.IntN(3) {
			f.ConnectionReferences = append(f.ConnectionReferences, document.ConnectionReference{
				LogicalName: g.pick("r0", "r1", fmt.Sprint("r", i)), Connector: g.pick("shared_sql", "shared_office365"), Owner: g.user(), Embedded: g.r.IntN(2) == 0,
			})
		}
		return f
	case document.KindShare:
		s := document.Share{Kind: kind, Flow: g.pick("f0", "f1", "f2", "f3", "f4", "f9")}
		for range 1 + g.r.IntN(3) {
			s.Grants = append(s.Grants, document.Grant{Principal: g.principal(), Role: g.pick(document.RoleUser, document.RoleCoOwner)})
		}
		return s
	case document.KindTeam:
		t := document.Team{Kind: kind, ID: string(g.team())}
		for range g.r.IntN(4) {
			m := g.user()
			if g.r.IntN(15) == 0 {
				m = g.team()
			}
			t.Members = append(t.Members, m)
		}
		return t
	case document.KindConnection:
		return document.Connection{Kind: kind, ID: g.pick("c0", "c1", "c2", "c3"), Connector: g.pick("shared_sql", "/providers/Microsoft.PowerApps/apis/shared_sql", "shared_office365"),
			Environment: g.pick("e0", "e1"), Owner: g.user(), Account: "a", Status: g.pick("Connected", "Error")}
	default:
		return document.RoleAssignment{Kind: kind, ID: g.pick("r0", "r1", "r2"), Environment: g.pick("e0", "e1"), Principal: g.principal(),
			Roles: []string{g.pick("System Administrator", "Environment Maker")}}
	}
}

func typed(v any, file string) validate.Typed {
	k, _ := live.KeyOf(v)
	return validate.Typed{Source: load.Generated(file, v), Kind: k.Kind, Value: v}
}

// apiState is the documents API's side as the server keeps it: its
// documents by key, and the keys in first-write order (a deleted key
// keeps its place).
type apiState struct {
	docs  map[live.Key]*validate.Typed
	order []live.Key
}

func (a *apiState) seq(k live.Key) uint64 {
	for i, o := range a.order {
		if o == k {
			return 1<<40 + uint64(i)
		}
	}
	a.order = append(a.order, k)
	return 1<<40 + uint64(len(a.order)-1)
}

func (a apiState) merged(sourced []validate.Typed) []validate.Typed {
	out := append([]validate.Typed(nil), sourced...)
	for _, k := range a.order {
		if t := a.docs[k]; t != nil {
			out = append(out, *t)
		}
	}
	return out
}

// TestWritesAgreeWithTheFullPath: for random worlds and random writes of
// the documents API, the live world accepts exactly the writes after which
// validate.World accepts the whole world; after each accepted write its
// documents are validate.World's, the store patched path by path holds the
// tree world.Data builds from scratch, and the decisions (some remembered
// by the cache before the write) and the lists (some kept from before it)
// are the ones a fresh engine gives.
func TestWritesAgreeWithTheFullPath(t *testing.T) {
	ctx := context.Background()
	compiler, err := engine.CompileBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	kinds := document.Kinds()
	accepted, refused := 0, 0
	for seed := range uint64(60) {
		g := gen{rand.New(rand.NewPCG(seed, 7))}
		// A valid world from the files: documents added while it stays valid.
		var sourced []validate.Typed
		for range g.r.IntN(20) {
			next := append(sourced, typed(g.doc(kinds[g.r.IntN(len(kinds))]), "files.yaml"))
			if w, probs := validate.World(next); w != nil && !probs.HasErrors() {
				sourced = next
			}
		}
		docs := make([]live.Doc, len(sourced))
		for i, t := range sourced {
			docs[i] = live.Doc{Typed: t, Seq: uint64(i)}
		}
		l := live.Build(docs)
		w0, _ := validate.World(sourced)
		eng, err := engine.New(ctx, engine.WithCompiler(compiler))
		if err != nil {
			t.Fatal(err)
		}
		if err := eng.SetWorld(ctx, w0); err != nil {
			t.Fatal(err)
		}
		// The whole world set anew at each step: the same answers from
		// scratch (SetWorld replaces data.world and the caches).
		fresh, err := engine.New(ctx, engine.WithCompiler(compiler))
		if err != nil {
			t.Fatal(err)
		}
		api := apiState{docs: map[live.Key]*validate.Typed{}}
		for step := range 40 {
			var writes []live.Write
			next := apiState{docs: map[live.Key]*validate.Typed{}, order: append([]live.Key(nil), api.order...)}
			for k, v := range api.docs {
				next.docs[k] = v
			}
			seen := map[live.Key]bool{}
			for range 1 + g.r.IntN(3) {
				v := g.doc(kinds[g.r.IntN(len(kinds))])
				k, _ := live.KeyOf(v)
				if g.r.IntN(4) == 0 && len(api.order) > 0 {
					k = api.order[g.r.IntN(len(api.order))]
					v = nil
				}
				if seen[k] || (v == nil && api.docs[k] == nil) {
					continue
				}
				seen[k] = true
				if v == nil {
					writes = append(writes, live.Write{Key: k})
					next.docs[k] = nil
					continue
				}
				tv := typed(v, "request.json")
				writes = append(writes, live.Write{Key: k, Doc: &live.Doc{Typed: tv, Seq: next.seq(k), API: true}})
				next.docs[k] = &tv
			}
			full, fullProbs := validate.World(next.merged(sourced))
			probs := l.Check(writes)
			if probs.HasErrors() != fullProbs.HasErrors() {
				t.Fatalf("seed %d step %d: live says errors=%v %v, the full check %v %v", seed, step, probs.HasErrors(), probs, fullProbs.HasErrors(), fullProbs)
			}
			// Decisions and lists before the write, so that the caches
			// hold some.
			queries := someQueries(g)
			for _, q := range queries {
				eng.Decide(ctx, q)
			}
			someLists(ctx, eng, queries)
			if probs.HasErrors() {
				refused++
				continue
			}
			accepted++
			api = next
			w, patch := l.Apply(writes)
			if !reflect.DeepEqual(normal(w), normal(full)) {
				t.Fatalf("seed %d step %d: the live world differs from validate.World's:\n%+v\n%+v", seed, step, w, full)
			}
			if err := eng.PatchWorld(ctx, w, patch); err != nil {
				t.Fatal(err)
			}
			if err := fresh.SetWorld(ctx, full); err != nil {
				t.Fatal(err)
			}
			got, _, err := eng.EvalPath(ctx, "world", nil)
			if err != nil {
				t.Fatal(err)
			}
			want, ok, _ := fresh.EvalPath(ctx, "world", nil)
			if !ok {
				t.Fatal("data.world is undefined")
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("seed %d step %d: patched data.world differs:\n got %v\nwant %v\npatch %+v", seed, step, got, want, patch)
			}
			for _, q := range queries {
				if a, b := eng.Decide(ctx, q), fresh.Decide(ctx, q); !reflect.DeepEqual(a, b) {
					t.Fatalf("seed %d step %d: %+v decided %+v after the patch, %+v from scratch", seed, step, q, a, b)
				}
			}
			if a, b := someLists(ctx, eng, queries), someLists(ctx, fresh, queries); !reflect.DeepEqual(a, b) {
				t.Fatalf("seed %d step %d: lists after the patch differ from scratch:\n%v\n%v", seed, step, a, b)
			}
		}
	}
	if accepted < 200 || refused < 100 {
		t.Fatalf("the generator is lopsided: %d accepted, %d refused", accepted, refused)
	}
}

// someLists asks who may run the queries' flows and what their
// principals may do: the lists and their errors, to compare.
func someLists(ctx context.Context, eng *engine.Engine, queries []document.Query) []any {
	var out []any
	for _, q := range queries {
		l, err := eng.ListPrincipals(ctx, document.PrincipalsQuery{Action: document.ActionRun, Flow: q.Flow, Mode: "console"})
		out = append(out, l, fmt.Sprint(err))
		f, err := eng.ListFlows(ctx, document.FlowsQuery{Principal: q.Principal})
		out = append(out, f, fmt.Sprint(err))
	}
	return out
}

func someQueries(g gen) []document.Query {
	var qs []document.Query
	for range 6 {
		qs = append(qs, document.Query{Action: document.ActionRun, Principal: g.user(), Flow: g.flowID(), Mode: "console"})
	}
	return qs
}

// normal makes empty and nil slices alike.
func normal(w *world.World) world.World {
	n := world.World{}
	if w == nil {
		return n
	}
	if len(w.Flows) > 0 {
		n.Flows = w.Flows
	}
	if len(w.Shares) > 0 {
		n.Shares = w.Shares
	}
	if len(w.Teams) > 0 {
		n.Teams = w.Teams
	}
	if len(w.Connections) > 0 {
		n.Connections = w.Connections
	}
	if len(w.RoleAssignments) > 0 {
		n.RoleAssignments = w.RoleAssignments
	}
	return n
}

// TestARewrittenDocumentKeepsItsPlace: a document the API rewrites keeps
// its place in document order, and so in the index lists that follow it
// (a member's teams, in the order of the Team documents).
func TestARewrittenDocumentKeepsItsPlace(t *testing.T) {
	l := live.Build(nil)
	team := func(id string, seq uint64, members ...document.Principal) live.Write {
		v := document.Team{Kind: document.KindTeam, ID: id, Members: members}
		return live.Write{Key: live.Key{Kind: document.KindTeam, ID: id}, Doc: &live.Doc{Typed: typed(v, "request.json"), Seq: seq, API: true}}
	}
	l.Apply([]live.Write{team("team:t0", 1, "user:a")})
	l.Apply([]live.Write{team("team:t1", 2, "user:a")})
	_, patch := l.Apply([]live.Write{team("team:t0", 1, "user:a", "user:b")})
	want := world.Op{Path: []string{"memberOf", "user:a"}, Value: []any{"team:t0", "team:t1"}}
	for _, op := range patch.Ops {
		if reflect.DeepEqual(op.Path, want.Path) {
			if !reflect.DeepEqual(op, want) {
				t.Fatalf("got %+v, want %+v", op, want)
			}
			return
		}
	}
	t.Fatalf("the patch %+v does not set %v", patch, want.Path)
}
