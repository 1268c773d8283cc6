package world_test

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/padlock/padlock/engine/synth"
	"github.com/padlock/padlock/engine/world"
)

// TestChangedPathsCoverEveryChange: over random edits of a generated
// world (documents changed, added, removed and reordered, of every kind),
// every index path of data.world whose value differs between the two
// worlds is one ChangedPaths gives or lies below one: a cache that asks
// again the answers that read those paths asks again every answer the new
// world can change.
func TestChangedPathsCoverEveryChange(t *testing.T) {
	base := synth.WorldOf(60, 30)
	r := rand.New(rand.NewPCG(3, 12))
	for n := range 300 {
		next := synth.Clone(base)
		var did []string
		for range 1 + r.IntN(3) {
			did = append(did, synth.Edit(r, next, 40))
		}
		paths, all := world.ChangedPaths(base, next)
		if all {
			t.Fatalf("%v: all paths", did)
		}
		a, b := base.Data(), next.Data()
		for index := range a {
			for _, p := range world.DifferingPaths([]string{index}, a[index], b[index]) {
				if !slices.ContainsFunc(paths, func(c []string) bool { return len(c) <= len(p) && slices.Equal(c, p[:len(c)]) }) {
					t.Fatalf("edit %d (%v): %v differs, and no changed path covers it (%d paths)", n, did, p, len(paths))
				}
			}
		}
	}
	if _, all := world.ChangedPaths(nil, base); !all {
		t.Error("no world before: want all paths")
	}
	if paths, _ := world.ChangedPaths(base, synth.Clone(base)); len(paths) != 0 {
		t.Errorf("the same documents: %v", paths)
	}
}

// TestDifferingPaths: the paths a replaced entry really changed, down to
// the index's keys.
func TestDifferingPaths(t *testing.T) {
	user, coOwner := map[string]any{"user": true}, map[string]any{"co-owner": true}
	tests := []struct {
		name string
		path []string
		a, b any
		want [][]string
	}{
		{"the same", []string{"grants", "f"}, map[string]any{"u": user}, map[string]any{"u": user}, nil},
		{"one grant of a flow's changed", []string{"grants", "f"}, map[string]any{"u": user, "v": user}, map[string]any{"u": user, "v": coOwner}, [][]string{{"grants", "f", "v"}}},
		{"a grant added", []string{"grants", "f"}, map[string]any{"u": user}, map[string]any{"u": user, "w": user}, [][]string{{"grants", "f", "w"}}},
		{"a grant removed", []string{"grants", "f"}, map[string]any{"u": user, "w": user}, map[string]any{"u": user}, [][]string{{"grants", "f", "w"}}},
		{"an empty share appears", []string{"grants", "f"}, nil, map[string]any{}, [][]string{{"grants", "f"}}},
		{"a flow's first grants", []string{"grants", "f"}, nil, map[string]any{"u": user}, [][]string{{"grants", "f", "u"}}},
		{"an entry at the index's depth", []string{"memberOf", "user:a"}, []any{"team:t"}, []any{"team:t", "team:u"}, [][]string{{"memberOf", "user:a"}}},
		{"an entry that goes", []string{"flows", "f"}, map[string]any{"id": "f"}, nil, [][]string{{"flows", "f"}}},
		{"a whole index", []string{"teams"}, map[string]any{"team:t": []any{"a"}, "team:u": []any{"b"}}, map[string]any{"team:t": []any{"a"}, "team:u": []any{"c"}}, [][]string{{"teams", "team:u"}}},
	}
	for _, tt := range tests {
		if got := world.DifferingPaths(tt.path, tt.a, tt.b); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
