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
	w, pending, probs := OpenWorld(docs)
	for _, t := range pending {
		probs = append(probs, UnknownFlow(t))
	}
	if probs.HasErrors() {
		return nil, probs
	}
	return w, probs
}

// OpenWorld is World for documents whose flows may also come from
// elsewhere (an audit's exports, read after them): a share of a flow the
// documents lack is not an error here but pending, for the caller to
// check with UnknownFlow once it knows every flow.
func OpenWorld(docs []Typed) (w *world.World, pending []Typed, probs diag.List) {
	w = &world.World{}
	seen := map[string]Typed{} // kind/id → first document
	dup := func(t Typed, ptr, id string) bool {
		key := string(t.Kind) + "/" + id
		if first, ok := seen[key]; ok {
			probs = append(probs, Duplicate(t, first, ptr, id))
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
				probs = append(probs, DocProblems(t)...)
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
				pending = append(pending, t)
			}
			for i, g := range d.Grants {
				if g.Principal.IsTeam() && !teams[string(g.Principal)] {
					probs = append(probs, UnknownTeam(t, fmt.Sprintf("/grants/%d/principal", i), g.Principal))
				}
			}
		case document.Team:
			probs = append(probs, DocProblems(t)...)
		case document.RoleAssignment:
			if d.Principal.IsTeam() && !teams[string(d.Principal)] {
				probs = append(probs, UnknownTeam(t, "/principal", d.Principal))
			}
		}
	}
	probs = append(probs, lonePrincipals(docs, w)...)
	if probs.HasErrors() {
		return nil, pending, probs
	}
	return w, pending, probs
}

// UnknownFlow is the error of a share whose flow no document defines.
func UnknownFlow(share Typed) diag.Problem {
	return share.Source.Problem(diag.Error, "/flow", "share of unknown flow %q: no DesktopFlow has this id", share.Value.(document.Share).Flow)
}

// Duplicate is the error of a document whose id an earlier one has.
func Duplicate(t, first Typed, ptr, id string) diag.Problem {
	return t.Source.Problem(diag.Error, ptr, "duplicate %s id %q (first defined in %s, document %d, line %d)",
		t.Kind, id, first.Source.File, first.Source.Index, first.Source.Line)
}

// FlowProblems checks a flow on its own: its references' logical names
// are distinct (an error), its actions name its references (warnings).
func FlowProblems(t Typed) diag.List {
	f, ok := t.Value.(document.DesktopFlow)
	if !ok {
		return nil
	}
	return flowProblems(t, f)
}

// DocProblems checks what a document can get wrong on its own, whatever
// the rest of the world: a flow's references (FlowProblems), a team that
// lists a team (Dataverse teams do not nest).
func DocProblems(t Typed) diag.List {
	switch d := t.Value.(type) {
	case document.DesktopFlow:
		return flowProblems(t, d)
	case document.Team:
		var probs diag.List
		for i, m := range d.Members {
			if m.IsTeam() {
				probs = append(probs, t.Source.Problem(diag.Error, fmt.Sprintf("/members/%d", i), "team %q lists team %q as a member: Dataverse teams do not nest", d.ID, m))
			}
		}
		return probs
	}
	return nil
}

// UnknownTeam is the error of a grant or role assignment to a team that
// no Team document defines.
func UnknownTeam(t Typed, ptr string, team document.Principal) diag.Problem {
	return t.Source.Problem(diag.Error, ptr, "unknown team %q: no Team document has this id", team)
}

// Lone is the warning about a user who appears nowhere else in the world.
func Lone(t Typed, ptr string, p document.Principal) diag.Problem {
	return t.Source.Problem(diag.Warning, ptr,
		"%s appears nowhere else in the world (no team, connection, owned flow or other grant): is it misspelt?", p)
}

// lonePrincipals warns about a user who is granted something (in a Share
// or a RoleAssignment) but appears nowhere else in the world: no team, no
// connection, no flow or reference they own, no other grant. That is how
// a typo in an e-mail looks, and it would otherwise only show as a silent
// NO_ACCESS.
func lonePrincipals(docs []Typed, w *world.World) diag.List {
	seen := map[document.Principal]int{}
	count := func(p document.Principal) { seen[p]++ }
	for _, f := range w.Flows {
		Mentions(f, count)
	}
	for _, s := range w.Shares {
		Mentions(s, count)
	}
	for _, t := range w.Teams {
		Mentions(t, count)
	}
	for _, c := range w.Connections {
		Mentions(c, count)
	}
	for _, ra := range w.RoleAssignments {
		Mentions(ra, count)
	}
	var probs diag.List
	warn := func(t Typed, ptr string, p document.Principal) {
		if !p.IsTeam() && seen[p] == 1 {
			probs = append(probs, Lone(t, ptr, p))
		}
	}
	for _, t := range docs {
		switch d := t.Value.(type) {
		case document.Share:
			for i, g := range d.Grants {
				warn(t, fmt.Sprintf("/grants/%d/principal", i), g.Principal)
			}
		case document.RoleAssignment:
			warn(t, "/principal", d.Principal)
		}
	}
	return probs
}

// Mentions calls f with every principal a document names, as the check
// for lone principals counts them: a flow's owner and its references'
// owners, a share's grantees, a team's members, a connection's owner, a
// role assignment's principal.
func Mentions(v any, f func(document.Principal)) {
	switch d := v.(type) {
	case document.DesktopFlow:
		f(d.Owner)
		for _, r := range d.ConnectionReferences {
			f(r.Owner)
		}
	case document.Share:
		for _, g := range d.Grants {
			f(g.Principal)
		}
	case document.Team:
		for _, m := range d.Members {
			f(m)
		}
	case document.Connection:
		f(d.Owner)
	case document.RoleAssignment:
		f(d.Principal)
	}
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
