package live

import (
	"fmt"

	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/validate"
)

// Check tells whether the world after the writes would be valid, with the
// problems validate.World would find in it, through the indexes: what the
// written documents get wrong on their own, a key that another source
// already defines, a share of a flow or a grant to a team that would not
// exist, a deleted flow or team that something still names. Warnings are
// those about the written documents (a principal who appears nowhere
// else). Nothing changes.
func (l *Live) Check(writes []Write) diag.List {
	// What the writes change, counted: the world after is the indexes
	// plus these.
	var (
		flows  = map[string]int{}
		teams  = map[string]int{}
		shares = map[string]int{}
		refs   = map[document.Principal]int{}
		seen   = map[document.Principal]int{}
		probs  diag.List
	)
	count := func(v any, by int) {
		validate.Mentions(v, func(p document.Principal) { seen[p] += by })
		teamRefs(v, func(t document.Principal) { refs[t] += by })
		switch d := v.(type) {
		case document.DesktopFlow:
			flows[d.ID] += by
		case document.Team:
			teams[d.ID] += by
		case document.Share:
			shares[d.Flow] += by
		}
	}
	for _, w := range writes {
		if e, ok := l.docs[w.Key]; ok && e.api {
			count(l.current(w.Key, e.seq), -1)
		}
		if w.Doc != nil {
			count(w.Doc.Value, +1)
		}
	}
	flowExists := func(id string) bool {
		_, ok := l.docs[Key{document.KindDesktopFlow, id}]
		return b2i(ok)+flows[id] > 0
	}
	teamExists := func(id document.Principal) bool {
		_, ok := l.docs[Key{document.KindTeam, string(id)}]
		return b2i(ok)+teams[string(id)] > 0
	}
	for _, w := range writes {
		if w.Doc == nil {
			probs = append(probs, l.stillNamed(w.Key, flowExists, teamExists, shares, refs)...)
			continue
		}
		t := w.Doc.Typed
		probs = append(probs, validate.DocProblems(t)...)
		if e, ok := l.docs[w.Key]; ok && !e.api {
			probs = append(probs, validate.Duplicate(t, validate.Typed{Source: e.src, Kind: w.Key.Kind}, "/id", w.Key.ID))
		}
		lone := func(ptr string, p document.Principal) {
			if !p.IsTeam() && l.seen[p]+seen[p] == 1 {
				probs = append(probs, validate.Lone(t, ptr, p))
			}
		}
		switch d := t.Value.(type) {
		case document.Share:
			if !flowExists(d.Flow) {
				probs = append(probs, validate.UnknownFlow(t))
			}
			for i, g := range d.Grants {
				ptr := fmt.Sprintf("/grants/%d/principal", i)
				if g.Principal.IsTeam() && !teamExists(g.Principal) {
					probs = append(probs, validate.UnknownTeam(t, ptr, g.Principal))
				}
				lone(ptr, g.Principal)
			}
		case document.RoleAssignment:
			if d.Principal.IsTeam() && !teamExists(d.Principal) {
				probs = append(probs, validate.UnknownTeam(t, "/principal", d.Principal))
			}
			lone("/principal", d.Principal)
		}
		// A replaced flow or team is still there: only a delete can leave
		// a share or a grant dangling.
	}
	return probs
}

// stillNamed is the error of deleting a flow that a share still shares, or
// a team that a grant or role assignment still names.
func (l *Live) stillNamed(k Key, flowExists func(string) bool, teamExists func(document.Principal) bool, shares map[string]int, refs map[document.Principal]int) diag.List {
	request := func(format string, args ...any) diag.List {
		return diag.List{{Severity: diag.Error, Document: -1, Message: fmt.Sprintf(format, args...)}}
	}
	switch k.Kind {
	case document.KindDesktopFlow:
		if !flowExists(k.ID) && len(l.sharesOf[k.ID])+shares[k.ID] > 0 {
			return request("desktop flow %q is still shared: remove its shares first", k.ID)
		}
	case document.KindTeam:
		team := document.Principal(k.ID)
		if !teamExists(team) && l.teamRefs[team]+refs[team] > 0 {
			return request("team %q is still named by a share or a role assignment: remove those first", k.ID)
		}
	}
	return nil
}

// current is the document at a key now.
func (l *Live) current(k Key, seq uint64) any {
	switch k.Kind {
	case document.KindDesktopFlow:
		return l.flows.get(seq)
	case document.KindShare:
		return l.shares.get(seq)
	case document.KindTeam:
		return l.teams.get(seq)
	case document.KindConnection:
		return l.conns.get(seq)
	case document.KindRoleAssignment:
		return l.ras.get(seq)
	}
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
