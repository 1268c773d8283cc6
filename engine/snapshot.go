package engine

import (
	"context"
	"fmt"

	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/util"
)

// Version counts the changes of the engine's world: two reads that give
// the same version (of the same engine) read the same world.
func (e *Engine) Version() uint64 { return e.version.Load() }

// Snapshot returns an engine over the policies and the world serving now,
// which later changes do not reach. It is for a long series of queries
// that must all read one world, as a report asking about every flow for
// minutes does: one store transaction held that long would stall every
// write, and asking the live engine flow by flow would mix worlds (a flow
// deleted halfway would fail the whole report). The snapshot shares the
// compiled policies; its store holds a copy of the policies' data and the
// world's documents, and its Version is the engine's when it was taken.
// It answers queries; it reads no documents of its own.
func (e *Engine) Snapshot(ctx context.Context) (*Engine, error) {
	// The version before the world: SetWorld stores the world first, so
	// a version read after it could already count a world not read.
	version := e.version.Load()
	w := e.World()
	data, err := e.policyData(ctx)
	if err != nil {
		return nil, err
	}
	data["world"] = w.Data()
	snap, err := New(ctx, WithCompiler(e.compiler), WithStore(NewStore(data)), WithDecisionCache(e.cacheSize),
		WithListWorkers(e.listWorkers))
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	snap.world.Store(w)
	snap.version.Store(version)
	return snap, nil
}

// policyData copies everything the store holds but the world: the
// policies' data (small).
func (e *Engine) policyData(ctx context.Context) (map[string]any, error) {
	txn, err := e.store.NewTransaction(ctx)
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	// Open until the data is copied: the store hands out its own maps,
	// and a write (SetWorld replaces /world) changes the root's.
	defer e.store.Abort(ctx, txn)
	root, err := e.store.Read(ctx, txn, storage.RootPath)
	if err != nil {
		return nil, fmt.Errorf("snapshot: read the policies' data: %w", err)
	}
	top, ok := root.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("snapshot: the store's root is a %T, not an object", root)
	}
	data := make(map[string]any, len(top))
	for k, v := range top {
		if k == "world" { // the snapshot's is built from its World
			continue
		}
		if err := util.RoundTrip(&v); err != nil { // a copy: the store's values are its own
			return nil, fmt.Errorf("snapshot: copy data.%s: %w", k, err)
		}
		data[k] = v
	}
	return data, nil
}
