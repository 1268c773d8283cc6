package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/document"
)

func isWebAPI(data []byte) bool {
	var probe struct {
		Context *string           `json:"@odata.context"`
		Value   []json.RawMessage `json:"value"`
	}
	return json.Unmarshal(data, &probe) == nil && (probe.Context != nil || probe.Value != nil)
}

// webAPI reads a Dataverse Web API response over the workflow table (an
// OData collection with "value"); rows of category 6 are desktop flows.
// Such a dump has no binaries: a flow is v2 where its dependencies column
// names required binaries.
func (r *reader) webAPI(data []byte, file string) {
	var coll struct {
		Value []map[string]any `json:"value"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&coll); err != nil {
		r.problem(file, 0, "malformed Web API JSON: %v", err)
		return
	}
	for i, row := range coll.Value {
		if fmt.Sprint(row["category"]) != "6" {
			continue
		}
		r.flow(func() (*Flow, diag.List) { return r.opts.webAPIFlow(row, file, i) })
	}
}

// webAPIFlow reads one desktop flow row.
func (o Options) webAPIFlow(row map[string]any, file string, i int) (*Flow, diag.List) {
	loc := document.Location{File: file, Element: fmt.Sprintf("/value/%d", i)}
	id := NormalizeID(str(row["workflowid"]))
	name := cleanName(str(row["name"]))
	if id == "" {
		return nil, diag.List{flowProblem(file, 0, "/value/%d: a desktop flow row without workflowid", i)}
	}
	var refs []exportReference
	if s := strings.TrimSpace(str(row["connectionreferences"])); s != "" {
		if err := json.Unmarshal([]byte(s), &refs); err != nil {
			return nil, diag.List{flowProblem(file, 0, "/value/%d/connectionreferences: desktop flow %s (%s): not a JSON array of references: %v", i, id, name, err)}
		}
	}
	script := str(row["definition"])
	if strings.HasPrefix(strings.TrimSpace(script), `"`) {
		var err error
		if script, err = unquoteJSON(strings.TrimSpace(script)); err != nil {
			return nil, diag.List{flowProblem(file, 0, "/value/%d/definition: desktop flow %s (%s): not a JSON string: %v", i, id, name, err)}
		}
	}
	var deps struct {
		RequiredBinaries []string `json:"requiredBinaries"`
	}
	if s := strings.TrimSpace(str(row["dependencies"])); s != "" {
		if err := json.Unmarshal([]byte(s), &deps); err != nil {
			return nil, diag.List{flowProblem(file, 0, "/value/%d/dependencies: desktop flow %s (%s): not JSON: %v", i, id, name, err)}
		}
	}
	f := o.newFlow(id, name, str(row["_ownerid_value"]), refs, script, deps.RequiredBinaries, nil, false, loc)
	return &f, nil
}

func str(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}
