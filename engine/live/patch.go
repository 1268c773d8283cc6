package live

import (
	"slices"
	"strings"

	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/world"
)

// touched collects the paths of data.world that the documents a write
// removes or adds appear at (see world.Data), to recompute each once from
// the indexes after the write.
type touched struct {
	paths map[string][]string
}

func newTouched() *touched {
	return &touched{paths: map[string][]string{}}
}

func (t *touched) add(path ...string) { t.paths[strings.Join(path, "\x00")] = path }

// doc notes the paths a document gives a value to.
func (t *touched) doc(v any) {
	switch d := v.(type) {
	case document.DesktopFlow:
		t.add("flows", d.ID)
		t.add("flowsIn", d.Environment, d.ID)
		if d.Owner != "" {
			t.add("ownedBy", string(d.Owner), d.ID)
		}
	case document.Share:
		t.add("grants", d.Flow)
		for _, g := range d.Grants {
			t.add("sharedWith", string(g.Principal), d.Flow)
		}
	case document.Team:
		t.add("teams", d.ID)
		for _, m := range d.Members {
			t.add("memberOf", string(m))
		}
	case document.Connection:
		t.add("connections", string(d.Owner), d.Environment, document.ShortConnector(d.Connector))
	case document.RoleAssignment:
		t.add("securityRoles", d.Environment, string(d.Principal))
	}
}

// patch recomputes every touched path from the indexes, in a stable order.
func (t *touched) patch(l *Live) world.Patch {
	keys := make([]string, 0, len(t.paths))
	for k := range t.paths {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var p world.Patch
	for _, k := range keys {
		path := t.paths[k]
		p.Ops = append(p.Ops, world.Op{Path: path, Value: l.valueAt(path)})
	}
	return p
}

// valueAt is the value world.Data would give the path now, nil if none.
func (l *Live) valueAt(path []string) any {
	switch path[0] {
	case "flows":
		if f, ok := l.flow(path[1]); ok {
			return world.FlowData(f)
		}
	case "flowsIn":
		if f, ok := l.flow(path[2]); ok && f.Environment == path[1] {
			return true
		}
	case "ownedBy":
		if f, ok := l.flow(path[2]); ok && string(f.Owner) == path[1] {
			return true
		}
	case "grants":
		seqs := l.sharesOf[path[1]]
		if len(seqs) == 0 {
			return nil
		}
		grants, roles := map[string]any{}, world.RoleSets{}
		for _, seq := range seqs {
			world.AddGrants(grants, l.shares.get(seq), roles)
		}
		return grants
	case "sharedWith":
		for _, seq := range l.sharesOf[path[2]] {
			if slices.ContainsFunc(l.shares.get(seq).Grants, func(g document.Grant) bool { return string(g.Principal) == path[1] }) {
				return true
			}
		}
	case "teams":
		if e, ok := l.docs[Key{document.KindTeam, path[1]}]; ok {
			return world.Strings(l.teams.get(e.seq).Members)
		}
	case "memberOf":
		if ids := l.teamsOf[document.Principal(path[1])]; len(ids) > 0 {
			return world.Strings(l.bySeq(document.KindTeam, ids))
		}
	case "securityRoles":
		ids := l.rolesOf[rolesKey{path[1], path[2]}]
		if len(ids) == 0 {
			return nil
		}
		roles := []any{}
		for _, id := range l.bySeq(document.KindRoleAssignment, ids) {
			roles = append(roles, world.Strings(l.ras.get(l.docs[Key{document.KindRoleAssignment, id}].seq).Roles)...)
		}
		return roles
	case "connections":
		ids := l.connsOf[connsKey{path[1], path[2], path[3]}]
		if len(ids) == 0 {
			return nil
		}
		var conns []any
		for _, id := range l.bySeq(document.KindConnection, ids) {
			conns = append(conns, world.ConnectionData(l.conns.get(l.docs[Key{document.KindConnection, id}].seq)))
		}
		return conns
	}
	return nil
}

func (l *Live) flow(id string) (document.DesktopFlow, bool) {
	e, ok := l.docs[Key{document.KindDesktopFlow, id}]
	if !ok {
		return document.DesktopFlow{}, false
	}
	return l.flows.get(e.seq), true
}
