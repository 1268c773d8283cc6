// Package dataverse reads who holds which role in a real tenant: dumps of
// the Dataverse Web API (workflows, principalobjectaccessset, systemusers,
// teams, teammemberships, roles, systemuserrolescollection,
// teamrolescollection, connectionreferences) and the Power Platform admin
// API's connection list, one folder per environment, and turns them into
// padlock documents (DesktopFlow, Share, Team, RoleAssignment, Connection)
// that are then validated like any other. It is one more loader: it
// decides nothing. How an access mask maps to a role is policy
// (padlock.dataverse), asked through Options.RoleOfMask.
//
// Every row it cannot map (a share of an unknown flow or principal, a
// disabled user, a connection whose creator is no system user, a mask that
// gives no role) is a warning naming the file and the row, and counted in
// the summary: nothing is dropped silently.
package dataverse

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/export"
	"github.com/padlock/padlock/engine/load"
	"github.com/padlock/padlock/engine/progress"
)

// Options say how to read dumps.
type Options struct {
	// Environment names the environment of every dump; empty: each
	// folder's environment is its organisation, read from @odata.context.
	Environment string
	// RoleOfMask asks the policy which role a grant's access rights give
	// ("" for none).
	RoleOfMask func(ctx context.Context, mask int64) (string, error)
	Progress   *progress.Meter
}

// Result is what Read produced.
type Result struct {
	// Documents are the padlock documents, each named after the row it
	// came from, in a deterministic order (by environment, kind and id).
	Documents []load.Doc
	// Problems: errors for files that could not be read (nothing of that
	// environment is used then), warnings for rows that could not be mapped.
	Problems diag.List
	// Environments are the environments read, one per folder.
	Environments []string
}

// The entity sets padlock reads, in the order it joins them.
const (
	setUsers           = "systemusers"
	setTeams           = "teams"
	setMemberships     = "teammemberships"
	setRoles           = "roles"
	setUserRoles       = "systemuserrolescollection"
	setTeamRoles       = "teamrolescollection"
	setConnRefs        = "connectionreferences"
	setWorkflows       = "workflows"
	setPOA             = "principalobjectaccessset"
	setConnections     = "connections"
	workflowObjectType = "4703" // the workflow table's object type code
)

// Read joins the dump files, grouped by folder: one folder, one
// environment.
func Read(ctx context.Context, files []string, o Options) *Result {
	res := &Result{}
	byDir := map[string][]string{}
	var dirs []string
	for _, f := range files {
		d := filepath.Dir(f)
		if _, ok := byDir[d]; !ok {
			dirs = append(dirs, d)
		}
		byDir[d] = append(byDir[d], f)
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		env := newEnvironment(ctx, d, byDir[d], o, res)
		if env == nil {
			continue
		}
		res.Environments = append(res.Environments, env.name)
		env.read()
	}
	return res
}

// environment joins the dump of one environment.
type environment struct {
	ctx  context.Context
	name string
	sets map[string][]string // entity set → files, in name order
	o    Options
	res  *Result

	users    map[string]user   // systemuserid → user
	byEmail  map[string]string // lower e-mail → systemuserid
	byAAD    map[string]string // Entra object id → systemuserid
	teams    map[string]team   // teamid → team
	roles    map[string]string // roleid → name
	connRefs map[string]connRef
	flows    map[string]*document.DesktopFlow // workflowid → desktop flow
	flowSrc  map[string]string                // workflowid → where it came from
}

type user struct {
	principal document.Principal
	disabled  bool
}

type team struct {
	id      string // the team's principal id
	name    string
	members []document.Principal
}

type connRef struct {
	connector, connection, owner string
}

func newEnvironment(ctx context.Context, dir string, files []string, o Options, res *Result) *environment {
	sort.Strings(files)
	env := &environment{ctx: ctx, sets: map[string][]string{}, o: o, res: res,
		users: map[string]user{}, byEmail: map[string]string{}, byAAD: map[string]string{}, teams: map[string]team{},
		roles: map[string]string{}, connRefs: map[string]connRef{}, flows: map[string]*document.DesktopFlow{}, flowSrc: map[string]string{}}
	orgs := map[string]bool{}
	for _, f := range files {
		ctxURL := sniffContext(f)
		if org := organization(ctxURL); org != "" {
			orgs[org] = true
		}
		set := entitySet(f, ctxURL)
		env.sets[set] = append(env.sets[set], f)
	}
	env.name = o.Environment
	if env.name == "" {
		switch len(orgs) {
		case 1:
			for org := range orgs {
				env.name = org
			}
		case 0:
			res.Problems = append(res.Problems, folderProblem(dir, "cannot tell the environment of this dump: no @odata.context names its organisation; give it with --environment"))
			return nil
		default:
			res.Problems = append(res.Problems, folderProblem(dir, fmt.Sprintf("the files name %d organisations (%s): one folder holds one environment's dump", len(orgs), strings.Join(sortedKeys(orgs), ", "))))
			return nil
		}
	}
	return env
}

func folderProblem(dir, msg string) diag.Problem {
	return diag.Problem{Severity: diag.Error, File: dir, Document: -1, Message: msg, Unreadable: true}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// read joins the entity sets in dependency order: people first, then what
// refers to them.
func (e *environment) read() {
	e.readUsers()
	e.readTeams()
	e.readMemberships()
	e.readRoles()
	e.readRoleAssignments()
	e.readConnRefs()
	e.readWorkflows()
	e.readShares()
	e.readConnections()
	e.emitTeams()
	e.emitFlows()
	for set := range e.sets {
		switch set {
		case setUsers, setTeams, setMemberships, setRoles, setUserRoles, setTeamRoles, setConnRefs, setWorkflows, setPOA, setConnections:
		default:
			for _, f := range e.sets[set] {
				e.warn(f, "", "entity set %q is not one padlock reads: the file is ignored", set)
			}
		}
	}
}

// rows streams every file of an entity set, counting rows; a file that
// cannot be read is an error.
func rows[T any](e *environment, set string, fn func(file string, i int, row T)) {
	for _, f := range e.sets[set] {
		_, err := eachRow(f, func(i int, row T) error {
			fn(f, i, row)
			return nil
		})
		if err != nil {
			e.res.Problems = append(e.res.Problems, diag.Problem{Severity: diag.Error, File: f, Document: -1, Message: err.Error(), Unreadable: true})
		}
	}
}

// warn reports a row padlock could not map. The message starts with its
// reason ("disabled user: ..."), which summaries count by.
func (e *environment) warn(file, pointer, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	e.res.Problems = append(e.res.Problems, diag.Problem{Severity: diag.Warning, File: file, Document: -1, Pointer: pointer, Message: msg})
}

// principalRE is the one principal pattern of every schema: an e-mail that
// fails it would fail validation, so the row is reported instead.
var principalRE = regexp.MustCompile(document.PrincipalPattern)

func row(i int) string { return fmt.Sprintf("/value/%d", i) }

// emit adds a generated document named after its source row.
func (e *environment) emit(source string, doc any) {
	e.res.Documents = append(e.res.Documents, load.Generated(source, doc))
}

type userRow struct {
	ID       string `json:"systemuserid"`
	Domain   string `json:"domainname"`
	Email    string `json:"internalemailaddress"`
	AAD      string `json:"azureactivedirectoryobjectid"`
	Disabled bool   `json:"isdisabled"`
}

// readUsers: a user's principal is "user:" and their e-mail (the
// internalemailaddress, else the domainname, which is the UPN), lower case.
func (e *environment) readUsers() {
	rows(e, setUsers, func(file string, i int, r userRow) {
		id := export.NormalizeID(r.ID)
		email := strings.TrimSpace(r.Email)
		if !strings.Contains(email, "@") {
			email = strings.TrimSpace(r.Domain)
		}
		if id == "" || !principalRE.MatchString(email) {
			e.warn(file, row(i), "user without an e-mail: system user %q has neither an internalemailaddress nor a domainname that is an e-mail address", r.ID)
			return
		}
		p := document.Principal(email).Canonical()
		e.users[id] = user{principal: p, disabled: r.Disabled}
		e.byEmail[strings.ToLower(email)] = id
		if d := strings.ToLower(strings.TrimSpace(r.Domain)); strings.Contains(d, "@") {
			e.byEmail[d] = id
		}
		if a := export.NormalizeID(r.AAD); a != "" {
			e.byAAD[a] = id
		}
	})
}

type teamRow struct {
	ID   string      `json:"teamid"`
	Name string      `json:"name"`
	Type json.Number `json:"teamtype"`
	AAD  string      `json:"azureactivedirectoryobjectid"`
}

// readTeams: a team's principal is "team:" and its name in lower case with
// dashes for spaces ("IT Admins" is team:it-admins), readable in shares
// and reports; two teams whose names give the same id both fall back to
// their teamid.
func (e *environment) readTeams() {
	bySlug := map[string][]string{}
	rows(e, setTeams, func(file string, i int, r teamRow) {
		id := export.NormalizeID(r.ID)
		if id == "" {
			e.warn(file, row(i), "team without a teamid: the row is ignored")
			return
		}
		slug := slugify(r.Name)
		if slug == "" {
			slug = id
		}
		e.teams[id] = team{id: document.TeamPrefix + slug, name: strings.TrimSpace(r.Name)}
		bySlug[slug] = append(bySlug[slug], id)
	})
	for _, ids := range bySlug {
		if len(ids) > 1 {
			for _, id := range ids {
				t := e.teams[id]
				t.id = document.TeamPrefix + id
				e.teams[id] = t
			}
		}
	}
}

func slugify(name string) string {
	return strings.Trim(strings.Join(strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r'
	}), "-"), "-")
}

type membershipRow struct {
	Team string `json:"teamid"`
	User string `json:"systemuserid"`
}

func (e *environment) readMemberships() {
	rows(e, setMemberships, func(file string, i int, r membershipRow) {
		tid, uid := export.NormalizeID(r.Team), export.NormalizeID(r.User)
		t, ok := e.teams[tid]
		if !ok {
			e.warn(file, row(i), "membership of an unknown team: team %q is not in teams", r.Team)
			return
		}
		u, ok := e.users[uid]
		switch {
		case !ok:
			e.warn(file, row(i), "membership of an unknown user: system user %q is not in systemusers", r.User)
			return
		case u.disabled:
			e.warn(file, row(i), "disabled user: %s is disabled and holds no role, so is not a member of %s", u.principal, t.id)
			return
		}
		t.members = append(t.members, u.principal)
		e.teams[tid] = t
	})
}

type roleRow struct {
	ID   string `json:"roleid"`
	Name string `json:"name"`
}

func (e *environment) readRoles() {
	rows(e, setRoles, func(file string, i int, r roleRow) {
		if id := export.NormalizeID(r.ID); id != "" && strings.TrimSpace(r.Name) != "" {
			e.roles[id] = strings.TrimSpace(r.Name)
			return
		}
		e.warn(file, row(i), "role without an id or a name: the row is ignored")
	})
}

type roleAssignmentRow struct {
	User string `json:"systemuserid"`
	Team string `json:"teamid"`
	Role string `json:"roleid"`
}

// readRoleAssignments gives each user and team one RoleAssignment with the
// names of all their security roles in this environment.
func (e *environment) readRoleAssignments() {
	held := map[document.Principal]map[string]bool{}
	source := map[document.Principal]string{}
	add := func(file string, i int, p document.Principal, roleID string) {
		name, ok := e.roles[export.NormalizeID(roleID)]
		if !ok {
			e.warn(file, row(i), "assignment of an unknown role: role %q is not in roles", roleID)
			return
		}
		if held[p] == nil {
			held[p] = map[string]bool{}
			source[p] = file + "#" + row(i)
		}
		held[p][name] = true
	}
	rows(e, setUserRoles, func(file string, i int, r roleAssignmentRow) {
		u, ok := e.users[export.NormalizeID(r.User)]
		switch {
		case !ok:
			e.warn(file, row(i), "role of an unknown user: system user %q is not in systemusers", r.User)
		case u.disabled:
			e.warn(file, row(i), "disabled user: %s is disabled and holds no role", u.principal)
		default:
			add(file, i, u.principal, r.Role)
		}
	})
	rows(e, setTeamRoles, func(file string, i int, r roleAssignmentRow) {
		t, ok := e.teams[export.NormalizeID(r.Team)]
		if !ok {
			e.warn(file, row(i), "role of an unknown team: team %q is not in teams", r.Team)
			return
		}
		add(file, i, document.Principal(t.id), r.Role)
	})
	principals := make([]string, 0, len(held))
	for p := range held {
		principals = append(principals, string(p))
	}
	sort.Strings(principals)
	for _, p := range principals {
		e.emit(source[document.Principal(p)], document.RoleAssignment{
			Kind: document.KindRoleAssignment, ID: e.name + "/" + p, Environment: e.name,
			Principal: document.Principal(p), Roles: sortedKeys(held[document.Principal(p)]),
		})
	}
}

type connRefRow struct {
	LogicalName string `json:"connectionreferencelogicalname"`
	Connector   string `json:"connectorid"`
	Connection  string `json:"connectionid"`
	Owner       string `json:"_ownerid_value"`
}

func (e *environment) readConnRefs() {
	rows(e, setConnRefs, func(file string, i int, r connRefRow) {
		if r.LogicalName == "" {
			e.warn(file, row(i), "connection reference without a logical name: the row is ignored")
			return
		}
		e.connRefs[r.LogicalName] = connRef{connector: r.Connector, connection: r.Connection, owner: r.Owner}
	})
}

// principalOf maps an owner id (_ownerid_value: a system user or a team)
// to its principal; ok is false, with a warning, when it names nobody who
// can hold a role.
func (e *environment) principalOf(file, pointer, what, id string) (document.Principal, bool) {
	nid := export.NormalizeID(id)
	if u, ok := e.users[nid]; ok {
		if u.disabled {
			e.warn(file, pointer, "disabled user: %s, %s, is disabled and holds no role", u.principal, what)
			return "", false
		}
		return u.principal, true
	}
	if t, ok := e.teams[nid]; ok {
		return document.Principal(t.id), true
	}
	e.warn(file, pointer, "unknown owner: %s is %q, which is neither a system user nor a team of the dump", what, id)
	return "", false
}

// readWorkflows reads the desktop flows with the audit's Web API reader
// (references, actions, v2) and gives them their environment, their owner
// and, from the connectionreferences table, the reference owners and
// connections the flow's own JSON lacks.
func (e *environment) readWorkflows() {
	for _, f := range e.sets[setWorkflows] {
		res := export.Read([]string{f}, export.Options{Environment: e.name})
		for _, p := range res.Problems {
			p.Unreadable = true
			e.res.Problems = append(e.res.Problems, p)
		}
		for _, fl := range res.Flows {
			doc := fl.Doc
			src := fl.Facts.Location.File + "#" + fl.Facts.Location.Element
			if owner := string(doc.Owner); owner != "" {
				doc.Owner, _ = e.principalOf(fl.Facts.Location.File, fl.Facts.Location.Element+"/_ownerid_value", "the owner of flow "+doc.ID, owner)
			}
			for i, r := range doc.ConnectionReferences {
				ref, known := e.connRefs[r.LogicalName]
				owner := string(r.Owner)
				if owner == "" && known {
					owner = ref.owner
				}
				doc.ConnectionReferences[i].Owner = ""
				if owner != "" {
					doc.ConnectionReferences[i].Owner, _ = e.principalOf(fl.Facts.Location.File, fmt.Sprintf("%s/connectionreferences/%d", fl.Facts.Location.Element, i),
						fmt.Sprintf("the owner of reference %s of flow %s", r.LogicalName, doc.ID), owner)
				}
				if r.Connection == "" && known {
					doc.ConnectionReferences[i].Connection = ref.connection
				}
			}
			d := doc
			e.flows[doc.ID] = &d
			e.flowSrc[doc.ID] = src
		}
	}
}

func (e *environment) emitFlows() {
	for _, id := range sortedKeys(e.flows) {
		e.emit(e.flowSrc[id], *e.flows[id])
	}
}

type poaRow struct {
	Object        string      `json:"objectid"`
	ObjectType    any         `json:"objecttypecode"`
	Principal     string      `json:"principalid"`
	PrincipalType string      `json:"principaltypecode"`
	Mask          json.Number `json:"accessrightsmask"`
	Inherited     json.Number `json:"inheritedaccessrightsmask"`
}

// readShares turns the record-access rows of desktop flows into one Share
// per flow. A row's own and inherited rights count together: inherited
// access (from a parent record or a team) is access all the same.
func (e *environment) readShares() {
	grants := map[string]map[document.Principal]string{}
	source := map[string]string{}
	otherTables := map[string]int{} // file → rows about records of other tables
	rows(e, setPOA, func(file string, i int, r poaRow) {
		if t := fmt.Sprint(r.ObjectType); t != "workflow" && t != workflowObjectType {
			otherTables[file]++
			return
		}
		flow := export.NormalizeID(r.Object)
		if _, ok := e.flows[flow]; !ok {
			e.warn(file, row(i), "share of an unknown flow: %q is no desktop flow of the workflows dump", r.Object)
			return
		}
		var p document.Principal
		switch strings.ToLower(r.PrincipalType) {
		case "systemuser":
			u, ok := e.users[export.NormalizeID(r.Principal)]
			if !ok {
				e.warn(file, row(i), "share with an unknown user: system user %q is not in systemusers", r.Principal)
				return
			}
			if u.disabled {
				e.warn(file, row(i), "disabled user: %s is disabled and holds no role on flow %s", u.principal, flow)
				return
			}
			p = u.principal
		case "team":
			t, ok := e.teams[export.NormalizeID(r.Principal)]
			if !ok {
				e.warn(file, row(i), "share with an unknown team: team %q is not in teams", r.Principal)
				return
			}
			p = document.Principal(t.id)
		default:
			e.warn(file, row(i), "share with an unknown kind of principal: principaltypecode %q is neither systemuser nor team", r.PrincipalType)
			return
		}
		own, err1 := maskOf(r.Mask)
		inh, err2 := maskOf(r.Inherited)
		if err1 != nil || err2 != nil {
			e.warn(file, row(i), "access rights that are not numbers: %q, %q", r.Mask, r.Inherited)
			return
		}
		role, err := e.o.RoleOfMask(e.ctx, own|inh)
		if err != nil {
			e.res.Problems = append(e.res.Problems, diag.Problem{Severity: diag.Error, File: file, Document: -1, Pointer: row(i), Message: err.Error()})
			return
		}
		if role == "" {
			e.warn(file, row(i), "access rights that give no role: %s on flow %s with rights %d (inherited %d) is neither a co-owner nor a run-only user (padlock.config.accessMaskRoles)", p, flow, own, inh)
			return
		}
		if grants[flow] == nil {
			grants[flow] = map[document.Principal]string{}
			source[flow] = file + "#" + row(i)
		}
		if prev := grants[flow][p]; prev != document.RoleCoOwner {
			grants[flow][p] = role
		}
	})
	for _, file := range sortedKeys(otherTables) {
		e.warn(file, "", "record access to other tables: %s about records that are not workflows, ignored (filter the dump with $filter=objecttypecode eq 'workflow')", diag.Count(otherTables[file], "row"))
	}
	for _, flow := range sortedKeys(grants) {
		s := document.Share{Kind: document.KindShare, Flow: flow, Grants: make([]document.Grant, 0, len(grants[flow]))}
		for p, role := range grants[flow] {
			s.Grants = append(s.Grants, document.Grant{Principal: p, Role: role})
		}
		slices.SortFunc(s.Grants, func(a, b document.Grant) int { return strings.Compare(string(a.Principal), string(b.Principal)) })
		e.emit(source[flow], s)
	}
}

func maskOf(n json.Number) (int64, error) {
	if n == "" {
		return 0, nil
	}
	return n.Int64()
}

func (e *environment) emitTeams() {
	byID := map[string]team{}
	for _, t := range e.teams {
		byID[t.id] = t
	}
	for _, id := range sortedKeys(byID) {
		t := byID[id]
		members := append([]document.Principal{}, t.members...)
		sort.Slice(members, func(i, j int) bool { return members[i] < members[j] })
		e.emit(e.sets[setTeams][0]+"#"+id, document.Team{Kind: document.KindTeam, ID: t.id, Name: t.name, Members: members})
	}
}

type connectionRow struct {
	Name       string `json:"name"`
	Properties struct {
		APIID       string `json:"apiId"`
		DisplayName string `json:"displayName"`
		CreatedBy   struct {
			Email string `json:"email"`
			UPN   string `json:"userPrincipalName"`
			ID    string `json:"id"`
		} `json:"createdBy"`
		Statuses []struct {
			Status string `json:"status"`
		} `json:"statuses"`
	} `json:"properties"`
}

// readConnections reads the admin API's connection list: the owner is the
// system user who created it (by e-mail or Entra object id); the account
// is the display name where it is an e-mail, else the creator's e-mail;
// the status is the first status listed.
func (e *environment) readConnections() {
	var docs []document.Connection
	src := map[string]string{}
	rows(e, setConnections, func(file string, i int, r connectionRow) {
		by := r.Properties.CreatedBy
		uid, ok := e.byEmail[strings.ToLower(strings.TrimSpace(by.Email))]
		if !ok {
			uid, ok = e.byEmail[strings.ToLower(strings.TrimSpace(by.UPN))]
		}
		if !ok {
			uid, ok = e.byAAD[export.NormalizeID(by.ID)]
		}
		if !ok {
			e.warn(file, row(i), "connection of an unknown user: connection %q was created by %q (%s), who is no system user of the dump", r.Name, by.Email, by.ID)
			return
		}
		if r.Name == "" || r.Properties.APIID == "" {
			e.warn(file, row(i), "connection without a name or an apiId: the row is ignored")
			return
		}
		account := ""
		for _, a := range []string{r.Properties.DisplayName, by.Email, by.UPN} {
			if a = strings.TrimSpace(a); strings.Contains(a, "@") && !strings.ContainsAny(a, " \t") {
				account = a
				break
			}
		}
		if account == "" {
			e.warn(file, row(i), "connection without an account: neither the display name nor the creator of connection %q is an e-mail address", r.Name)
			return
		}
		status := "Unknown"
		if len(r.Properties.Statuses) > 0 && r.Properties.Statuses[0].Status != "" {
			status = r.Properties.Statuses[0].Status
		}
		docs = append(docs, document.Connection{
			Kind: document.KindConnection, ID: r.Name, Connector: document.ShortConnector(r.Properties.APIID), Environment: e.name,
			Owner: e.users[uid].principal, Account: account, Status: status,
		})
		src[r.Name] = file + "#" + row(i)
	})
	sort.Slice(docs, func(i, j int) bool { return docs[i].ID < docs[j].ID })
	for _, c := range docs {
		e.emit(src[c.ID], c)
	}
}
