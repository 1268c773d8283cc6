package engine_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/live"
	"github.com/padlock/padlock/engine/load"
	"github.com/padlock/padlock/engine/validate"
	"github.com/padlock/padlock/engine/world"
)

// TestNoDecisionOutlivesThePatchThatChangesIt: clients decide, with the
// cache on, while a writer grants and revokes a user's share of a flow by
// patches, or by setting the whole new world as a reread of --docs does.
// Once PatchWorld or SetWorld has returned, no decision may show the
// world before it, though evaluations that began before it end after it.
func TestNoDecisionOutlivesThePatchThatChangesIt(t *testing.T) {
	noAnswerOutlivesItsWrite(t, func(ctx context.Context, eng *engine.Engine, q document.Query) bool {
		return eng.Decide(ctx, q).Role == document.RoleUser
	})
}

// TestNoListOutlivesThePatchThatChangesIt: the same for who-can lists,
// which the engine keeps across the writes that do not reach what they
// read: once the write has returned, the user is listed exactly when the
// share grants them the flow.
func TestNoListOutlivesThePatchThatChangesIt(t *testing.T) {
	noAnswerOutlivesItsWrite(t, func(ctx context.Context, eng *engine.Engine, q document.Query) bool {
		l, err := eng.ListPrincipals(ctx, document.PrincipalsQuery{Action: q.Action, Flow: q.Flow, Mode: q.Mode})
		if err != nil {
			panic(err) // the flow is in every world written
		}
		return slices.ContainsFunc(l, func(p engine.ListedPrincipal) bool { return p.Principal == string(q.Principal) })
	})
}

// noAnswerOutlivesItsWrite checks granted, an answer about whether q's
// principal holds the user role on q's flow, against every write.
func noAnswerOutlivesItsWrite(t *testing.T, granted func(context.Context, *engine.Engine, document.Query) bool) {
	for _, tc := range []struct {
		name  string
		write func(eng *engine.Engine, w *world.World, p world.Patch) error
	}{
		{"a patch", func(eng *engine.Engine, w *world.World, p world.Patch) error {
			return eng.PatchWorld(context.Background(), w, p)
		}},
		// A reread of --docs: the whole world, which asks as little again.
		{"a new world", func(eng *engine.Engine, w *world.World, _ world.Patch) error {
			return eng.SetWorld(context.Background(), w)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { noStaleAnswer(t, tc.write, granted) })
	}
}

func noStaleAnswer(t *testing.T, write func(eng *engine.Engine, w *world.World, p world.Patch) error, granted func(context.Context, *engine.Engine, document.Query) bool) {
	ctx := context.Background()
	doc := func(v any, seq uint64, api bool) live.Doc {
		k, _ := live.KeyOf(v)
		return live.Doc{Typed: validate.Typed{Source: load.Generated("t", v), Kind: k.Kind, Value: v}, Seq: seq, API: api}
	}
	flow := func(id string) document.DesktopFlow {
		return document.DesktopFlow{Kind: document.KindDesktopFlow, ID: id, Name: id, Environment: "e", Owner: "user:o@x.example",
			SchemaVersion: document.SchemaV2, ConnectionReferences: []document.ConnectionReference{}, Actions: []document.Action{}}
	}
	l := live.Build([]live.Doc{doc(flow("f"), 0, false), doc(flow("g"), 1, false)})
	eng, err := engine.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.SetWorld(ctx, l.World()); err != nil {
		t.Fatal(err)
	}
	q := document.Query{Action: document.ActionRun, Principal: "user:u@x.example", Flow: "f", Mode: "console"}

	type state struct {
		started, acked int
		granted        bool
	}
	var now atomic.Pointer[state]
	now.Store(&state{})
	var stale, checked atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				before := now.Load()
				got := granted(ctx, eng, q)
				after := now.Load()
				if before.started != before.acked || after.started != before.started {
					continue // a write was in flight: either answer is right
				}
				checked.Add(1)
				if got != before.granted {
					stale.Add(1)
				}
			}
		})
	}
	key := live.Key{Kind: document.KindShare, ID: "f"}
	share := document.Share{Kind: document.KindShare, Flow: "f", Grants: []document.Grant{{Principal: "user:u@x.example", Role: document.RoleUser}}}
	deadline := time.Now().Add(time.Second)
	for i := 1; time.Now().Before(deadline); i++ {
		granted := i%2 == 1
		now.Store(&state{started: i, acked: i - 1, granted: !granted})
		w := live.Write{Key: key}
		if granted {
			d := doc(share, 1<<40, true)
			w.Doc = &d
		}
		if probs := l.Check([]live.Write{w}); probs.HasErrors() {
			t.Fatal(probs)
		}
		next, patch := l.Apply([]live.Write{w})
		if err := write(eng, next, patch); err != nil {
			t.Fatal(err)
		}
		now.Store(&state{started: i, acked: i, granted: granted})
		time.Sleep(time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if stale.Load() > 0 || checked.Load() < 100 {
		t.Fatalf("%d stale answers of %d checked", stale.Load(), checked.Load())
	}
}
