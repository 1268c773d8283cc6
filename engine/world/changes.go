package world

import (
	"reflect"
	"slices"

	"github.com/padlock/padlock/engine/document"
)

// Changes says which answers replacing world a by world b can change, in
// the terms of a Patch (Flows, Everyone): those about the flows whose
// document or shares differ (added, removed or changed), or everyone's
// when a team, a connection or a role assignment differs. A sidecar that
// reads its documents from a folder gets a whole new world on every
// reread; when only a share file changed, its caches keep every answer
// about the other flows. A nil a (no world yet) changes everything.
func Changes(a, b *World) (everyone bool, flows []string) {
	if a == nil || b == nil {
		return true, nil
	}
	// In document order, so a reordering counts as a change: it never
	// changes an answer, but telling it apart would cost more than it saves.
	// Connections are the most numerous (one per person and connector)
	// and plain values: compared with ==, not by reflection.
	if !slices.Equal(a.Connections, b.Connections) || !reflect.DeepEqual(a.Teams, b.Teams) || !reflect.DeepEqual(a.RoleAssignments, b.RoleAssignments) {
		return true, nil
	}
	changed := map[string]bool{}
	differ(changed, byFlow(a.Flows, func(f document.DesktopFlow) string { return f.ID }), byFlow(b.Flows, func(f document.DesktopFlow) string { return f.ID }))
	differ(changed, byFlow(a.Shares, func(s document.Share) string { return s.Flow }), byFlow(b.Shares, func(s document.Share) string { return s.Flow }))
	for f := range changed {
		flows = append(flows, f)
	}
	slices.Sort(flows)
	return false, flows
}

// byFlow groups documents by the flow they are about, in document order.
func byFlow[D any](docs []D, flow func(D) string) map[string][]D {
	out := make(map[string][]D, len(docs))
	for _, d := range docs {
		out[flow(d)] = append(out[flow(d)], d)
	}
	return out
}

// differ marks the flows whose documents in a and b are not the same.
func differ[D any](changed map[string]bool, a, b map[string][]D) {
	for f, da := range a {
		if db, ok := b[f]; !ok || !reflect.DeepEqual(da, db) {
			changed[f] = true
		}
	}
	for f := range b {
		if _, ok := a[f]; !ok {
			changed[f] = true
		}
	}
}
