package export

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"testing/fstest"
)

// FuzzParsers feeds arbitrary bytes to every export parser: solution
// XML, a pac workflow file, cloud flow JSON, Web API JSON, a zip. None may
// panic; each either reads or reports a problem.
func FuzzParsers(f *testing.F) {
	seed := func(kind byte, path string) {
		if b, err := os.ReadFile(path); err == nil {
			f.Add(kind, b)
		}
	}
	seed(0, filepath.Join(realExports, "botcreation/customizations.xml"))
	seed(1, "../../fixtures/audit/pac-solution/Workflows/InvoiceSync-6F0C1D2E-1111-4A4A-8B8B-000000000001.json.data.xml")
	seed(1, filepath.Join(realExports, "uch-avp/Workflows/UCH-AVPAutomatedValuationDesktopFlow-2E6975E7-8C20-4F15-9FEC-AC412E9A55DD.json.data.xml"))
	seed(2, filepath.Join(realExports, "uch-avp/Workflows/UCH-AVPValidateProperties-821B8546-78CF-F011-BBD3-7C1E5217E110.json"))
	seed(3, "../../fixtures/audit/webapi/workflows.json")
	seed(4, "../../fixtures/audit/solution.zip")
	seed(0, "../../fixtures/audit/bad/broken-json/customizations.xml")
	var small bytes.Buffer
	zw := zip.NewWriter(&small)
	w, _ := zw.Create("customizations.xml")
	w.Write([]byte(`<ImportExportXml><Workflows><Workflow WorkflowId="{a}"><Category>6</Category><Definition>"x"</Definition></Workflow></Workflows></ImportExportXml>`))
	zw.Close()
	f.Add(byte(4), small.Bytes())
	f.Add(byte(2), []byte(`{"properties":{"definition":{"actions":{"a":{"inputs":{"host":{"operationId":"RunUIFlow_V2"},"parameters":{"uiFlowId":7}}}}}}}`))
	f.Fuzz(func(t *testing.T, kind byte, data []byte) {
		r := &reader{opts: Options{Environment: "env", Limits: Limits{MaxFileBytes: 1 << 20, MaxTotalBytes: 4 << 20, MaxRatio: 100, MaxEntries: 100}}}
		switch kind % 5 {
		case 0:
			r.workflowsXML(fstest.MapFS{"c.xml": {Data: data}}, "c.xml", "c.xml", &binaries{}, map[string]string{})
		case 1:
			r.workflowXML(data, "w.json.data.xml", nil, true)
		case 2:
			r.cloudFlow(data, "Workflows/x-6f0c1d2e-3333-4a4a-8b8b-000000000003.json", "")
		case 3:
			if isWebAPI(data) {
				r.webAPI(data, "dump.json")
			}
		case 4:
			if fsys, err := openZip(data, r.opts.Limits); err == nil && isSolution(fsys) {
				r.solution(fsys, "s.zip")
			}
		}
		for _, s := range r.out {
			if fl := s.flow; fl != nil && (fl.Doc.ID == "" || fl.Doc.Environment != "env") {
				t.Fatalf("a flow without id or environment: %+v", fl.Doc)
			}
		}
	})
}

// FuzzWorkflowScanner checks the fast scanner against encoding/xml: where
// both read a document, they read the same <Workflow> elements on the
// same lines; where only the scanner does (it checks less of the text it
// skips), encoding/xml's workflows up to its error are the scanner's first.
func FuzzWorkflowScanner(f *testing.F) {
	// Small seeds: the fuzzer minimizes a large one (botcreation's 338 KB)
	// for minutes. The real exports are read by both in the tests.
	for _, p := range []string{"../../fixtures/audit/bad/malformed-xml/customizations.xml", "../../fixtures/audit/bad/broken-json/customizations.xml"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`<a><Workflow WorkflowId="{x}" Name='n &amp; m'><Category>6</Category><Definition><![CDATA["<y>"]]>&#x41;</Definition><Dependencies/></Workflow><!-- c --><?p?></a>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		type seen struct {
			w    xmlWorkflow
			line int
		}
		var fast, slow []seen
		errFast := scanWorkflows(bytes.NewReader(data), func(w xmlWorkflow, line int) {
			if w.definition != nil { // the scanner's buffer, as encoding/xml's string
				w.Definition, w.definition = string(*w.definition), nil
			}
			fast = append(fast, seen{w, line})
		})
		errSlow := decodeWorkflows(bytes.NewReader(data), 0, func(w xmlWorkflow, line int) { slow = append(slow, seen{w, line}) })
		switch {
		case errFast == nil && errSlow == nil:
			if !reflect.DeepEqual(fast, slow) {
				t.Fatalf("scanner and encoding/xml disagree:\n%+v\n%+v", fast, slow)
			}
		case errFast == nil:
			if len(slow) > len(fast) || len(slow) > 0 && !reflect.DeepEqual(fast[:len(slow)], slow) {
				t.Fatalf("encoding/xml (%v) read workflows the scanner did not:\n%+v\n%+v", errSlow, fast, slow)
			}
		}
	})
}
