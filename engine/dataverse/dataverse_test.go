package dataverse

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/load"
	"github.com/padlock/padlock/engine/validate"
)

// defaultRoles is padlock's shipped reading (bundles/padlock/config):
// Write makes a co-owner, Read without Write a run-only user. The engine
// asks the policy; these tests of the join use the same table.
func defaultRoles(_ context.Context, mask int64) (string, error) {
	switch {
	case mask&2 != 0:
		return document.RoleCoOwner, nil
	case mask&1 != 0:
		return document.RoleUser, nil
	}
	return "", nil
}

func dumpFiles(t testing.TB, dirs ...string) []string {
	t.Helper()
	var out []string
	for _, d := range dirs {
		files, err := load.Files(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if IsDump(f) {
				out = append(out, f)
			}
		}
	}
	return out
}

// byKindID indexes generated documents as "Kind/id" → document.
func byKindID(t *testing.T, docs []load.Doc) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, d := range docs {
		m := d.Generic().(map[string]any)
		id, _ := m["id"].(string)
		if m["kind"] == "Share" {
			id = m["flow"].(string)
		}
		out[m["kind"].(string)+"/"+id] = m
	}
	return out
}

const fx = "../../fixtures/dataverse/"

func TestReadFixtureDumps(t *testing.T) {
	res := Read(context.Background(), dumpFiles(t, fx+"northwind-prod", fx+"northwind-dev"), Options{RoleOfMask: defaultRoles})
	if errs := res.Problems.Errors(); len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	if strings.Join(res.Environments, ",") != "northwind-dev,northwind-prod" {
		t.Errorf("environments %v: want each folder's organisation", res.Environments)
	}
	docs := byKindID(t, res.Documents)
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	tests := []struct {
		name, key, want string
	}{
		{"owner from _ownerid_value, e-mail in lower case", "DesktopFlow/3a1e0c4b-0001-4c1d-9a00-00000000f001", `"owner":"user:alice@northwind.example"`},
		{"reference owner from the connectionreferences table", "DesktopFlow/3a1e0c4b-0003-4c1d-9a00-00000000f003", `"owner":"user:alice@northwind.example"`},
		{"v2 from required binaries", "DesktopFlow/3a1e0c4b-0002-4c1d-9a00-00000000f002", `"schemaVersion":"v2"`},
		{"v1 without them", "DesktopFlow/3a1e0c4b-0004-4c1d-9a00-00000000f004", `"schemaVersion":"v1"`},
		{"a share to a team, co-owner by its Write bit", "Share/3a1e0c4b-0001-4c1d-9a00-00000000f001", `{"principal":"team:finance","role":"co-owner"}`},
		{"a run-only grant by Read alone", "Share/3a1e0c4b-0001-4c1d-9a00-00000000f001", `{"principal":"user:frank@northwind.example","role":"user"}`},
		{"an inherited grant counts", "Share/3a1e0c4b-0002-4c1d-9a00-00000000f002", `{"principal":"user:frank@northwind.example","role":"user"}`},
		{"members from teammemberships, a disabled one left out", "Team/team:finance", `"members":["user:bob@northwind.example","user:carol@northwind.example"]`},
		{"an Entra group team keeps its name", "Team/team:it-admins", `"name":"IT Admins"`},
		{"System Administrator to a team", "RoleAssignment/northwind-prod/team:it-admins", `"roles":["System Administrator"]`},
		{"System Customizer to a user, in the second environment", "RoleAssignment/northwind-dev/user:ivan@northwind.example", `"roles":["System Customizer"]`},
		{"System Administrator to a user", "RoleAssignment/northwind-dev/user:hank@northwind.example", `"roles":["System Administrator"]`},
		{"System Customizer to a team", "RoleAssignment/northwind-dev/team:makers", `"roles":["System Customizer"]`},
		{"a connection: owner by the creator's e-mail", "Connection/conn-alice-sharepoint", `"owner":"user:alice@northwind.example"`},
		{"a connection: account by its display name", "Connection/conn-alice-sharepoint", `"account":"Alice@Northwind.example"`},
		{"a display name that is no e-mail: the creator's account", "Connection/conn-bob-dataverse", `"account":"Bob@northwind.example"`},
		{"an error status", "Connection/conn-frank-outlook-broken", `"status":"Error"`},
		{"an unauthenticated one", "Connection/conn-ivan-sql-dev", `"status":"Unauthenticated"`},
		{"no status listed", "Connection/conn-hank-teams-dev", `"status":"Unknown"`},
		{"a connection in its folder's environment", "Connection/conn-erin-outlook-dev", `"environment":"northwind-dev"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ok := docs[tt.key]
			if !ok {
				t.Fatalf("no %s", tt.key)
			}
			if got := js(d); !strings.Contains(got, tt.want) {
				t.Errorf("%s lacks %s:\n%s", tt.key, tt.want, got)
			}
		})
	}
	for _, absent := range []string{"RoleAssignment/northwind-prod/user:gary@northwind.example", "Connection/conn-partner-sql", "DesktopFlow/3a1e0c4b-0005-4c1d-9a00-00000000f005"} {
		if _, ok := docs[absent]; ok {
			t.Errorf("%s: want it left out", absent)
		}
	}
	if strings.Contains(js(docs["Share/3a1e0c4b-0001-4c1d-9a00-00000000f001"]), "gary") {
		t.Error("a disabled user holds no role")
	}
	// Nothing dropped silently: each row left out is a warning naming its file and row.
	for _, want := range []struct{ file, pointer, message string }{
		{"systemusers-2.json", "/value/3", "user without an e-mail"},
		{"teammemberships.json", "/value/2", "disabled user"},
		{"systemuserrolescollection.json", "/value/2", "disabled user"},
		{"principalobjectaccessset.json", "/value/2", "disabled user"},
		{"principalobjectaccessset.json", "/value/6", "access rights that give no role"},
		{"principalobjectaccessset.json", "/value/7", "share of an unknown flow"},
		{"principalobjectaccessset.json", "", "record access to other tables: 1 row about"},
		{"connections.json", "/value/8", "connection of an unknown user"},
	} {
		if !hasProblem(res.Problems.Warnings(), want.file, want.pointer, want.message) {
			t.Errorf("no warning %s at %s %q in\n%v", want.file, want.pointer, want.message, res.Problems)
		}
	}
}

func hasProblem(probs diag.List, file, pointer, message string) bool {
	for _, p := range probs {
		if strings.HasSuffix(p.File, file) && p.Pointer == pointer && strings.Contains(p.Message, message) {
			return true
		}
	}
	return false
}

func TestDumpProblems(t *testing.T) {
	write := func(t *testing.T, dir, name, body string) string {
		t.Helper()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const ctxOf = `"@odata.context":"https://contoso.crm.dynamics.com/api/data/v9.2/$metadata#`
	tests := []struct {
		name    string
		files   map[string]string
		env     string
		wantErr string
	}{
		{"no environment anywhere", map[string]string{"connections.json": `{"value":[]}`}, "", "cannot tell the environment"},
		{"--environment names it", map[string]string{"connections.json": `{"value":[]}`}, "contoso", ""},
		{"two organisations in one folder", map[string]string{"teams.json": `{` + ctxOf + `teams","value":[]}`,
			"roles.json": `{"@odata.context":"https://fabrikam.crm.dynamics.com/api/data/v9.2/$metadata#roles","value":[]}`}, "", "2 organisations"},
		{"a truncated page", map[string]string{"teams.json": `{` + ctxOf + `teams","value":[{"teamid":"x"`}, "", "/value/0"},
		{"value is not an array", map[string]string{"teams.json": `{` + ctxOf + `teams","value":{}}`}, "", "/value: want an array"},
		{"trailing data", map[string]string{"teams.json": `{` + ctxOf + `teams","value":[]} {}`}, "", "more than one JSON value"},
		{"a row of the wrong type", map[string]string{"systemusers.json": `{` + ctxOf + `systemusers","value":[{"isdisabled":"no"}]}`}, "", "/value/0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var files []string
			for n, b := range tt.files {
				files = append(files, write(t, dir, n, b))
			}
			res := Read(context.Background(), files, Options{Environment: tt.env, RoleOfMask: defaultRoles})
			errs := res.Problems.Errors()
			if tt.wantErr == "" {
				if len(errs) > 0 {
					t.Fatalf("unexpected errors: %v", errs)
				}
				return
			}
			if len(errs) == 0 || !strings.Contains(errs.Error(), tt.wantErr) {
				t.Fatalf("want an error containing %q, got %v", tt.wantErr, res.Problems)
			}
			for _, e := range errs {
				if !e.Unreadable {
					t.Errorf("an unreadable dump must say so (exit 2): %v", e)
				}
			}
		})
	}
}

func TestIsDump(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"a.json": `{"@odata.context":"x","value":[]}`, "b.json": `{"value":[]}`, "c.json": `{"kind":"Team","id":"team:a","members":[]}`,
		"d.json": `[{"kind":"Team"}]`, "e.yaml": `value: []`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range map[string]bool{"a.json": true, "b.json": true, "c.json": false, "d.json": false, "e.yaml": false} {
		if got := IsDump(filepath.Join(dir, name)); got != want {
			t.Errorf("%s: IsDump %v, want %v", name, got, want)
		}
	}
}

// FuzzDumpReader: any bytes, as any entity set, read without a panic; an
// error is reported as unreadable, a row as a document or a warning.
func FuzzDumpReader(f *testing.F) {
	for _, s := range []string{`{"value":[]}`, `{"@odata.context":"https://a.crm.dynamics.com/x$metadata#teams","value":[{"teamid":"t","name":"A B"}]}`,
		`{"value":[{"objectid":"x","objecttypecode":4703,"principalid":"p","principaltypecode":"team","accessrightsmask":"3"}]}`, `{`, `[]`} {
		f.Add(s, uint8(0))
	}
	sets := []string{setUsers, setTeams, setMemberships, setRoles, setUserRoles, setTeamRoles, setConnRefs, setPOA, setConnections, setWorkflows}
	f.Fuzz(func(t *testing.T, body string, which uint8) {
		dir := t.TempDir()
		p := filepath.Join(dir, sets[int(which)%len(sets)]+".json")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		res := Read(context.Background(), []string{p}, Options{Environment: "fuzz", RoleOfMask: defaultRoles})
		for _, d := range res.Documents {
			if v, raw := d.Forms(); v == nil || len(raw) == 0 {
				t.Fatalf("empty document from %q", body)
			}
		}
	})
}

// TestGeneratedDocumentsDecodeAsTheirJSON: validation takes a generated
// document's Go value as its typed form instead of decoding its JSON
// again; that is right only if both give the same document.
func TestGeneratedDocumentsDecodeAsTheirJSON(t *testing.T) {
	v, err := validate.New()
	if err != nil {
		t.Fatal(err)
	}
	res := Read(context.Background(), dumpFiles(t, fx+"northwind-prod", fx+"northwind-dev"), Options{RoleOfMask: defaultRoles})
	if len(res.Documents) < 10 {
		t.Fatalf("%d documents", len(res.Documents))
	}
	for _, d := range res.Documents {
		value, raw := d.Forms()
		fromGo, ps1 := v.Document(d)
		fromJSON, ps2 := v.Document(load.Doc{File: d.File, Value: value, JSON: raw})
		if len(ps1)+len(ps2) > 0 {
			t.Fatalf("%s: %v %v", d.File, ps1, ps2)
		}
		if !reflect.DeepEqual(fromGo.Value, fromJSON.Value) {
			t.Errorf("%s: from the Go value %#v\nfrom its JSON %#v", d.File, fromGo.Value, fromJSON.Value)
		}
	}
}
