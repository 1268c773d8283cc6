package export

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"unsafe"

	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/document"
)

// Solution layouts: the zip (and the zip unzipped) keeps customizations.xml
// at the root; `pac solution unpack` writes Other/Customizations.xml and
// one Workflows/*.json.data.xml per flow.
const (
	zipCustomizations = "customizations.xml"
	pacCustomizations = "Other/Customizations.xml"
)

func isSolution(fsys fs.FS) bool {
	for _, name := range []string{zipCustomizations, pacCustomizations} {
		if _, err := fs.Stat(fsys, name); err == nil {
			return true
		}
	}
	return false
}

// binary is one desktopflowbinaries/<id>/desktopflowbinary.xml.
type binary struct {
	ID       string `xml:"desktopflowbinaryid,attr"`
	Data     string `xml:"data"`
	Type     string `xml:"type"`
	Workflow string `xml:"process>workflowid"`
}

// solution reads one solution export, from a folder or a zip.
func (r *reader) solution(fsys fs.FS, label string) {
	bins := r.binaries(fsys, label)
	names := map[string]string{} // cloud flow JSON file name → flow name
	// customizations.xml holds every flow of the solution (78 MB for 2,500
	// real flows): it is streamed, one <Workflow> at a time, bounded by the
	// export's total, never read whole nor held to a one-file ceiling.
	if _, err := fs.Stat(fsys, zipCustomizations); err == nil {
		r.workflowsXML(fsys, zipCustomizations, path.Join(label, zipCustomizations), bins, names)
	} else if !errors.Is(err, fs.ErrNotExist) {
		r.problem(path.Join(label, zipCustomizations), 0, "%v", err)
	}
	dataXMLs, _ := fs.Glob(fsys, "Workflows/*.json.data.xml")
	for _, name := range dataXMLs {
		data, err := readLimited(fsys, name, r.opts.Limits.MaxFileBytes)
		if err != nil {
			r.problem(path.Join(label, name), 0, "%v", err)
			continue
		}
		if w := r.workflowXML(data, path.Join(label, name), bins, true); w != nil {
			names[strings.TrimSuffix(path.Base(name), ".data.xml")] = cleanName(w.Name)
		}
	}
	cloud, _ := fs.Glob(fsys, "Workflows/*.json")
	for _, name := range cloud {
		data, err := readLimited(fsys, name, r.opts.Limits.MaxFileBytes)
		if err != nil {
			r.problem(path.Join(label, name), 0, "%v", err)
			continue
		}
		r.cloudFlow(data, path.Join(label, name), names[path.Base(name)])
	}
}

func (r *reader) binaries(fsys fs.FS, label string) *binaries {
	bins := &binaries{byID: map[string]binary{}, ofFlow: map[string][]binary{}}
	files, _ := fs.Glob(fsys, "desktopflowbinaries/*/desktopflowbinary.xml")
	for _, name := range files {
		data, err := readLimited(fsys, name, r.opts.Limits.MaxFileBytes)
		if err != nil {
			r.problem(path.Join(label, name), 0, "%v", err)
			continue
		}
		var b binary
		if err := xml.Unmarshal(data, &b); err != nil {
			r.problem(path.Join(label, name), xmlLine(data, err), "malformed XML: %v", err)
			continue
		}
		b.ID = NormalizeID(b.ID)
		if b.ID == "" {
			b.ID = NormalizeID(path.Base(path.Dir(name)))
		}
		b.Workflow = NormalizeID(b.Workflow)
		// A binary that names a data file the export lacks is incomplete.
		if b.Data != "" {
			if _, err := fs.Stat(fsys, path.Join(path.Dir(name), "data", b.Data)); err != nil {
				b.Data = "missing:" + b.Data
			}
		}
		bins.byID[b.ID] = b
	}
	for _, b := range bins.byID {
		bins.ofFlow[b.Workflow] = append(bins.ofFlow[b.Workflow], b)
	}
	return bins
}

// binaries are a solution's desktopflowbinaries, by id and by the flow
// they belong to; nil where the input has none (a Web API dump).
type binaries struct {
	byID   map[string]binary
	ofFlow map[string][]binary
}

// xmlWorkflow is a <Workflow> element, desktop or cloud flow.
type xmlWorkflow struct {
	ID                   string `xml:"WorkflowId,attr"`
	Name                 string `xml:"Name,attr"`
	JSONFileName         string `xml:"JsonFileName"`
	Category             string `xml:"Category"`
	UIFlowType           string `xml:"UIFlowType"`
	Definition           string `xml:"Definition"`
	ConnectionReferences string `xml:"ConnectionReferences"`
	Dependencies         string `xml:"Dependencies"`
	// definition is the <Definition> the scanner read, in a buffer of
	// scriptBuffers (Definition is then empty).
	definition *[]byte
}

// workflowsXML streams customizations.xml for its <Workflow> elements,
// remembering the line of each: with the fast scanner (xmlscan.go), and
// where it refuses the file, once more with encoding/xml from where the
// scanner stopped, so that encoding/xml's verdict and message stand.
func (r *reader) workflowsXML(fsys fs.FS, name, file string, bins *binaries, names map[string]string) {
	read := 0
	visit := func(w xmlWorkflow, line int) {
		read++
		if w.Category == "5" && w.JSONFileName != "" {
			names[path.Base(w.JSONFileName)] = cleanName(w.Name)
		}
		r.desktopFlow(w, file, line, bins, true)
	}
	err := r.readXML(fsys, name, file, func(in io.Reader) error { return scanWorkflows(in, visit) })
	var refused *xmlSyntaxError
	if errors.As(err, &refused) {
		skip := read
		err = r.readXML(fsys, name, file, func(in io.Reader) error { return decodeWorkflows(in, skip, visit) })
	}
	if err != nil {
		r.problem(file, xmlLine(nil, err), "%v", err)
	}
}

// readXML opens customizations.xml, bounded by the export's total.
func (r *reader) readXML(fsys fs.FS, name, file string, read func(io.Reader) error) error {
	f, err := fsys.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return read(newLimitReader(f, r.opts.Limits.MaxTotalBytes, file))
}

// decodeWorkflows reads the <Workflow> elements with encoding/xml, past
// the first skip of them.
func decodeWorkflows(in io.Reader, skip int, visit func(w xmlWorkflow, line int)) error {
	dec := xml.NewDecoder(bufio.NewReaderSize(in, 256<<10))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("malformed XML: %w", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Workflow" {
			continue
		}
		line, _ := dec.InputPos()
		var w xmlWorkflow
		if err := dec.DecodeElement(&w, &se); err != nil {
			return fmt.Errorf("malformed XML in <Workflow>: %w", err)
		}
		if skip > 0 {
			skip--
			continue
		}
		visit(w, line)
	}
}

// workflowXML reads a file whose root is one <Workflow> (pac's
// Workflows/*.json.data.xml).
func (r *reader) workflowXML(data []byte, file string, bins *binaries, inSolution bool) *xmlWorkflow {
	var w xmlWorkflow
	if err := xml.Unmarshal(data, &w); err != nil {
		r.problem(file, xmlLine(data, err), "malformed XML: %v", err)
		return nil
	}
	line := 1 + bytes.Count(data[:max(0, bytes.Index(data, []byte("<Workflow")))], []byte{'\n'})
	r.desktopFlow(w, file, line, bins, inSolution)
	return &w
}

// exportReference is one entry of a flow's <ConnectionReferences>.
type exportReference struct {
	API struct {
		Name string `json:"name"`
	} `json:"api"`
	DisplayName   string  `json:"displayName"`
	LogicalName   string  `json:"connectionReferenceLogicalName"`
	Connection    string  `json:"name"`
	OwnerID       *string `json:"ownerId"`
	PadInternalID string  `json:"padInternalId"`
	IsEmbedded    bool    `json:"isEmbedded"`
}

// desktopFlow turns a Category 6 workflow into a flow, on the pool;
// others are skipped.
func (r *reader) desktopFlow(w xmlWorkflow, file string, line int, bins *binaries, inSolution bool) {
	if strings.TrimSpace(w.Category) != "6" {
		return
	}
	r.flow(func() (*Flow, diag.List) { return r.opts.parseDesktopFlow(w, file, line, bins, inSolution) })
}

// parseDesktopFlow reads a flow's JSON columns and its script.
func (o Options) parseDesktopFlow(w xmlWorkflow, file string, line int, bins *binaries, inSolution bool) (*Flow, diag.List) {
	id, name := NormalizeID(w.ID), cleanName(w.Name)
	loc := document.Location{File: file, Element: fmt.Sprintf("Workflow %s", id), Line: line}
	if id == "" {
		return nil, diag.List{flowProblem(file, line, "a desktop flow <Workflow> without a WorkflowId")}
	}
	var refs []exportReference
	if s := strings.TrimSpace(w.ConnectionReferences); s != "" {
		if err := json.Unmarshal([]byte(s), &refs); err != nil {
			return nil, diag.List{flowProblem(file, line, "desktop flow %s (%s): <ConnectionReferences> is not a JSON array of references: %v", id, name, err)}
		}
	}
	def := []byte(w.Definition)
	if w.definition != nil {
		def = *w.definition
		defer scriptBuffers.Put(w.definition)
	}
	// The script is decoded into a pooled buffer and read in place: it is
	// 100 KB, and parseScript keeps nothing of it but copies, so the
	// buffer goes back to the pool when the flow is parsed.
	var script string
	if s := bytes.TrimSpace(def); len(s) > 0 {
		buf := scriptBuffers.Get().(*[]byte)
		defer scriptBuffers.Put(buf)
		var err error
		if *buf, err = unquoteJSONInto((*buf)[:0], s); err != nil {
			return nil, diag.List{flowProblem(file, line, "desktop flow %s (%s): <Definition> is not a JSON string: %v", id, name, err)}
		}
		script = unsafe.String(unsafe.SliceData(*buf), len(*buf))
	}
	var deps struct {
		RequiredBinaries []string `json:"requiredBinaries"`
	}
	if s := strings.TrimSpace(w.Dependencies); s != "" {
		if err := json.Unmarshal([]byte(s), &deps); err != nil {
			return nil, diag.List{flowProblem(file, line, "desktop flow %s (%s): <Dependencies> is not JSON: %v", id, name, err)}
		}
	}
	f := o.newFlow(id, name, "", refs, script, deps.RequiredBinaries, bins, inSolution, loc)
	return &f, nil
}

// newFlow builds the DesktopFlow document and the audit facts.
func (o Options) newFlow(id, name, owner string, refs []exportReference, script string, required []string, bins *binaries, inSolution bool, loc document.Location) Flow {
	if name == "" {
		name = id
	}
	doc := document.DesktopFlow{
		Kind: document.KindDesktopFlow, ID: id, Name: name, Environment: o.Environment, Owner: document.Principal(owner),
		SchemaVersion: document.SchemaV1, ConnectionReferences: []document.ConnectionReference{}, Actions: []document.Action{},
	}
	byPad := map[string]string{}
	for _, ref := range refs {
		cr := document.ConnectionReference{
			LogicalName: ref.LogicalName, DisplayName: cleanName(ref.DisplayName), Connector: ref.API.Name,
			Embedded: ref.IsEmbedded, Connection: ref.Connection,
		}
		if ref.OwnerID != nil {
			cr.Owner = document.Principal(*ref.OwnerID)
		}
		if cr.LogicalName == "" {
			cr.LogicalName = ref.PadInternalID
		}
		doc.ConnectionReferences = append(doc.ConnectionReferences, cr)
		if ref.PadInternalID != "" {
			byPad[ref.PadInternalID] = cr.LogicalName
		}
	}
	facts := parseScript(script, byPad)
	// The document lists each distinct live action once: a script calls
	// the same operation through the same reference dozens of times, and
	// the rules ask which actions a flow has, not how often (the facts
	// keep every statement, with its line).
	distinct := map[document.Action]bool{}
	for _, a := range facts.actions {
		act := document.Action{Connector: a.Connector, Operation: a.Operation, Reference: a.Reference}
		if !a.Disabled && !distinct[act] {
			distinct[act] = true
			doc.Actions = append(doc.Actions, act)
		}
	}
	var missing []string
	var have []binary
	if bins != nil {
		have = bins.ofFlow[id]
	}
	for _, b := range have {
		if strings.HasPrefix(b.Data, "missing:") {
			missing = append(missing, fmt.Sprintf("the data file %s of binary %s (%s)", strings.TrimPrefix(b.Data, "missing:"), b.ID, b.Type))
		}
	}
	for i, b := range required {
		required[i] = NormalizeID(b)
		if bins == nil {
			continue
		}
		if _, ok := bins.byID[required[i]]; !ok {
			missing = append(missing, "binary "+required[i])
		}
	}
	if len(required) > 0 || len(have) > 0 {
		doc.SchemaVersion = document.SchemaV2
	}
	sort.Strings(missing)
	return Flow{Doc: doc, Facts: document.AuditFlow{
		ID: id, Name: name, Location: loc, InSolution: inSolution,
		RequiredBinaries: orEmpty(required), MissingBinaries: orEmpty(missing),
		Actions: orEmpty(facts.actions), Credentials: orEmpty(facts.credentials),
	}}
}

// orEmpty writes a missing list as [] rather than null: the audit input's
// schema wants arrays.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// xmlLine finds the line of an XML syntax error.
func xmlLine(_ []byte, err error) int {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return se.Line
	}
	return 0
}
