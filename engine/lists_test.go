package engine_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/world"
)

// TestASplitListReadsOneWorld: a list split into parts asked in parallel
// answers from one world while another is written, never from half of
// each. Two worlds share eight flows with the same twelve people, as
// run-only users in one and co-owners in the other; every who-can and
// what-can asked while they are swapped must be one world's list.
func TestASplitListReadsOneWorld(t *testing.T) {
	ctx := context.Background()
	eng, err := engine.New(ctx, engine.WithDecisionCache(0), engine.WithListWorkers(4), engine.WithMinPerPart(1))
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
		eng, err := engine.New(ctx, engine.WithListWorkers(workers), engine.WithMinPerPart(1))
		if err != nil {
			t.Fatal(err)
		}
		q := document.PrincipalsQuery{Action: "run", Flow: "nope", Mode: "console", Principals: []document.Principal{"user:a@x.example", "user:b@x.example", "team:t"}}
		if l, err := eng.ListPrincipals(ctx, q); !errors.Is(err, engine.ErrUnknownFlow) {
			t.Errorf("%d workers: %+v, %v; want an unknown flow", workers, l, err)
		}
	}
}
