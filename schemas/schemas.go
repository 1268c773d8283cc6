// Package schemas holds the JSON Schemas (draft 2020-12) of padlock's
// documents and query input. They are generated from the Go types in
// engine/document by `go generate ./schemas`, checked in, and embedded so
// that the binary validates with exactly the schemas a user can read.
package schemas

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/invopop/jsonschema"

	"github.com/padlock/padlock/engine/document"
)

//go:generate go run ../cmd/padlock schema --write .

// FS holds the checked-in schema files.
//
//go:embed *.json
var FS embed.FS

// BaseURL prefixes every schema's $id.
const BaseURL = "https://padlock.dev/schemas/"

// Names of the schemas that are not document kinds.
const (
	QueryName      = "query"           // the query input
	TableName      = "fixturetable"    // a fixture table (*_test.yaml)
	AuditName      = "auditinput"      // the audit rules' input, one desktop flow
	AuditCloudName = "auditcloudinput" // the cloud flow rules' input
	// The list queries' inputs: who can (principals), what can (flows).
	PrincipalsName = "listprincipals"
	FlowsName      = "listflows"
	WhatIfName     = "whatif" // a what-if's changes
	// What the administrative policy (system.authz) is asked per request.
	AuthzName = "authzinput"
)

// Source pairs a schema name with the Go value it is reflected from.
type Source struct {
	Name  string
	Value any
}

// Sources lists every schema padlock generates, documents first.
func Sources() []Source {
	return []Source{
		{Name: FileName(document.KindDesktopFlow), Value: document.DesktopFlow{}},
		{Name: FileName(document.KindShare), Value: document.Share{}},
		{Name: FileName(document.KindTeam), Value: document.Team{}},
		{Name: FileName(document.KindConnection), Value: document.Connection{}},
		{Name: FileName(document.KindRoleAssignment), Value: document.RoleAssignment{}},
		{Name: QueryName, Value: document.Query{}},
		{Name: TableName, Value: document.Table{}},
		{Name: AuditName, Value: document.AuditInput{}},
		{Name: AuditCloudName, Value: document.AuditCloudInput{}},
		{Name: PrincipalsName, Value: document.PrincipalsQuery{}},
		{Name: FlowsName, Value: document.FlowsQuery{}},
		{Name: WhatIfName, Value: document.Changes{}},
		{Name: AuthzName, Value: document.AuthzInput{}},
	}
}

// FileName is the schema name of a document kind ("desktopflow").
func FileName(k document.Kind) string { return strings.ToLower(string(k)) }

// URL is the $id of the named schema.
func URL(name string) string { return BaseURL + name + ".json" }

// Generate reflects every schema from the Go types. The output is
// deterministic so that a drift test can compare it byte for byte.
func Generate() (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, src := range Sources() {
		b, err := Reflect(src.Name, src.Value)
		if err != nil {
			return nil, err
		}
		out[src.Name+".json"] = b
	}
	return out, nil
}

// Reflect generates one schema from a Go value.
func Reflect(name string, v any) ([]byte, error) {
	r := &jsonschema.Reflector{
		// Inline everything: one self-contained file per kind reads better
		// and OPA's type checker needs no reference resolution.
		DoNotReference: true,
	}
	s := r.ReflectFromType(reflect.TypeOf(v))
	s.ID = jsonschema.ID(URL(name))
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("marshal schema %s: %w", name, err)
	}
	var buf bytes.Buffer
	buf.Write(b)
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// Read returns the named checked-in schema.
func Read(name string) ([]byte, error) {
	b, err := FS.ReadFile(name + ".json")
	if err != nil {
		return nil, fmt.Errorf("schema %q: %w", name, err)
	}
	return b, nil
}
