package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/audit"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/export"
	"github.com/padlock/padlock/engine/export/exporttest"
	"github.com/padlock/padlock/engine/progress"
)

const fixtures = "../../fixtures/audit"

func run(t *testing.T, inputs []string, docs ...string) *audit.Report {
	t.Helper()
	eng, err := engine.New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Run(context.Background(), eng, inputs, audit.Options{Environment: "northwind-prod", Docs: docs})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// all reads an audit's findings.
func all(t testing.TB, fs *audit.Findings) []document.Finding {
	t.Helper()
	out, err := fs.Slice()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type key struct{ rule, flow, reference, principal string }

func keys(fs []document.Finding) map[key]document.Finding {
	out := map[key]document.Finding{}
	for _, f := range fs {
		out[key{f.Rule, f.FlowName, f.Reference, f.Principal}] = f
	}
	return out
}

// TestEveryRule: the fixture export holds a case for every audit rule.
func TestEveryRule(t *testing.T) {
	rep := run(t, []string{fixtures + "/pac-solution"}, fixtures+"/docs")
	if len(rep.Problems) > 0 {
		t.Fatal(rep.Problems)
	}
	want := []struct {
		k       key
		message string
	}{
		{key{"PL001", "Invoice sync", "nw_sql", ""}, "is not embedded"},
		{key{"PL002", "Legacy report", "", ""}, "stored in v1"},
		{key{"PL003", "Invoice sync", "", "user:frank@northwind.example"}, "must bring their own connection"},
		{key{"PL004", "Invoice sync", "nw_sql", "user:frank@northwind.example"}, "no connected shared_sql connection"},
		{key{"PL005", "Orphaned expenses", "nw_gone_outlook", "user:gone@northwind.example"}, "no longer owner or co-owner"},
		{key{"PL006", "Invoice sync", "dddddddd-0000-4000-8000-00000000000d", ""}, "none of the flow's connection references"},
		{key{"PL007", "Invoice sync", "nw_teams_unused", ""}, "no live action"},
		{key{"PL008", "Invoice sync", "nw_outlook", ""}, "will not bring it along"},
		{key{"PL009", "Invoice sync", "", ""}, "b2b2b2b2-0000-4000-8000-000000000002"},
		{key{"PL010", "Invoice sync", "", ""}, `cloud flow "NightlyRun"`},
		{key{"PL010", "Legacy report", "", ""}, "stored in v1"},
		{key{"PL011", "Invoice sync", "", ""}, "DbPassword"},
		{key{"PL012", "Invoice sync", "nw_sql", ""}, "ExecutePassThroughNativeQuery_V2"},
	}
	rules := map[string]bool{}
	for _, w := range want {
		rules[w.k.rule] = true
		found := false
		for _, f := range all(t, rep.Findings) {
			if (key{f.Rule, f.FlowName, f.Reference, f.Principal}) == w.k && strings.Contains(f.Message, w.message) {
				found = true
			}
		}
		if !found {
			t.Errorf("no finding %+v containing %q", w.k, w.message)
		}
	}
	for _, r := range rep.Rules {
		if !rules[r.ID] {
			t.Errorf("rule %s (%s) has no fixture case", r.ID, r.Title)
		}
	}
	// Secrets are never echoed.
	var buf bytes.Buffer
	_ = audit.JSON{}.Report(&buf, rep)
	for _, secret := range []string{"sk-live-1234", "hunter2"} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("the report echoes the secret %q", secret)
		}
	}
	// A finding about a script line names it.
	for _, f := range all(t, rep.Findings) {
		if f.Rule == "PL011" && !strings.Contains(f.Location.Element, "script line") {
			t.Errorf("PL011 without a script line: %+v", f.Location)
		}
	}
}

// TestLayoutsAgree: the zip and the pac-unpacked folder of one solution
// give the same findings.
func TestLayoutsAgree(t *testing.T) {
	pac := run(t, []string{fixtures + "/pac-solution"}, fixtures+"/docs/roles.yaml")
	zip := run(t, []string{fixtures + "/solution.zip"}, fixtures+"/docs/roles.yaml")
	if len(pac.Problems)+len(zip.Problems) > 0 {
		t.Fatal(pac.Problems, zip.Problems)
	}
	a, b := keys(all(t, pac.Findings)), keys(all(t, zip.Findings))
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("pac: %d findings, zip: %d", len(a), len(b))
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			t.Errorf("zip lacks %+v", k)
		}
	}
}

func TestWebAPIDump(t *testing.T) {
	rep := run(t, []string{fixtures + "/webapi"})
	if len(rep.Problems) > 0 || rep.Flows != 1 {
		t.Fatalf("flows %d, problems %v", rep.Flows, rep.Problems)
	}
	got := keys(all(t, rep.Findings))
	if _, ok := got[key{"PL011", "Invoice sync", "", ""}]; !ok {
		t.Errorf("the Web API flow's script was not read: %v", all(t, rep.Findings))
	}
	for k := range got {
		if k.rule == "PL002" {
			t.Errorf("a flow with required binaries was taken for v1")
		}
	}
}

// TestBadInputs: each is reported with its path and why, and the audit
// goes on with the good input beside them.
func TestBadInputs(t *testing.T) {
	rep := run(t, []string{fixtures + "/bad", fixtures + "/pac-solution"})
	want := map[string]string{
		"bomb.zip":           "a zip bomb",
		"escape.zip":         "escapes the archive's folder",
		"not-a-zip.zip":      "not a zip archive",
		"malformed-xml":      "malformed XML",
		"broken-json":        "<ConnectionReferences> is not a JSON array",
		"customizations.xml": "",
	}
	for file, msg := range want {
		if msg == "" {
			continue
		}
		found := false
		for _, p := range rep.Problems {
			if strings.Contains(p.File, file) && strings.Contains(p.Message, msg) {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem for %s containing %q: %v", file, msg, rep.Problems)
		}
	}
	if rep.Flows != 2 || rep.Findings.Len() == 0 {
		t.Errorf("the good solution beside the bad inputs was not audited: %d flows", rep.Flows)
	}
}

func TestFormats(t *testing.T) {
	rep := run(t, []string{fixtures + "/pac-solution"}, fixtures+"/docs")
	var sarif bytes.Buffer
	if err := (audit.SARIF{}).Report(&sarif, rep); err != nil {
		t.Fatal(err)
	}
	var s struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct{ ID string }
				}
			}
			Results []struct {
				RuleID    string `json:"ruleId"`
				Level     string
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(sarif.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	if s.Version != "2.1.0" || len(s.Runs) != 1 || len(s.Runs[0].Results) != rep.Findings.Len() || len(s.Runs[0].Tool.Driver.Rules) != len(rep.Rules) {
		t.Fatalf("sarif: %s", sarif.String()[:min(400, sarif.Len())])
	}
	if s.Runs[0].Results[0].Locations[0].PhysicalLocation.ArtifactLocation.URI == "" {
		t.Error("sarif result without a file")
	}
	var junit bytes.Buffer
	if err := (audit.JUnit{}).Report(&junit, rep); err != nil {
		t.Fatal(err)
	}
	var j struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	if err := xml.Unmarshal(junit.Bytes(), &j); err != nil || j.Failures != rep.Findings.Len() {
		t.Fatalf("junit: %v %+v", err, j)
	}
	var text bytes.Buffer
	_ = audit.Text{}.Report(&text, rep)
	if !strings.Contains(text.String(), "Invoice sync  (6f0c1d2e-1111-4a4a-8b8b-000000000001)") {
		t.Errorf("text is not grouped by flow:\n%s", text.String())
	}
}

// TestRealExports audits the trimmed real exports in ../shared/real-exports.
func TestRealExports(t *testing.T) {
	const real = "../../../shared/real-exports"
	if _, err := os.Stat(real); err != nil {
		t.Skipf("the real exports are not here (%v): they live in ../shared/real-exports beside the project", err)
	}
	rep := run(t, []string{real})
	if len(rep.Problems) > 0 {
		t.Fatalf("problems: %v", rep.Problems)
	}
	if rep.Flows != 4 || rep.CloudFlows != 1 {
		t.Fatalf("flows %d, cloud flows %d", rep.Flows, rep.CloudFlows)
	}
	var buf bytes.Buffer
	_ = audit.JSON{}.Report(&buf, rep)
	if strings.Contains(buf.String(), "REDACTED-PW") {
		t.Error("the report echoes the password")
	}
	got := keys(all(t, rep.Findings))
	for _, name := range []string{"UAIC Bot Creation Main Flow - V2", "UAIC Bot Creation Main Flow - V3 - 24/8/2026", "UAIC Bot Creation Main Flow - V4 - 01/09/2026"} {
		if _, ok := got[key{"PL011", name, "", ""}]; !ok {
			t.Errorf("%s: the literal password is not found", name)
		}
	}
	disabled := 0
	for _, f := range all(t, rep.Findings) {
		if f.Rule == "PL012" {
			disabled++
			if f.FlowName != "UAIC Bot Creation Main Flow - V2" {
				t.Errorf("a disabled action outside V2: %+v", f)
			}
		}
		if f.Rule == "PL010" {
			t.Errorf("uch-avp's desktop flow has no cloud connector actions: its cloud runs are fine: %+v", f)
		}
	}
	if disabled != 1 {
		t.Errorf("want 1 disabled action (in V2), got %d", disabled)
	}
}

// TestSameBytesForAnyJobs: flows are read and audited on several
// goroutines, and every format writes the same bytes for any --jobs,
// with the solution zips parsed or (--cache) read from the cache.
func TestSameBytesForAnyJobs(t *testing.T) {
	gen, err := exporttest.Write(t.TempDir(), exporttest.Size{Flows: 150, PerSolution: 20, ScriptLines: 120, Environment: "northwind-prod"})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		inputs []string
		check  func(*audit.Report) bool
	}{
		{"findings", append([]string{gen.Zips, fixtures + "/pac-solution"}, realExports()...),
			func(r *audit.Report) bool { return r.Flows >= 150 && r.Findings.Len() >= 150 && len(r.Problems) == 0 }},
		// The bad exports and a solution given twice (zip and folder) make
		// problems on several goroutines.
		{"problems", []string{gen.Zips, fixtures + "/pac-solution", fixtures + "/solution.zip", fixtures + "/bad"},
			func(r *audit.Report) bool { return len(r.Problems) >= 6 }},
	} {
		outputs := map[string]string{}
		cacheDir := t.TempDir()
		for _, run := range []struct {
			jobs  int
			cache bool
		}{{1, false}, {2, false}, {4, false}, {16, false}, {1, true}, {4, true}, {2, true}} {
			jobs := run.jobs
			var cache *export.Cache
			if run.cache {
				if cache, err = export.OpenCache(cacheDir); err != nil {
					t.Fatal(err)
				}
			}
			rep, err := audit.Run(context.Background(), eng, tt.inputs, audit.Options{Environment: "northwind-prod", Docs: []string{gen.Docs, fixtures + "/docs"}, Jobs: jobs, Cache: cache})
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(rep) {
				t.Fatalf("%s, --jobs %d: %d flows, %d findings, %d problems: not what the inputs hold", tt.name, jobs, rep.Flows, rep.Findings.Len(), len(rep.Problems))
			}
			if run.cache {
				first := jobs == 1
				if hits, misses := cache.Stats(); first && (hits != 0 || misses == 0) || !first && (hits == 0 || misses != 0) {
					t.Errorf("%s, --jobs %d --cache: %d hits, %d misses: want only misses the first time, only hits after", tt.name, jobs, hits, misses)
				}
			}
			for _, format := range []string{"json", "sarif", "junit", "text"} {
				r, _ := audit.ReporterFor(format)
				var buf bytes.Buffer
				if err := r.Report(&buf, rep); err != nil {
					t.Fatal(err)
				}
				if first, ok := outputs[format]; ok && first != buf.String() {
					t.Errorf("%s: --jobs %d (cache: %v) writes other %s than --jobs 1", tt.name, jobs, run.cache, format)
				}
				outputs[format] = buf.String()
			}
		}
	}
}

// TestCacheAuditsTonightsDocuments: the nightly case. The zips come
// from the cache, the documents do not: an audit with other --docs reads
// the cache and gives the findings those documents make, as an audit
// without the cache does.
func TestCacheAuditsTonightsDocuments(t *testing.T) {
	gen, err := exporttest.Write(t.TempDir(), exporttest.Size{Flows: 40, PerSolution: 20, ScriptLines: 60, Environment: "env-prod"})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	auditWith := func(cached bool, docs ...string) (string, int64) {
		t.Helper()
		var cache *export.Cache
		if cached {
			if cache, err = export.OpenCache(dir); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := audit.Run(context.Background(), eng, []string{gen.Zips}, audit.Options{Environment: "env-prod", Docs: docs, Cache: cache})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		r, _ := audit.ReporterFor("json")
		if err := r.Report(&buf, rep); err != nil {
			t.Fatal(err)
		}
		var hits int64
		if cached {
			hits, _ = cache.Stats()
		}
		return buf.String(), hits
	}
	lastNight, _ := auditWith(true) // no shares known: fills the cache
	tonight, hits := auditWith(true, gen.Docs)
	want, _ := auditWith(false, gen.Docs)
	if hits != 2 || tonight != want || tonight == lastNight || !strings.Contains(tonight, "PL001") {
		t.Errorf("%d hits; tonight's audit as without the cache: %v; unlike last night's: %v", hits, tonight == want, tonight != lastNight)
	}
}

// TestStreamingAgreesWithSingleInputs: exports audited together, streamed
// flow by flow on every core, give each export's findings as auditing it
// alone does, and nothing else. (No --docs: shares name flows of one
// export, which would be unknown to the others.)
func TestStreamingAgreesWithSingleInputs(t *testing.T) {
	gen, err := exporttest.Write(t.TempDir(), exporttest.Size{Flows: 60, PerSolution: 20, ScriptLines: 80, Environment: "northwind-prod"})
	if err != nil {
		t.Fatal(err)
	}
	zips, _ := filepath.Glob(filepath.Join(gen.Zips, "*.zip"))
	folders, _ := filepath.Glob(filepath.Join(gen.Unzipped, "*"))
	for _, exports := range [][]string{
		append(append([]string{fixtures + "/pac-solution"}, realExports("botcreation", "uch-avp")...), zips...),
		append([]string{fixtures + "/webapi/workflows.json"}, folders...),
	} {
		together := run(t, exports)
		var alone []document.Finding
		for _, e := range exports {
			rep := run(t, []string{e})
			if len(rep.Problems) > 0 {
				t.Fatal(rep.Problems)
			}
			alone = append(alone, all(t, rep.Findings)...)
		}
		if len(together.Problems) > 0 {
			t.Fatal(together.Problems)
		}
		a, b := findingSet(all(t, together.Findings)), findingSet(alone)
		if len(a) != together.Findings.Len() || len(a) < 60 {
			t.Fatalf("%d findings together, %d distinct", together.Findings.Len(), len(a))
		}
		for k := range a {
			if !b[k] {
				t.Errorf("together, not alone: %s", k)
			}
		}
		for k := range b {
			if !a[k] {
				t.Errorf("alone, not together: %s", k)
			}
		}
	}
}

// realExports are the given folders of ../shared/real-exports (the whole
// folder with none), or nothing where that folder is absent.
func realExports(names ...string) []string {
	const dir = "../../../shared/real-exports"
	if _, err := os.Stat(dir); err != nil {
		return nil
	}
	if len(names) == 0 {
		return []string{dir}
	}
	var out []string
	for _, n := range names {
		out = append(out, filepath.Join(dir, n))
	}
	return out
}

func findingSet(fs []document.Finding) map[string]bool {
	out := map[string]bool{}
	for _, f := range fs {
		raw, _ := json.Marshal(f)
		out[string(raw)] = true
	}
	return out
}

// TestProgress: on a terminal the audit counts solutions and flows as
// they are read and audited.
func TestProgress(t *testing.T) {
	gen, err := exporttest.Write(t.TempDir(), exporttest.Size{Flows: 60, PerSolution: 20, ScriptLines: 40})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := audit.Run(context.Background(), eng, []string{gen.Zips}, audit.Options{Environment: "env-prod", Progress: progress.New(&out, 0)}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "padlock: 3 solutions read, 60 desktop flows read, 60 desktop flows audited") {
		t.Errorf("progress: %q", out.String())
	}
	// With --cache, the second audit says the solutions came from it.
	dir := t.TempDir()
	for _, want := range []string{"3 solutions read, 0 solutions from cache, 60", "3 solutions read, 3 solutions from cache, 60"} {
		cache, err := export.OpenCache(dir)
		if err != nil {
			t.Fatal(err)
		}
		out.Reset()
		if _, err := audit.Run(context.Background(), eng, []string{gen.Zips}, audit.Options{Environment: "env-prod", Progress: progress.New(&out, 0), Cache: cache}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), want) {
			t.Errorf("progress with --cache: %q, want %q", out.String(), want)
		}
	}
}

// TestJSONIsEncodingJSONs: the JSON report, written a finding at a time,
// is byte for byte what encoding/json's indenting encoder writes.
func TestJSONIsEncodingJSONs(t *testing.T) {
	full := run(t, []string{fixtures + "/pac-solution"}, fixtures+"/docs")
	none := run(t, []string{fixtures + "/pac-solution"}, fixtures+"/docs")
	none.Findings = &audit.Findings{}
	full.Findings = audit.NewFindings(append(all(t, full.Findings), document.Finding{Rule: "PL999", Severity: "info", Flow: "f", FlowName: "<a & b>", Message: "\"quoted\" \u2028 é", Location: document.Location{File: "x"}})...)
	for _, rep := range []*audit.Report{full, none} {
		var want, got bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			t.Fatal(err)
		}
		if err := (audit.JSON{}).Report(&got, rep); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%d findings: the report differs from encoding/json's:\n%s\nwant\n%s", rep.Findings.Len(), got.String(), want.String())
		}
	}
	if full.Findings.Len() < 5 {
		t.Fatalf("%d findings", full.Findings.Len())
	}
}
