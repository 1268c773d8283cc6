// Package world is the set of valid documents padlock decides over, and its
// index: the data tree the Rego rules read at data.world, keyed so that a
// decision looks a flow, its grants, a principal's teams and connections up
// by key instead of scanning every document.
package world

import (
	"maps"

	"github.com/padlock/padlock/engine/document"
)

// World is a validated, consistent set of documents, in document order.
type World struct {
	Flows           []document.DesktopFlow
	Shares          []document.Share
	Teams           []document.Team
	Connections     []document.Connection
	RoleAssignments []document.RoleAssignment
}

// Counts reports how many documents of each kind the world holds.
func (w *World) Counts() map[document.Kind]int {
	return map[document.Kind]int{
		document.KindDesktopFlow:    len(w.Flows),
		document.KindShare:          len(w.Shares),
		document.KindTeam:           len(w.Teams),
		document.KindConnection:     len(w.Connections),
		document.KindRoleAssignment: len(w.RoleAssignments),
	}
}

// Data builds the tree stored at data.world:
//
//	flows[flowID]                          the flow, connector ids in short form
//	grants[flowID][principal][role]        true, from every Share of the flow
//	teams[teamID]                          [member]
//	memberOf[principal]                    [teamID]
//	securityRoles[environment][principal]  [role name]
//	connections[owner][environment][connector]  [connection] in document order
//
// and, for the list queries (who can, what can), the reverse lookups:
//
//	ownedBy[principal][flowID]             true
//	sharedWith[principal][flowID]          true, from every Share
//	flowsIn[environment][flowID]           true
func (w *World) Data() map[string]any {
	flows := make(map[string]any, len(w.Flows))
	ownedBy, flowsIn := map[string]any{}, map[string]any{}
	for _, f := range w.Flows {
		flows[f.ID] = FlowData(f)
		if f.Owner != "" {
			child(ownedBy, string(f.Owner))[f.ID] = true
		}
		child(flowsIn, f.Environment)[f.ID] = true
	}
	grants, sharedWith := map[string]any{}, map[string]any{}
	roleSets := RoleSets{}
	for _, s := range w.Shares {
		AddGrants(child(grants, s.Flow), s, roleSets)
		for _, g := range s.Grants {
			child(sharedWith, string(g.Principal))[s.Flow] = true
		}
	}
	teams := make(map[string]any, len(w.Teams))
	memberOf := map[string]any{}
	for _, t := range w.Teams {
		teams[t.ID] = Strings(t.Members)
		for _, p := range t.Members {
			m := string(p)
			list, _ := memberOf[m].([]any)
			memberOf[m] = append(list, t.ID)
		}
	}
	roles := map[string]any{}
	for _, ra := range w.RoleAssignments {
		env := child(roles, ra.Environment)
		p := string(ra.Principal)
		list, _ := env[p].([]any)
		env[p] = append(list, Strings(ra.Roles)...)
	}
	conns := map[string]any{}
	for _, c := range w.Connections {
		byConnector := child(child(conns, string(c.Owner)), c.Environment)
		short := document.ShortConnector(c.Connector)
		list, _ := byConnector[short].([]any)
		byConnector[short] = append(list, ConnectionData(c))
	}
	return map[string]any{
		"flows": flows, "grants": grants, "teams": teams, "memberOf": memberOf,
		"securityRoles": roles, "connections": conns,
		"ownedBy": ownedBy, "sharedWith": sharedWith, "flowsIn": flowsIn,
	}
}

// AddGrants adds a share's grants to grants[flow]: principal → role →
// true. Several shares of one flow add up. A principal's roles are one of
// roles' sets, shared by every grant of that one role and never changed
// (at 100,000 flows, a map of its own per grant was a sixth of the
// world's memory), or a set of their own once they are two.
func AddGrants(byPrincipal map[string]any, s document.Share, roles RoleSets) {
	for _, g := range s.Grants {
		p := string(g.Principal)
		held, _ := byPrincipal[p].(map[string]any)
		switch {
		case held == nil:
			byPrincipal[p] = roles.of(g.Role)
		case held[g.Role] != true:
			own := maps.Clone(held)
			own[g.Role] = true
			byPrincipal[p] = own
		}
	}
}

// RoleSets are the shared sets of one role each that AddGrants gives.
type RoleSets map[string]map[string]any

func (r RoleSets) of(role string) map[string]any {
	set, ok := r[role]
	if !ok {
		set = map[string]any{role: true}
		r[role] = set
	}
	return set
}

// ConnectionData is one entry of connections[owner][environment][connector].
func ConnectionData(c document.Connection) map[string]any {
	short := document.ShortConnector(c.Connector)
	return map[string]any{
		"id": c.ID, "connector": short, "environment": c.Environment,
		"owner": string(c.Owner), "account": c.Account, "status": c.Status,
	}
}

// FlowData is a flow as data.world.flows holds it: connector ids in short
// form, optional fields left out. The audit gives its rules each flow so.
func FlowData(f document.DesktopFlow) map[string]any {
	refs := make([]any, len(f.ConnectionReferences))
	for i, r := range f.ConnectionReferences {
		m := map[string]any{
			"logicalName": r.LogicalName,
			"connector":   document.ShortConnector(r.Connector),
			"embedded":    r.Embedded,
		}
		setIf(m, "displayName", r.DisplayName)
		setIf(m, "owner", string(r.Owner))
		setIf(m, "connection", r.Connection)
		refs[i] = m
	}
	actions := make([]any, len(f.Actions))
	for i, a := range f.Actions {
		actions[i] = map[string]any{
			"connector": document.ShortConnector(a.Connector),
			"operation": a.Operation,
			"reference": a.Reference,
		}
	}
	m := map[string]any{
		"id": f.ID, "name": f.Name, "environment": f.Environment,
		"schemaVersion": f.SchemaVersion, "connectionReferences": refs, "actions": actions,
	}
	setIf(m, "owner", string(f.Owner))
	return m
}

// setIf leaves optional fields out rather than empty, so that a rule such
// as `ref.owner == input.principal` is undefined, not false-by-accident.
func setIf(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func child(m map[string]any, k string) map[string]any {
	c, ok := m[k].(map[string]any)
	if !ok {
		c = map[string]any{}
		m[k] = c
	}
	return c
}

// Strings is a list of names (principals, roles) as data.world and OPA's
// input hold them: plain strings.
func Strings[T ~string](s []T) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = string(v)
	}
	return out
}
