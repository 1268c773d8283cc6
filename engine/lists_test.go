package engine_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/synth"
	"github.com/padlock/padlock/engine/world"
	"github.com/padlock/padlock/policies"
)

// TestASplitListReadsOneWorld: a list split into parts asked in parallel
// answers from one world while another is written, never from half of
// each. Two worlds share eight flows with the same twelve people, as
// run-only users in one and co-owners in the other; every who-can and
// what-can asked while they are swapped must be one world's list.
func TestASplitListReadsOneWorld(t *testing.T) {
	ctx := context.Background()
	eng, err := engine.New(ctx, engine.WithDecisionCache(0), engine.WithListWorkers(4))
	if err != nil {
		t.Fatal(err)
	}
	worldOf := func(role string) *world.World {
		w := &world.World{}
		for i := range 8 {
			f := document.DesktopFlow{Kind: document.KindDesktopFlow, ID: fmt.Sprintf("f%d", i), Name: "F", Environment: "env",
				Owner: "user:o@x.example", SchemaVersion: document.SchemaV2, Actions: []document.Action{}}
			s := document.Share{Kind: document.KindShare, Flow: f.ID}
			for j := range 12 {
				s.Grants = append(s.Grants, document.Grant{Principal: document.Principal(fmt.Sprintf("user:u%02d@x.example", j)), Role: role})
			}
			w.Flows, w.Shares = append(w.Flows, f), append(w.Shares, s)
		}
		return w
	}
	who := document.PrincipalsQuery{Action: "run", Flow: "f0", Mode: "console"}
	what := document.FlowsQuery{Principal: "user:u03@x.example"}
	var answers [2]struct {
		who  []engine.ListedPrincipal
		what []engine.ListedFlow
	}
	worlds := []*world.World{worldOf(document.RoleUser), worldOf(document.RoleCoOwner)}
	for i, w := range worlds {
		if err := eng.SetWorld(ctx, w); err != nil {
			t.Fatal(err)
		}
		if answers[i].who, err = eng.ListPrincipals(ctx, who); err != nil || len(answers[i].who) != 13 {
			t.Fatalf("who-can in world %d: %v %+v", i, err, answers[i].who)
		}
		if answers[i].what, err = eng.ListFlows(ctx, what); err != nil || len(answers[i].what) != 8 {
			t.Fatalf("what-can in world %d: %v %+v", i, err, answers[i].what)
		}
	}
	if reflect.DeepEqual(answers[0].who, answers[1].who) || reflect.DeepEqual(answers[0].what, answers[1].what) {
		t.Fatal("both worlds give the same lists: the test cannot tell them apart")
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := eng.SetWorld(ctx, worlds[i%2]); err != nil {
				t.Error(err)
				return
			}
		}
	})
	for range 300 {
		got, err := eng.ListPrincipals(ctx, who)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, answers[0].who) && !reflect.DeepEqual(got, answers[1].who) {
			t.Fatalf("who-can answered from neither world: %+v", got)
		}
		flows, err := eng.ListFlows(ctx, what)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(flows, answers[0].what) && !reflect.DeepEqual(flows, answers[1].what) {
			t.Fatalf("what-can answered from neither world: %+v", flows)
		}
	}
	close(stop)
	wg.Wait()
}

// TestASplitListOfAnUnknownFlow: naming principals does not hide that the
// flow is unknown, however the list is split.
func TestASplitListOfAnUnknownFlow(t *testing.T) {
	ctx := context.Background()
	for _, workers := range []int{1, 4} {
		eng, err := engine.New(ctx, engine.WithListWorkers(workers))
		if err != nil {
			t.Fatal(err)
		}
		q := document.PrincipalsQuery{Action: "run", Flow: "nope", Mode: "console", Principals: []document.Principal{"user:a@x.example", "user:b@x.example", "team:t"}}
		if l, err := eng.ListPrincipals(ctx, q); !errors.Is(err, engine.ErrUnknownFlow) {
			t.Errorf("%d workers: %+v, %v; want an unknown flow", workers, l, err)
		}
	}
}

// TestAListInPartsIsTheList: the parts a query names (as a client may, and
// as the engine asks a long list on every core), joined in order, are the
// list asked whole, and a part the query names is not split again.
func TestAListInPartsIsTheList(t *testing.T) {
	ctx := context.Background()
	for _, workers := range []int{1, 3} {
		eng, err := engine.New(ctx, engine.WithDecisionCache(0), engine.WithListWorkers(workers))
		if err != nil {
			t.Fatal(err)
		}
		if err := eng.SetWorld(ctx, synth.WorldOf(200, 50)); err != nil {
			t.Fatal(err)
		}
		for _, of := range []int{1, 2, 5} {
			for _, flow := range []string{synth.FlowID(3), synth.FlowID(51)} {
				q := document.PrincipalsQuery{Action: "run", Flow: flow, Mode: "console"}
				whole, err := eng.ListPrincipals(ctx, q)
				if err != nil || len(whole) < 4 {
					t.Fatalf("who-can %s: %d principals, %v", flow, len(whole), err)
				}
				joined := joinParts(t, of, func(p *document.Part) ([]engine.ListedPrincipal, error) {
					q.Part = p
					return eng.ListPrincipals(ctx, q)
				})
				if !reflect.DeepEqual(joined, whole) {
					t.Errorf("%d workers, who-can %s in %d parts:\n%v\nwant\n%v", workers, flow, of, joined, whole)
				}
			}
			for _, user := range []document.Principal{"user:u003@example.com", "user:u017@example.com"} {
				q := document.FlowsQuery{Principal: user}
				whole, err := eng.ListFlows(ctx, q)
				if err != nil || len(whole) < 4 {
					t.Fatalf("what-can %s: %d flows, %v", user, len(whole), err)
				}
				joined := joinParts(t, of, func(p *document.Part) ([]engine.ListedFlow, error) {
					q.Part = p
					return eng.ListFlows(ctx, q)
				})
				if !reflect.DeepEqual(joined, whole) {
					t.Errorf("%d workers, what-can %s in %d parts:\n%v\nwant\n%v", workers, user, of, joined, whole)
				}
			}
		}
	}
}

// joinParts asks a list in of parts, and one part past the last (empty),
// and joins the answers in order.
func joinParts[T any](t *testing.T, of int, ask func(*document.Part) ([]T, error)) []T {
	t.Helper()
	var joined []T
	for i := range of + 1 {
		part, err := ask(&document.Part{Index: i, Of: of})
		if err != nil {
			t.Fatal(err)
		}
		joined = append(joined, part...)
	}
	return joined
}

// TestPoliciesThatDoNotKnowPartsListEachOnce: policies older than parts
// (a bundle) answer the whole list for every part; the engine sees that
// the joined parts repeat themselves and asks the list whole.
func TestPoliciesThatDoNotKnowPartsListEachOnce(t *testing.T) {
	ctx := context.Background()
	old := fstest.MapFS{}
	err := fs.WalkDir(policies.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(policies.FS, path)
		old[path] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	old["padlock/lists/part.rego"] = &fstest.MapFile{Data: []byte("package padlock.lists\n\npart_of(all, _) := all\n")}
	delete(old, "padlock/lists/part_test.rego")
	w := synth.WorldOf(200, 50)
	var engines []*engine.Engine
	for _, o := range [][]engine.Option{{engine.WithListWorkers(1)}, {engine.WithListWorkers(3), engine.WithPolicies(old)}} {
		eng, err := engine.New(ctx, append(o, engine.WithDecisionCache(0))...)
		if err != nil {
			t.Fatal(err)
		}
		if err := eng.SetWorld(ctx, w); err != nil {
			t.Fatal(err)
		}
		engines = append(engines, eng)
	}
	q := document.PrincipalsQuery{Action: "run", Flow: synth.FlowID(51), Mode: "console"}
	want, err := engines[0].ListPrincipals(ctx, q)
	if err != nil || len(want) < 4 {
		t.Fatalf("%d principals, %v", len(want), err)
	}
	if got, err := engines[1].ListPrincipals(ctx, q); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("who-can with policies that do not know parts:\n%v, %v\nwant\n%v", got, err, want)
	}
	fq := document.FlowsQuery{Principal: "user:u017@example.com"}
	wantFlows, err := engines[0].ListFlows(ctx, fq)
	if err != nil || len(wantFlows) < 4 {
		t.Fatalf("%d flows, %v", len(wantFlows), err)
	}
	if got, err := engines[1].ListFlows(ctx, fq); err != nil || !reflect.DeepEqual(got, wantFlows) {
		t.Errorf("what-can with policies that do not know parts:\n%v, %v\nwant\n%v", got, err, wantFlows)
	}
}
