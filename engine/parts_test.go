package engine

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// TestAnEngineStopsItsListWorkers: the goroutines kept for an engine's
// split lists end once the engine is garbage (a sidecar makes a new engine
// for every bundle, and a report one snapshot per page).
func TestAnEngineStopsItsListWorkers(t *testing.T) {
	before := runtime.NumGoroutine()
	engines := make([]*Engine, 3)
	for i := range engines {
		e, err := New(context.Background(), WithListWorkers(5))
		if err != nil {
			t.Fatal(err)
		}
		engines[i] = e
	}
	if runtime.NumGoroutine() < before+3*4 {
		t.Fatalf("%d goroutines with three engines of four list workers, %d before", runtime.NumGoroutine(), before)
	}
	runtime.KeepAlive(engines)
	clear(engines) // the engines are garbage now
	for deadline := time.Now().Add(10 * time.Second); runtime.NumGoroutine() > before; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after the engines were dropped, %d before", runtime.NumGoroutine(), before)
		}
		runtime.GC()
	}
}
