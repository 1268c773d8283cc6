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
	depth := map[string]int{"flows": 1, "grants": 2, "teams": 1, "memberOf": 1, "securityRoles": 2, "connections": 3, "ownedBy": 2, "sharedWith": 2, "flowsIn": 2}
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
		for index, d := range depth {
			for _, p := range differingPaths([]string{index}, a[index], b[index], d) {
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

// differingPaths are the key paths, depth levels down, whose values differ
// between a and b (a key in one only differs).
func differingPaths(at []string, a, b any, depth int) [][]string {
	if reflect.DeepEqual(a, b) {
		return nil
	}
	ma, oka := a.(map[string]any)
	mb, okb := b.(map[string]any)
	if depth == 0 || (!oka && a != nil) || (!okb && b != nil) {
		return [][]string{at}
	}
	var out [][]string
	keys := map[string]bool{}
	for k := range ma {
		keys[k] = true
	}
	for k := range mb {
		keys[k] = true
	}
	for k := range keys {
		out = append(out, differingPaths(append(slices.Clip(at), k), ma[k], mb[k], depth-1)...)
	}
	return out
}
