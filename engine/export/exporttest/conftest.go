package exporttest

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/padlock/padlock/engine/document"
)

// conftestWorld is the world the conftest rules read (data.world): the
// same shares, teams and connections as the padlock documents, keyed as
// padlock's index keys them.
type conftestWorld struct {
	Grants      map[string]map[string]map[string]bool  `json:"grants"`
	Teams       map[string][]string                    `json:"teams"`
	MemberOf    map[string][]string                    `json:"memberOf"`
	Connections map[string]map[string]map[string][]any `json:"connections"`
}

func newConftestWorld() *conftestWorld {
	return &conftestWorld{Grants: map[string]map[string]map[string]bool{}, Teams: map[string][]string{}, MemberOf: map[string][]string{}, Connections: map[string]map[string]map[string][]any{}}
}

func (w *conftestWorld) share(flow string, grants []document.Grant) {
	for _, g := range grants {
		p := string(g.Principal)
		if w.Grants[flow] == nil {
			w.Grants[flow] = map[string]map[string]bool{}
		}
		if w.Grants[flow][p] == nil {
			w.Grants[flow][p] = map[string]bool{}
		}
		w.Grants[flow][p][g.Role] = true
	}
}

func (w *conftestWorld) team(id string, members []document.Principal) {
	for _, m := range members {
		w.Teams[id] = append(w.Teams[id], string(m))
		w.MemberOf[string(m)] = append(w.MemberOf[string(m)], id)
	}
}

func (w *conftestWorld) connection(c document.Connection) {
	o := string(c.Owner)
	if w.Connections[o] == nil {
		w.Connections[o] = map[string]map[string][]any{}
	}
	if w.Connections[o][c.Environment] == nil {
		w.Connections[o][c.Environment] = map[string][]any{}
	}
	w.Connections[o][c.Environment][c.Connector] = append(w.Connections[o][c.Environment][c.Connector], map[string]string{"id": c.ID, "status": c.Status})
}

// writeConftestFlow writes one flow as conftest reads it: the flow
// already parsed, its script reduced to the facts padlock extracts.
func writeConftestFlow(dir string, f flow, s Size) error {
	type confRef struct {
		LogicalName string `json:"logicalName"`
		Connector   string `json:"connector"`
		Embedded    bool   `json:"embedded"`
		Owner       string `json:"owner"`
	}
	refs := []confRef{}
	for _, r := range f.refs {
		refs = append(refs, confRef{LogicalName: r.logical, Connector: r.connector, Embedded: r.owner != "", Owner: r.owner})
	}
	live := []map[string]string{}
	for _, a := range f.facts.Actions {
		if !a.Disabled {
			live = append(live, map[string]string{"connector": a.Connector, "operation": a.Operation, "reference": a.Reference})
		}
	}
	version := "v1"
	if f.v2 {
		version = "v2"
	}
	facts := f.facts
	facts.ID, facts.Name, facts.InSolution = f.id, f.name, true
	facts.RequiredBinaries, facts.MissingBinaries = orEmpty(f.binaries), []string{}
	if f.missing != "" {
		facts.MissingBinaries = []string{"binary " + f.missing}
	}
	return writeJSON(filepath.Join(dir, f.id+".json"), map[string]any{
		"flow": map[string]any{
			"id": f.id, "name": f.name, "environment": s.Environment, "owner": "", "schemaVersion": version,
			"connectionReferences": refs, "actions": live,
		},
		"facts": facts,
	})
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// FindingKey is how the harness compares a padlock finding with a
// conftest one: the flow, the rule and its message.
func FindingKey(flow, rule, message string) string {
	return fmt.Sprintf("%s %s %s", flow, rule, strings.TrimSpace(message))
}
