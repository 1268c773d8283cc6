package engine

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/storage"
)

// TestAWriteReachesWhatItReplaced: a write reaches an answer that read
// the path written, a path below it (replaced with it), or a path above it
// (a read of the whole); not one that read beside it.
func TestAWriteReachesWhatItReplaced(t *testing.T) {
	read := func(paths ...string) Reads {
		_, r := recording(context.Background())
		for _, p := range paths {
			r.note(storage.MustParsePath(p))
		}
		return r.reads()
	}
	for _, tt := range []struct {
		name    string
		reads   Reads
		written []string
		reaches bool
	}{
		{"the path read", read("/world/connections/user:a@x/env/shared_sql"), []string{"connections", "user:a@x", "env", "shared_sql"}, true},
		{"below a path read", read("/world/grants/f1"), []string{"grants", "f1", "user:a@x"}, true},
		{"above a path read", read("/world/grants/f1/user:a@x/co-owner"), []string{"grants", "f1"}, true},
		{"the whole world read", read("/world"), []string{"teams", "team:t"}, true},
		{"beside", read("/world/grants/f1", "/world/memberOf/user:a@x"), []string{"grants", "f2", "user:a@x"}, false},
		{"a sibling with a longer name", read("/world/flows/f1"), []string{"flows", "f10"}, false},
		{"another index", read("/world/memberOf/user:a@x"), []string{"teams", "user:a@x"}, false},
		{"nothing read", read(), []string{"flows", "f1"}, false},
	} {
		if got := writtenPaths([][]string{tt.written}).reaches(tt.reads); got != tt.reaches {
			t.Errorf("%s: reaches %v, want %v", tt.name, got, tt.reaches)
		}
	}
}
