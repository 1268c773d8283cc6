// Package exporttest generates solution exports of any size for the audit's
// benchmarks: solution zips and the same unzipped, in the real layout
// (customizations.xml with <Workflow> elements whose <Definition> holds the
// flow script, desktopflowbinaries/, Workflows/*.json cloud flows), the
// padlock documents that say who holds which role, and the same flows
// parsed into one JSON file each for conftest. Scripts are shaped like the
// botcreation flows of ../shared/real-exports: about 1,500 lines, 28 of them
// External.InvokeCloudConnector statements among UI-automation lines. The
// same Size always gives the same bytes.
package exporttest

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/padlock/padlock/engine/document"
)

// Size says what to generate.
type Size struct {
	Flows int
	// PerSolution is the desktop flows per solution export (500).
	PerSolution int
	// ScriptLines is the lines of each flow script (1,500, as botcreation's).
	ScriptLines int
	// Environment is where the flows' documents live (env-prod).
	Environment string
}

func (s Size) withDefaults() Size {
	if s.PerSolution <= 0 {
		s.PerSolution = 500
	}
	if s.ScriptLines <= 0 {
		s.ScriptLines = 1500
	}
	if s.Environment == "" {
		s.Environment = "env-prod"
	}
	return s
}

// Layout names what Write wrote under its folder.
type Layout struct {
	Zips     string // folder of solution .zip files
	Unzipped string // folder of the same solutions, unzipped
	Docs     string // padlock documents: shares, teams, connections
	// ConftestFlows is a folder of one JSON file per desktop flow
	// ({"flow": DesktopFlow, "facts": AuditFlow}); ConftestData is the
	// world the conftest rules read as data.world.
	ConftestFlows string
	ConftestData  string
}

// LayoutOf is where Write puts things under dir.
func LayoutOf(dir string) Layout {
	return Layout{
		Zips: filepath.Join(dir, "zip"), Unzipped: filepath.Join(dir, "unzipped"), Docs: filepath.Join(dir, "docs.json"),
		ConftestFlows: filepath.Join(dir, "conftest", "flows"), ConftestData: filepath.Join(dir, "conftest", "data.json"),
	}
}

// connectorLines are the cloud connector actions per script, as in botcreation.
const connectorLines = 28

var connectors = []string{"shared_commondataserviceforapps", "shared_office365", "shared_sharepointonline"}

// FlowID is the id of the i-th flow.
func FlowID(i int) string { return guid(1, i) }

func guid(kind, i int) string { return fmt.Sprintf("%08x-%04x-4000-8000-%012x", i, kind, i*7919) }

func user(i int) string { return fmt.Sprintf("user:u%04d@contoso.example", i%997) }

func team(i int) string { return fmt.Sprintf("team:t%02d", i%40) }

// flow is everything generated about one desktop flow.
type flow struct {
	i        int
	id, name string
	refs     []ref
	v2       bool
	binaries []string // required binary ids; the export has all but missing
	missing  string
	script   string
	facts    document.AuditFlow // what the script says, as padlock reads it
	shared   bool
	grants   []document.Grant
}

type ref struct{ logical, connector, pad, owner string }

// flowOf generates the i-th flow. Its findings come from i: every 5th flow
// is shared (run-only users, a co-owner, some through a team), every 10th
// of those embeds its references, every 10th flow is stored in v1, every
// 20th has a disabled action, every 25th an action of an unknown
// reference, every 30th an unused reference, every 40th a literal
// password and every 50th a missing binary.
func flowOf(i int, s Size) flow {
	f := flow{i: i, id: FlowID(i), name: fmt.Sprintf("Invoice bot %05d", i), v2: i%10 != 3, shared: i%5 == 0}
	for r := range 1 + i%3 {
		f.refs = append(f.refs, ref{
			logical: fmt.Sprintf("pl_ref_%05d_%d", i, r), connector: connectors[(i+r)%len(connectors)], pad: guid(2+r, i),
		})
	}
	if f.shared {
		coOwner := user(i + 500)
		f.grants = []document.Grant{{Principal: document.Principal(coOwner), Role: "co-owner"}, {Principal: document.Principal(user(i)), Role: "user"}}
		if i%3 == 0 {
			f.grants = append(f.grants, document.Grant{Principal: document.Principal(team(i)), Role: "user"})
		}
		if i%10 == 0 {
			for r := range f.refs {
				f.refs[r].owner = coOwner
			}
		}
	}
	if f.v2 {
		f.binaries = []string{guid(10, i), guid(11, i)}
		if i%50 == 7 {
			f.missing = f.binaries[1]
		}
	}
	f.script, f.facts = script(i, f.refs, s.ScriptLines)
	return f
}

// script writes a flow script: a header like PAD's, UI automation, and
// the connector actions spread evenly.
func script(i int, refs []ref, lines int) (string, document.AuditFlow) {
	facts := document.AuditFlow{Actions: []document.AuditAction{}, Credentials: []document.AuditCredential{}}
	var b strings.Builder
	b.Grow(lines * 80)
	header := []string{
		"@@ConnectionString: ''", "@@Type: 'Local'", "@@DesktopType: 'local'", "@@DisplayName: 'Local computer'",
		"IMPORT 'controlRepo.appmask' AS appmask", "@SENSITIVE: [Password]", "LABEL Restart", "SET ErrorReason TO $fx'=Blank()'",
	}
	n := 0
	line := func(s string) { b.WriteString(s); b.WriteString("\r\n"); n++ }
	for _, h := range header {
		line(h)
	}
	if i%40 == 11 {
		facts.Credentials = append(facts.Credentials, document.AuditCredential{Variable: "Password", Why: "sensitive", Line: n + 1})
		line("SET Password TO $fx'Winter2026!'")
	}
	used := len(refs)
	if i%30 == 13 && used > 1 {
		used-- // the last reference is used by no action
	}
	body := max(lines-n, connectorLines)
	every := max(1, body/connectorLines)
	for k := 0; k < body; k++ {
		if k%every == 0 && k/every < connectorLines {
			c := k / every
			r := refs[c%used]
			pad, disable := r.pad, ""
			a := document.AuditAction{Connector: "/providers/Microsoft.PowerApps/apis/" + r.connector, Reference: r.logical, Known: true, Lines: []int{n + 1}, Operation: "UpdateRecordWithOrganization"}
			if i%25 == 9 && c == 5 {
				pad = guid(99, i) // an action whose reference the flow lacks
				a.Reference, a.Known = pad, false
			}
			if i%20 == 5 && c == 7 {
				disable, a.Disabled = "DISABLE ", true
			}
			if c == 0 {
				a.Operation = "GetItemWithOrganization"
			}
			op := a.Operation
			// PAD writes a connector action's display metadata as @@ lines
			// before it, as botcreation's do.
			for _, meta := range []string{"@@connectionDisplayName: 'padutil@contoso.example'", "@@organization: 'Current'",
				"@@entityName: 'UAIC Bot Creation Databases'", "@@'item/uaic_fl_botstatus_broward': 'Status (Broward County)'"} {
				line("    " + meta)
				k++
			}
			a.Lines = []int{n + 1}
			facts.Actions = addAction(facts.Actions, a)
			line(fmt.Sprintf("    %sExternal.InvokeCloudConnector Connection: '%s' ConnectorId: '/providers/Microsoft.PowerApps/apis/%s' OperationId: '%s' @organization: $fx'current' @entityName: $fx'uaic_uaic_bot_creation_databases' @recordId: $fx'=DataverseCurrentItem.uaic_uaic_bot_creation_databaseid' @item: $fx'={uaic_status: \"Completed\", uaic_completedon: Now(), uaic_comment: Concatenate(\"Row \", %d)}' @UpdateRecordWithOrganizationResult=> UpdateResult%d",
				disable, pad, r.connector, op, k, c))
			continue
		}
		// The statement mix of botcreation's scripts: about one line in ten
		// a SET, one in nine an END, one in forty a DISABLEd action, the
		// rest UI and web automation, conditions and error handling;
		// about 58 bytes a line. Like theirs, one line in twelve escapes a
		// quote with a backslash (a control's name) and three in fifteen
		// hundred have a triple-quoted literal: what the lexer must
		// tokenize, as a statement may go on past them to the next line.
		switch k % 10 {
		case 0:
			switch {
			case k%1000 == 250:
				line("        SET EmailId TO $'''person@example.com'''")
			case k%1000 == 490:
				line("        Text.SplitText.SplitWithDelimiter Text: WorkQueueItem.Value CustomDelimiter: $''',''' IsRegEx: False Result=> TextList")
			case k%60 < 50:
				line(fmt.Sprintf("            WebAutomation.Click.Click BrowserInstance: $fx'=BrowserBroward' Control: appmask['Broward']['Anchor \\'Party Name %d\\''] WaitForPageToLoadTimeout: 60", k))
			default:
				line(fmt.Sprintf("            WebAutomation.Click.Click BrowserInstance: Browser Control: appmask['Web Page']['Button %d'] WaitForPageToLoadTimeout: 60", k))
			}
		case 1, 5:
			line("        END")
		case 2:
			line(fmt.Sprintf("        SET CaseNumber TO $fx'=Mid(CurrentItem, %d, 12)'", k%40+1))
		case 3:
			line("        ON ERROR REPEAT 2 TIMES WAIT 2")
		case 4:
			line("        IF IsBlank(ErrorReason) THEN")
		case 6:
			line(fmt.Sprintf("            WebAutomation.PopulateTextField.PopulateTextFieldUsePhysicalKeyboard BrowserInstance: Browser Control: appmask['In %d'] Text: $fx'=CaseNo'", k))
		case 7:
			line(fmt.Sprintf("        WAIT (UIAutomation.WaitForWindow Title: $fx'Broward %d')", k))
		case 8:
			line("        CALL Subflow_SendErrorNotification")
		default:
			if k%40 == 9 {
				line(fmt.Sprintf("        DISABLE WebAutomation.Click.Click BrowserInstance: Browser Control: appmask['Search %d']", k))
			} else {
				line("        ELSE")
			}
		}
	}
	return b.String(), facts
}

// addAction adds a call to the facts as padlock reads them: the same call
// (connector, operation, reference, known, disabled) once, with its lines.
func addAction(actions []document.AuditAction, a document.AuditAction) []document.AuditAction {
	for i, b := range actions {
		if b.Connector == a.Connector && b.Operation == a.Operation && b.Reference == a.Reference && b.Known == a.Known && b.Disabled == a.Disabled {
			actions[i].Lines = append(actions[i].Lines, a.Lines...)
			return actions
		}
	}
	return append(actions, a)
}

// Write generates the exports, documents and conftest inputs under dir.
func Write(dir string, s Size) (Layout, error) {
	s = s.withDefaults()
	l := LayoutOf(dir)
	for _, d := range []string{l.Zips, l.Unzipped, l.ConftestFlows} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return l, err
		}
	}
	var docs []any
	data := newConftestWorld()
	for sol := 0; sol*s.PerSolution < s.Flows; sol++ {
		var flows []flow
		for i := sol * s.PerSolution; i < min(s.Flows, (sol+1)*s.PerSolution); i++ {
			f := flowOf(i, s)
			flows = append(flows, f)
			if f.shared {
				docs = append(docs, document.Share{Kind: document.KindShare, Flow: f.id, Grants: f.grants})
				data.share(f.id, f.grants)
			}
			if err := writeConftestFlow(l.ConftestFlows, f, s); err != nil {
				return l, err
			}
		}
		files := solutionFiles(sol, flows)
		name := fmt.Sprintf("solution-%04d", sol)
		if err := writeZip(filepath.Join(l.Zips, name+".zip"), files); err != nil {
			return l, err
		}
		if err := writeFolder(filepath.Join(l.Unzipped, name), files); err != nil {
			return l, err
		}
	}
	for t := range 40 {
		var members []document.Principal
		for m := range 5 {
			members = append(members, document.Principal(user(t*5+m+300)))
		}
		docs = append(docs, document.Team{Kind: document.KindTeam, ID: team(t), Members: members})
		data.team(team(t), members)
	}
	// Half the users have a Dataverse connection; nobody has the others,
	// so run-only users of those references have no compatible one.
	for u := 0; u < 997; u += 2 {
		c := document.Connection{Kind: document.KindConnection, ID: fmt.Sprintf("conn-%04d", u), Connector: connectors[0], Environment: s.Environment,
			Owner: document.Principal(user(u)), Account: fmt.Sprintf("u%04d@contoso.example", u), Status: "Connected"}
		docs = append(docs, c)
		data.connection(c)
	}
	if err := writeJSON(l.Docs, docs); err != nil {
		return l, err
	}
	return l, writeJSON(l.ConftestData, map[string]any{"world": data})
}

// solutionFiles are the files of one solution export, by path.
func solutionFiles(sol int, flows []flow) map[string][]byte {
	files := map[string][]byte{
		"solution.xml":        []byte(fmt.Sprintf(`<ImportExportXml version="9.2.26084.131" SolutionPackageVersion="9.2" languagecode="1033" generatedBy="CrmLive"><SolutionManifest><UniqueName>Bots%04d</UniqueName><Version>1.0.0.%d</Version><Managed>0</Managed></SolutionManifest></ImportExportXml>`, sol, sol)),
		"[Content_Types].xml": []byte(`<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/octet-stream" /><Default Extension="json" ContentType="application/octet-stream" /></Types>`),
	}
	var x bytes.Buffer
	x.WriteString(`<ImportExportXml xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" OrganizationVersion="9.2.26084.131" OrganizationSchemaType="Standard">` + "\n  <Workflows>\n")
	for _, f := range flows {
		writeWorkflow(&x, f)
		for _, b := range f.binaries {
			if b == f.missing {
				continue
			}
			files["desktopflowbinaries/"+b+"/desktopflowbinary.xml"] = []byte(fmt.Sprintf("<desktopflowbinary desktopflowbinaryid=\"%s\">\n  <name>Desktop flow module</name>\n  <process>\n    <workflowid>%s</workflowid>\n  </process>\n  <type>Module</type>\n</desktopflowbinary>", b, f.id))
		}
	}
	// A cloud flow per 50 desktop flows starts the first of them.
	for k := 0; k < len(flows); k += 50 {
		id := guid(50, flows[k].i)
		file := fmt.Sprintf("Workflows/NightlyRun%05d-%s.json", flows[k].i, strings.ToUpper(id))
		fmt.Fprintf(&x, "    <Workflow WorkflowId=\"{%s}\" Name=\"Nightly run %05d\">\n      <JsonFileName>/%s</JsonFileName>\n      <Category>5</Category>\n    </Workflow>\n", id, flows[k].i, file)
		files[file] = cloudFlow(flows[k].id)
	}
	x.WriteString("  </Workflows>\n</ImportExportXml>\n")
	files["customizations.xml"] = x.Bytes()
	return files
}

func writeWorkflow(x *bytes.Buffer, f flow) {
	type exportRef struct {
		API struct {
			Name string `json:"name"`
		} `json:"api"`
		DisplayName string  `json:"displayName"`
		LogicalName string  `json:"connectionReferenceLogicalName"`
		Name        string  `json:"name"`
		OwnerID     *string `json:"ownerId"`
		PadID       string  `json:"padInternalId"`
		Embedded    bool    `json:"isEmbedded"`
	}
	refs := []exportRef{}
	for _, r := range f.refs {
		e := exportRef{DisplayName: r.logical, LogicalName: r.logical, Name: strings.ReplaceAll(r.pad, "-", ""), PadID: r.pad, Embedded: r.owner != ""}
		e.API.Name = "/providers/Microsoft.PowerApps/apis/" + r.connector
		if r.owner != "" {
			e.OwnerID = &r.owner
		}
		refs = append(refs, e)
	}
	deps := map[string]any{"childFlows": []string{}, "requiredBinaries": orEmpty(f.binaries)}
	def, refJSON, depJSON := marshal(f.script), marshal(refs), marshal(deps)
	fmt.Fprintf(x, "    <Workflow WorkflowId=\"{%s}\" Name=\"%s\">\n      <JsonFileName>/Workflows/InvoiceBot%05d-%s.json</JsonFileName>\n      <Type>1</Type>\n      <Category>6</Category>\n      <UIFlowType>2</UIFlowType>\n",
		f.id, f.name, f.i, strings.ToUpper(f.id))
	fmt.Fprintf(x, "      <Metadata>{\"schemaVersion\":\"ROBIN_20211012\",\"containsActiveConnections\":true}</Metadata>\n      <Dependencies>%s</Dependencies>\n      <ConnectionReferences>%s</ConnectionReferences>\n      <Definition>", escape(depJSON), escape(refJSON))
	x.WriteString(escape(def))
	x.WriteString("</Definition>\n      <SchemaVersion>2022.07</SchemaVersion>\n    </Workflow>\n")
}

// escape writes text as XML character data as the exports do: only &,
// < and > are escaped (quotes are not).
func escape(b []byte) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(string(b))
}

func cloudFlow(target string) []byte {
	def := map[string]any{"properties": map[string]any{
		"connectionReferences": map[string]any{"shared_uiflow": map[string]any{"runtimeSource": "embedded", "api": map[string]any{"name": "shared_uiflow"}}},
		"definition": map[string]any{"actions": map[string]any{"Run_a_flow_built_with_Power_Automate_for_desktop": map[string]any{
			"type": "OpenApiConnection",
			"inputs": map[string]any{
				"host":       map[string]any{"connectionName": "shared_uiflow", "operationId": "RunUIFlow_V2", "apiId": "/providers/Microsoft.PowerApps/apis/shared_uiflow"},
				"parameters": map[string]any{"uiFlowId": target, "runMode": "unattended"},
			},
		}}},
	}}
	b, _ := json.MarshalIndent(def, "", "  ")
	return b
}

// marshal writes JSON as the exports do: < > & as they are, not \u003c.
func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func writeZip(file string, files map[string][]byte) error {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range sortedKeys(files) {
		w, err := zw.Create(name)
		if err != nil {
			return err
		}
		if _, err := w.Write(files[name]); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(file, buf.Bytes(), 0o644)
}

func writeFolder(dir string, files map[string][]byte) error {
	for _, name := range sortedKeys(files) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}

func writeJSON(file string, v any) error {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	return os.WriteFile(file, b, 0o644)
}
