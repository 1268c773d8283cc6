package validate

import (
	"fmt"

	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/world"
)

// World checks valid documents against each other and assembles the world:
// ids are unique per kind, shares name existing flows, team principals have
// a Team document, and a flow's references have distinct logical names. An
// action naming a reference its flow lacks is only a warning: real exports
// contain such flows. The world is nil when any error was found.
func World(docs []Typed) (*world.World, diag.List) {
	w := &world.World{}
	var probs diag.List
	seen := map[string]Typed{} // kind/id → first document
	dup := func(t Typed, ptr, id string) bool {
		key := string(t.Kind) + "/" + id
		if first, ok := seen[key]; ok {
			probs = append(probs, t.Source.Problem(diag.Error, ptr, "duplicate %s id %q (first defined in %s, document %d, line %d)",
				t.Kind, id, first.Source.File, first.Source.Index, first.Source.Line))
			return true
		}
		seen[key] = t
		return false
	}
	teams := map[string]bool{}
	flows := map[string]bool{}
	for _, t := range docs {
		switch d := t.Value.(type) {
		case document.Team:
			if !dup(t, "/id", d.ID) {
				teams[d.ID] = true
				w.Teams = append(w.Teams, d)
			}
		case document.DesktopFlow:
			if !dup(t, "/id", d.ID) {
				flows[d.ID] = true
				probs = append(probs, flowProblems(t, d)...)
				w.Flows = append(w.Flows, d)
			}
		case document.Connection:
			if !dup(t, "/id", d.ID) {
				w.Connections = append(w.Connections, d)
			}
		case document.RoleAssignment:
			if !dup(t, "/id", d.ID) {
				w.RoleAssignments = append(w.RoleAssignments, d)
			}
		case document.Share:
			w.Shares = append(w.Shares, d)
		}
	}
	// Second pass: references to documents that may come later in the input.
	for _, t := range docs {
		switch d := t.Value.(type) {
		case document.Share:
			if !flows[d.Flow] {
				probs = append(probs, t.Source.Problem(diag.Error, "/flow", "share of unknown flow %q: no DesktopFlow has this id", d.Flow))
			}
			for i, g := range d.Grants {
				probs = append(probs, teamProblem(t, fmt.Sprintf("/grants/%d/principal", i), g.Principal, teams)...)
			}
		case document.Team:
			for i, m := range d.Members {
				if document.IsTeam(m) {
					probs = append(probs, t.Source.Problem(diag.Error, fmt.Sprintf("/members/%d", i), "team %q lists team %q as a member: Dataverse teams do not nest", d.ID, m))
				}
			}
		case document.RoleAssignment:
			probs = append(probs, teamProblem(t, "/principal", d.Principal, teams)...)
		}
	}
	if probs.HasErrors() {
		return nil, probs
	}
	return w, probs
}

func teamProblem(t Typed, ptr, principal string, teams map[string]bool) diag.List {
	if document.IsTeam(principal) && !teams[principal] {
		return diag.List{t.Source.Problem(diag.Error, ptr, "unknown team %q: no Team document has this id", principal)}
	}
	return nil
}

func flowProblems(t Typed, f document.DesktopFlow) diag.List {
	var probs diag.List
	refs := map[string]int{}
	for i, r := range f.ConnectionReferences {
		if first, ok := refs[r.LogicalName]; ok {
			probs = append(probs, t.Source.Problem(diag.Error, fmt.Sprintf("/connectionReferences/%d/logicalName", i),
				"duplicate connection reference %q (first at /connectionReferences/%d)", r.LogicalName, first))
			continue
		}
		refs[r.LogicalName] = i
	}
	for i, a := range f.Actions {
		ri, ok := refs[a.Reference]
		if !ok {
			probs = append(probs, t.Source.Problem(diag.Warning, fmt.Sprintf("/actions/%d/reference", i),
				"action %s uses connection reference %q, which flow %q does not have", a.Operation, a.Reference, f.ID))
			continue
		}
		if rc := f.ConnectionReferences[ri].Connector; document.ShortConnector(rc) != document.ShortConnector(a.Connector) {
			probs = append(probs, t.Source.Problem(diag.Warning, fmt.Sprintf("/actions/%d/connector", i),
				"action %s calls connector %s through reference %q, which is for %s", a.Operation,
				document.ShortConnector(a.Connector), a.Reference, document.ShortConnector(rc)))
		}
	}
	return probs
}
