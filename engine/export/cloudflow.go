package export

import (
	"bytes"
	"encoding/json"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/padlock/padlock/engine/document"
)

func isCloudFlow(data []byte) bool {
	var probe struct {
		Properties struct {
			Definition json.RawMessage `json:"definition"`
		} `json:"properties"`
	}
	return json.Unmarshal(data, &probe) == nil && len(probe.Properties.Definition) > 0
}

var guidSuffix = regexp.MustCompile(`(?i)-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.json$`)

// cloudFlow finds the desktop flow runs a cloud flow starts: actions on
// the shared_uiflow connector with operation RunUIFlow_V2.
func (r *reader) cloudFlow(data []byte, file, name string) {
	var cf struct {
		Properties struct {
			Definition map[string]any `json:"definition"`
		} `json:"properties"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&cf); err != nil {
		r.problem(file, 0, "malformed cloud flow JSON: %v", err)
		return
	}
	base := path.Base(strings.ReplaceAll(file, "\\", "/"))
	id := ""
	if m := guidSuffix.FindStringSubmatch(base); m != nil {
		id = strings.ToLower(m[1])
	}
	if name == "" {
		name = strings.TrimSuffix(guidSuffix.ReplaceAllString(base, ""), ".json")
	}
	flow := document.AuditCloudFlow{ID: id, Name: cleanName(name), Location: document.Location{File: file, Element: "properties/definition"}, Runs: []document.AuditRun{}}
	walkActions(cf.Properties.Definition, "/properties/definition", func(ptr string, inputs map[string]any) {
		host, _ := inputs["host"].(map[string]any)
		op, _ := host["operationId"].(string)
		api, _ := host["apiId"].(string)
		conn, _ := host["connectionName"].(string)
		if op != "RunUIFlow_V2" || !(strings.HasSuffix(api, "shared_uiflow") || conn == "shared_uiflow" || api == "") {
			return
		}
		params, _ := inputs["parameters"].(map[string]any)
		target, _ := params["uiFlowId"].(string)
		mode, _ := params["runMode"].(string)
		if m := strings.ToLower(mode); m != "attended" && m != "unattended" {
			mode = "" // an expression: the mode is known only at run time
		}
		flow.Runs = append(flow.Runs, document.AuditRun{Action: ptr, DesktopFlow: NormalizeID(target), RunMode: strings.ToLower(mode)})
	})
	sort.Slice(flow.Runs, func(i, j int) bool { return flow.Runs[i].Action < flow.Runs[j].Action })
	r.out = append(r.out, &slot{cloud: &flow})
}

// walkActions visits every action of a Logic Apps definition, nested in
// scopes, conditions (actions/else), switches (cases/default) and loops.
func walkActions(node map[string]any, ptr string, visit func(ptr string, inputs map[string]any)) {
	actions, _ := node["actions"].(map[string]any)
	names := make([]string, 0, len(actions))
	for n := range actions {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		a, _ := actions[n].(map[string]any)
		if a == nil {
			continue
		}
		p := ptr + "/actions/" + n
		if inputs, ok := a["inputs"].(map[string]any); ok {
			visit(p, inputs)
		}
		walkActions(a, p, visit)
		if e, ok := a["else"].(map[string]any); ok {
			walkActions(e, p+"/else", visit)
		}
		if d, ok := a["default"].(map[string]any); ok {
			walkActions(d, p+"/default", visit)
		}
		if cases, ok := a["cases"].(map[string]any); ok {
			for cn, c := range cases {
				if cm, ok := c.(map[string]any); ok {
					walkActions(cm, p+"/cases/"+cn, visit)
				}
			}
		}
	}
}
