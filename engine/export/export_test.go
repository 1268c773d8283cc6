package export

import (
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/padlock/padlock/engine/export/exporttest"
	"github.com/padlock/padlock/engine/load"
)

const realExports = "../../../shared/real-exports"

func needReal(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(realExports); err != nil {
		t.Skipf("the real exports are not here (%v): they live in ../shared/real-exports beside the project", err)
	}
}

// TestBotcreation: the zip layout, three versions of one desktop flow.
func TestBotcreation(t *testing.T) {
	needReal(t)
	res := Read([]string{filepath.Join(realExports, "botcreation")}, Options{Environment: "uaic"})
	if len(res.Problems) > 0 {
		t.Fatal(res.Problems)
	}
	if len(res.Flows) != 3 {
		t.Fatalf("want 3 desktop flows, got %d", len(res.Flows))
	}
	for _, f := range res.Flows {
		refs := f.Doc.ConnectionReferences
		if len(refs) != 1 || refs[0].Connector != "/providers/Microsoft.PowerApps/apis/shared_commondataserviceforapps" || refs[0].Embedded || refs[0].Owner != "" {
			t.Errorf("%s: references %+v", f.Doc.Name, refs)
		}
		// 28 statements: each distinct call once, with its lines.
		ops := map[string]int{}
		disabled, lines := 0, map[int]bool{}
		for _, a := range f.Facts.Actions {
			ops[a.Operation] += len(a.Lines)
			for _, l := range a.Lines {
				lines[l] = true
			}
			if !a.Known || a.Reference != refs[0].LogicalName {
				t.Errorf("%s: action at script lines %v is not linked to its reference by padInternalId", f.Doc.Name, a.Lines)
			}
			if a.Disabled {
				disabled += len(a.Lines)
			}
		}
		if len(lines) != 28 {
			t.Errorf("%s: %d connector calls on distinct lines, want 28", f.Doc.Name, len(lines))
		}
		if ops["GetItemWithOrganization"] != 1 || ops["UpdateRecordWithOrganization"] != 27 {
			t.Errorf("%s: operations %v", f.Doc.Name, ops)
		}
		wantDisabled := 0
		if strings.HasSuffix(f.Doc.Name, "- V2") {
			wantDisabled = 1
		}
		// The document lists the distinct live actions: Get and Update.
		if disabled != wantDisabled || len(f.Doc.Actions) != 2 {
			t.Errorf("%s: %d disabled, %d distinct live actions; want %d disabled, 2", f.Doc.Name, disabled, len(f.Doc.Actions), wantDisabled)
		}
		if f.Doc.SchemaVersion != "v2" || len(f.Facts.MissingBinaries) == 0 {
			t.Errorf("%s: schema %s, missing binaries %v (the trimmed copy lacks most)", f.Doc.Name, f.Doc.SchemaVersion, f.Facts.MissingBinaries)
		}
		if len(f.Facts.Credentials) != 1 || f.Facts.Credentials[0].Variable != "Password" {
			t.Errorf("%s: credentials %+v", f.Doc.Name, f.Facts.Credentials)
		}
		if f.Facts.Location.Line == 0 || !strings.HasSuffix(f.Facts.Location.File, "customizations.xml") {
			t.Errorf("%s: location %+v", f.Doc.Name, f.Facts.Location)
		}
	}
}

// TestUchAvp: the pac layout, a desktop flow without cloud connector
// actions and a cloud flow that starts it four times.
func TestUchAvp(t *testing.T) {
	needReal(t)
	res := Read([]string{filepath.Join(realExports, "uch-avp")}, Options{})
	if len(res.Problems) > 0 {
		t.Fatal(res.Problems)
	}
	if len(res.Flows) != 1 {
		t.Fatalf("want 1 desktop flow, got %d", len(res.Flows))
	}
	f := res.Flows[0]
	if f.Doc.ID != "2e6975e7-8c20-4f15-9fec-ac412e9a55dd" || f.Doc.Name != "UCH-AVP Automated Valuation Desktop Flow" || len(f.Doc.ConnectionReferences) != 0 || len(f.Facts.Actions) != 0 {
		t.Errorf("desktop flow %+v", f.Doc)
	}
	if strings.ContainsRune(f.Doc.Name, '\u200b') {
		t.Error("a zero-width space survived in the name")
	}
	if len(res.CloudFlows) != 1 {
		t.Fatalf("want 1 cloud flow, got %d", len(res.CloudFlows))
	}
	cf := res.CloudFlows[0]
	if cf.ID != "821b8546-78cf-f011-bbd3-7c1e5217e110" || len(cf.Runs) != 4 {
		t.Fatalf("cloud flow %+v", cf)
	}
	for _, r := range cf.Runs {
		if r.DesktopFlow != f.Doc.ID || r.RunMode != "" {
			t.Errorf("run %+v: want the desktop flow, mode from a parameter", r)
		}
	}
}

func TestScript(t *testing.T) {
	script := strings.Join([]string{
		"@SENSITIVE: [Token, Other]",
		"SET Token TO 'abc'",
		"SET Token TO $fx''",
		"SET ApiKey TO $fx'=Env.Get(\"k\")'",
		"SET UserPassword TO $fx'p@ss'",
		"SET Name TO 'Ann'",
		"   DISABLE External.InvokeCloudConnector Connection: 'p1' ConnectorId: 'shared_sql' OperationId: 'Q'",
		"External.InvokeCloudConnector Connection: 'zz' ConnectorId: 'shared_sql' OperationId: 'R'",
	}, "\r\n")
	f := parseScript(script, map[string]string{"p1": "ref_sql"})
	if len(f.actions) != 2 || !f.actions[0].Disabled || f.actions[0].Reference != "ref_sql" || !f.actions[0].Known || f.actions[1].Known || !slices.Equal(f.actions[1].Lines, []int{8}) {
		t.Errorf("actions %+v", f.actions)
	}
	if len(f.credentials) != 2 || f.credentials[0].Variable != "Token" || f.credentials[0].Why != "sensitive" || f.credentials[1].Variable != "UserPassword" || f.credentials[1].Line != 5 {
		t.Errorf("credentials %+v", f.credentials)
	}
}

// TestLargeSolutionStreams: customizations.xml holds every flow of a
// solution and may exceed the one-file ceiling (real: 78 MB for 2,500
// flows); it is streamed and bounded only by the export's total.
func TestLargeSolutionStreams(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("<ImportExportXml><Workflows>")
	for i := range 200 {
		script, _ := json.Marshal(strings.Repeat("UIAutomation.Click Element: appmask['Window']['Button']\r\n", 20))
		fmt.Fprintf(&b, `<Workflow WorkflowId="{%08x-0000-4000-8000-000000000000}" Name="Flow %d"><Category>6</Category><UIFlowType>2</UIFlowType><Definition>%s</Definition></Workflow>`, i, i, html.EscapeString(string(script)))
	}
	b.WriteString("</Workflows></ImportExportXml>")
	if err := os.WriteFile(filepath.Join(dir, "customizations.xml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	lim := DefaultLimits()
	lim.MaxFileBytes = 4 << 10 // far below the file's size
	res := Read([]string{dir}, Options{Environment: "e", Limits: lim})
	if len(res.Problems) > 0 || len(res.Flows) != 200 {
		t.Fatalf("%d flows, problems %v", len(res.Flows), res.Problems)
	}
	lim.MaxTotalBytes = 64 << 10 // the export's total is the bound
	res = Read([]string{dir}, Options{Environment: "e", Limits: lim})
	if len(res.Problems) != 1 || !strings.Contains(res.Problems[0].Message, "larger than the export's") {
		t.Fatalf("want the total to bound it: %v", res.Problems)
	}
}

// TestReadIsTheSameForAnyJobs: inputs are read on several goroutines, and
// what they yield is put back in walk order.
func TestReadIsTheSameForAnyJobs(t *testing.T) {
	gen := t.TempDir()
	l, err := exporttest.Write(gen, exporttest.Size{Flows: 90, PerSolution: 20, ScriptLines: 60})
	if err != nil {
		t.Fatal(err)
	}
	inputs := []string{l.Zips, l.Unzipped, "../../fixtures/audit", realExports}
	one := Read(inputs, Options{Environment: "env", Jobs: 1})
	if len(one.Flows) < 180 || len(one.Problems) == 0 {
		t.Fatalf("want the generated flows and the bad fixtures' problems, got %d flows, %d problems", len(one.Flows), len(one.Problems))
	}
	for _, jobs := range []int{2, 4, 16} {
		many := Read(inputs, Options{Environment: "env", Jobs: jobs})
		if !reflect.DeepEqual(one.Flows, many.Flows) || !reflect.DeepEqual(one.CloudFlows, many.CloudFlows) || !reflect.DeepEqual(one.Problems, many.Problems) || !reflect.DeepEqual(docKeys(one.Documents), docKeys(many.Documents)) {
			t.Errorf("--jobs %d reads otherwise than --jobs 1", jobs)
		}
	}
}

// docKeys are what identifies loaded documents (a Doc holds a function,
// which reflect.DeepEqual does not compare).
func docKeys(docs []load.Doc) []string {
	var out []string
	for _, d := range docs {
		out = append(out, fmt.Sprintf("%s %d %d %s", d.File, d.Index, d.Line, d.Raw()))
	}
	return out
}

// TestFactsOutliveTheScriptBuffer: a script is read in place from a
// pooled buffer, which the next flow overwrites; the facts of the first
// flow must be copies.
func TestFactsOutliveTheScriptBuffer(t *testing.T) {
	flow := func(id, pad, variable string) xmlWorkflow {
		script := fmt.Sprintf("SET %s TO 'x'\r\nExternal.InvokeCloudConnector Connection: '%s' ConnectorId: 'shared_%s' OperationId: 'Op%s'", variable, pad, id, id)
		def, _ := json.Marshal(script)
		buf := scriptBuffers.Get().(*[]byte)
		*buf = append((*buf)[:0], def...)
		return xmlWorkflow{ID: id, Name: id, Category: "6", definition: buf}
	}
	o := Options{Environment: "env"}
	first, probs := o.parseDesktopFlow(flow("aaaa", "pad-a", "PasswordA"), "f", 1, nil, true)
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	want := fmt.Sprintf("%+v", first.Facts)
	for range 20 { // the pool hands the buffer back out
		if _, probs := o.parseDesktopFlow(flow("bbbb", "pad-b", "PasswordZZZZ"), "f", 1, nil, true); len(probs) > 0 {
			t.Fatal(probs)
		}
	}
	if got := fmt.Sprintf("%+v", first.Facts); got != want || first.Facts.Actions[0].Operation != "Opaaaa" || first.Facts.Credentials[0].Variable != "PasswordA" {
		t.Errorf("the first flow's facts changed:\n%s\nwant\n%s", got, want)
	}
}

// TestASymlinkLoopIsNotFollowed: a folder searched for inputs is walked
// through its real subfolders only; a link back up the tree is not a way
// round forever.
func TestASymlinkLoopIsNotFollowed(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "a"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dir, filepath.Join(dir, "a", "up")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	zip, err := os.ReadFile("../../fixtures/audit/solution.zip")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a", "solution.zip"), zip, 0o644); err != nil {
		t.Fatal(err)
	}
	res := Read([]string{dir}, Options{Environment: "env"})
	if len(res.Flows) != 2 || len(res.Problems) > 0 {
		t.Errorf("%d flows (want the zip's 2, once), problems %v", len(res.Flows), res.Problems)
	}
}
