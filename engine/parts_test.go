package engine

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// TestAnEngineStopsItsListWorkers: the goroutines kept for an engine's
// split lists are told to end (their channel is closed) once the engine is
// garbage: a sidecar makes a new engine for every bundle, and a report one
// snapshot per page.
func TestAnEngineStopsItsListWorkers(t *testing.T) {
	var work []chan func()
	for range 3 {
		e, err := New(context.Background(), WithListWorkers(5))
		if err != nil {
			t.Fatal(err)
		}
		work = append(work, e.parts.work)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		runtime.GC()
		open := 0
		for _, w := range work {
			select {
			case _, ok := <-w:
				if ok {
					t.Fatal("a task was sent to a dropped engine's workers")
				}
			default: // open, its workers waiting
				open++
			}
		}
		if open == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 3 dropped engines still keep their list workers", open)
		}
	}
}
