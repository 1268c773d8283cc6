package audit

import (
	"encoding/json"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/padlock/padlock/engine/document"
)

// The rules of one flow are evaluated tens of thousands of times an
// audit: their input is built as OPA's values directly, and their
// findings read from OPA's result, with no JSON in between.

// factsValue is an export's facts about a flow as the rules read them
// (the JSON of document.AuditFlow).
func factsValue(f document.AuditFlow) ast.Value {
	actions := make([]*ast.Term, len(f.Actions))
	for i, a := range f.Actions {
		actions[i] = ast.ObjectTerm(
			str("connector", a.Connector), str("operation", a.Operation), str("reference", a.Reference),
			boolean("known", a.Known), boolean("disabled", a.Disabled), numbers("lines", a.Lines),
		)
	}
	creds := make([]*ast.Term, len(f.Credentials))
	for i, c := range f.Credentials {
		creds[i] = ast.ObjectTerm(str("variable", c.Variable), str("why", c.Why), number("line", c.Line))
	}
	return ast.NewObject(
		str("id", f.ID), str("name", f.Name),
		ast.Item(ast.InternedTerm("location"), ast.NewTerm(locationValue(f.Location))),
		boolean("inSolution", f.InSolution),
		stringList("requiredBinaries", f.RequiredBinaries), stringList("missingBinaries", f.MissingBinaries),
		ast.Item(ast.InternedTerm("actions"), ast.ArrayTerm(actions...)),
		ast.Item(ast.InternedTerm("credentials"), ast.ArrayTerm(creds...)),
	)
}

// locationValue leaves out what the JSON leaves out (omitempty).
func locationValue(l document.Location) ast.Value {
	o := ast.NewObject(str("file", l.File))
	if l.Element != "" {
		o.Insert(ast.InternedTerm("element"), ast.StringTerm(l.Element))
	}
	if l.Line != 0 {
		o.Insert(ast.InternedTerm("line"), ast.InternedTerm(l.Line))
	}
	return o
}

func str(k, v string) [2]*ast.Term { return ast.Item(ast.InternedTerm(k), ast.StringTerm(v)) }

func boolean(k string, v bool) [2]*ast.Term {
	return ast.Item(ast.InternedTerm(k), ast.InternedTerm(v))
}

func number(k string, v int) [2]*ast.Term { return ast.Item(ast.InternedTerm(k), ast.InternedTerm(v)) }

func numbers(k string, ns []int) [2]*ast.Term {
	ts := make([]*ast.Term, len(ns))
	for i, n := range ns {
		ts[i] = ast.InternedTerm(n)
	}
	return ast.Item(ast.InternedTerm(k), ast.ArrayTerm(ts...))
}

func stringList(k string, vs []string) [2]*ast.Term {
	ts := make([]*ast.Term, len(vs))
	for i, v := range vs {
		ts[i] = ast.StringTerm(v)
	}
	return ast.Item(ast.InternedTerm(k), ast.ArrayTerm(ts...))
}

// cloudInput is the cloud flow rules' input (document.AuditCloudInput)
// as generic values.
func cloudInput(cloud []document.AuditCloudFlow, blocked map[string]document.AuditBlocked) map[string]any {
	flows := make([]any, len(cloud))
	for i, cf := range cloud {
		runs := make([]any, len(cf.Runs))
		for j, r := range cf.Runs {
			runs[j] = map[string]any{"action": r.Action, "desktopFlow": r.DesktopFlow, "runMode": r.RunMode}
		}
		loc := map[string]any{"file": cf.Location.File}
		if cf.Location.Element != "" {
			loc["element"] = cf.Location.Element
		}
		if cf.Location.Line != 0 {
			loc["line"] = cf.Location.Line
		}
		flows[i] = map[string]any{"id": cf.ID, "name": cf.Name, "location": loc, "runs": runs}
	}
	index := make(map[string]any, len(blocked))
	for id, b := range blocked {
		bs := make([]any, len(b.Blockers))
		for i, s := range b.Blockers {
			bs[i] = s
		}
		index[id] = map[string]any{"name": b.Name, "flowName": b.FlowName, "blockers": bs}
	}
	return map[string]any{"cloudFlows": flows, "blocked": index}
}

// findingsOf reads the rules' findings (a set, as OPA returns it).
func findingsOf(v any) ([]document.Finding, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("audit findings are a %T, not a set", v)
	}
	out := make([]document.Finding, 0, len(list))
	for _, x := range list {
		m, ok := x.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("an audit finding is a %T, not an object", x)
		}
		var f document.Finding
		var err error
		read := func(key string, into *string, required bool) {
			s, isStr := m[key].(string)
			switch {
			case isStr:
				*into = s
			case m[key] != nil || required:
				if err == nil {
					err = fmt.Errorf("audit finding %v: %q is not a string", m, key)
				}
			}
		}
		read("rule", &f.Rule, true)
		read("severity", &f.Severity, true)
		read("flow", &f.Flow, true)
		read("flowName", &f.FlowName, true)
		read("message", &f.Message, true)
		read("reference", &f.Reference, false)
		read("principal", &f.Principal, false)
		loc, _ := m["location"].(map[string]any)
		if loc == nil {
			return nil, fmt.Errorf("audit finding %v has no location", m)
		}
		read2 := func(key string, into *string) {
			if s, ok := loc[key].(string); ok {
				*into = s
			}
		}
		read2("file", &f.Location.File)
		read2("element", &f.Location.Element)
		if n, ok := loc["line"].(json.Number); ok {
			line, _ := n.Int64()
			f.Location.Line = int(line)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}
