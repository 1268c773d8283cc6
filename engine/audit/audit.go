// Package audit runs padlock's audit rules (policies/padlock/audit) over
// exported desktop flows: it reads the exports (package export), validates
// the flows they yield as DesktopFlow documents together with --docs,
// evaluates data.padlock.audit.findings and sorts the findings. Output
// formats live in their own files behind the Reporter interface.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/export"
	"github.com/padlock/padlock/engine/load"
	"github.com/padlock/padlock/engine/progress"
)

// FindingsPath is the audit rules' document in the Data API's terms.
const FindingsPath = "padlock/audit/findings"

// Options say what to audit.
type Options struct {
	// Environment is the one the solution is or will be imported into.
	Environment string
	// Docs are padlock documents (shares, teams, connections, flows with
	// their owners) that say what exports do not.
	Docs []string
	// Progress shows the flows read and audited on a terminal (nil: silent).
	Progress *progress.Meter
	// FailOn is the rank (ParseSeverity) of the weakest failing severity.
	FailOn int
	Limits export.Limits
}

// Report is the outcome of an audit.
type Report struct {
	Findings []document.Finding `json:"findings"`
	// Problems are inputs that could not be read or parsed, and invalid
	// documents: the audit of those is incomplete.
	Problems   diag.List          `json:"problems"`
	Rules      []engine.AuditRule `json:"rules"`
	Flows      int                `json:"flows"`
	CloudFlows int                `json:"cloudFlows"`
	// Environment is the one the audit assumed (--environment).
	Environment string `json:"environment"`
	// CloudFlowRuns are the exports' cloud flows and the desktop flows
	// they start (for the access report; not part of the audit's output).
	CloudFlowRuns []document.AuditCloudFlow `json:"-"`
	// Warnings are doubts about the audit's premises (an environment that
	// matches none of the documents), not about the flows.
	Warnings diag.List `json:"warnings"`
	// FailOn is the rank of the weakest severity that fails the audit
	// (--fail-on); formats with a pass/fail notion follow it.
	FailOn int `json:"-"`
}

// rank orders severities, weakest first; -1 for an unknown one.
func rank(severity string) int {
	switch severity {
	case "info":
		return 0
	case "warning":
		return 1
	case "error":
		return 2
	}
	return -1
}

// ParseSeverity checks a --fail-on value.
func ParseSeverity(s string) (int, error) {
	if r := rank(s); r >= 0 {
		return r, nil
	}
	return 0, fmt.Errorf("unknown severity %q: want info, warning or error", s)
}

// AtLeast counts the findings at or above a severity.
func (r *Report) AtLeast(min int) int {
	n := 0
	for _, f := range r.Findings {
		if rank(f.Severity) >= min {
			n++
		}
	}
	return n
}

// Run audits the inputs with the engine's policies.
func Run(ctx context.Context, eng *engine.Engine, inputs []string, o Options) (*Report, error) {
	defer o.Progress.Done()
	res := export.Read(inputs, export.Options{Environment: o.Environment, Limits: o.Limits, Progress: o.Progress})
	rep := &Report{Problems: res.Problems, Rules: eng.AuditRules(), CloudFlows: len(res.CloudFlows), CloudFlowRuns: res.CloudFlows, Environment: o.Environment, FailOn: o.FailOn}
	docs := res.Documents
	if len(o.Docs) > 0 {
		more, probs := eng.Sources().Paths(ctx, o.Docs...)
		// Warnings (a dump's rows that could not be mapped) are doubts, not
		// inputs that could not be audited.
		docs, rep.Problems, rep.Warnings = append(docs, more...), append(rep.Problems, probs.Errors()...), append(rep.Warnings, probs.Warnings()...)
		if len(more) > 0 && !mentionsEnvironment(more, o.Environment) {
			rep.Warnings = append(rep.Warnings, diag.Problem{Severity: diag.Warning, Document: -1,
				Message: fmt.Sprintf("environment %q matches none of the documents given with --docs (no flow, connection or role assignment is in it): is --environment right?", o.Environment)})
		}
	}
	// A flow in --docs says who owns it and its references: it stands in
	// for the exported document of the same id, whose facts remain.
	given := map[string]load.Doc{}
	for _, d := range docs {
		if m, ok := d.Generic().(map[string]any); ok && m["kind"] == string(document.KindDesktopFlow) {
			id, _ := m["id"].(string)
			given[id] = d
		}
	}
	input := document.AuditInput{Environment: o.Environment, Flows: map[string]document.AuditFlow{}, CloudFlows: res.CloudFlows}
	for _, f := range res.Flows {
		input.Flows[f.Doc.ID] = f.Facts
		if _, ok := given[f.Doc.ID]; ok {
			continue
		}
		raw, err := json.Marshal(f.Doc)
		if err != nil {
			return nil, err
		}
		d, probs := load.New(load.Options{}).Bytes(f.Facts.Location.File+"#"+f.Facts.Location.Element, raw)
		docs, rep.Problems = append(docs, d...), append(rep.Problems, probs...)
	}
	w, probs := eng.Assemble(docs)
	rep.Problems = append(rep.Problems, probs.Errors()...)
	if w == nil {
		return rep, nil // invalid documents: no rule runs
	}
	for _, f := range w.Flows {
		if _, ok := input.Flows[f.ID]; !ok { // a flow from padlock documents
			origin := given[f.ID]
			input.Flows[f.ID] = document.AuditFlow{ID: f.ID, Name: f.Name, Location: document.Location{File: origin.File, Line: origin.Line, Element: fmt.Sprintf("document %d", origin.Index)},
				RequiredBinaries: []string{}, MissingBinaries: []string{}, Actions: liveActions(f), Credentials: []document.AuditCredential{}}
		}
	}
	rep.Flows = len(input.Flows)

	if err := eng.SetWorld(ctx, w); err != nil {
		return nil, err
	}
	var generic any
	raw, err := json.Marshal(input)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &generic); err != nil {
		return nil, err
	}
	result, defined, err := eng.EvalPath(ctx, FindingsPath, generic)
	o.Progress.Add("desktop flows audited", len(input.Flows))
	if err != nil {
		return nil, fmt.Errorf("evaluate %s: %w", FindingsPath, err)
	}
	if !defined {
		return nil, fmt.Errorf("evaluate %s: the policies define no audit findings", FindingsPath)
	}
	raw, err = json.Marshal(result)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &rep.Findings); err != nil {
		return nil, fmt.Errorf("audit findings do not have the Finding shape: %w", err)
	}
	sort.SliceStable(rep.Findings, func(i, j int) bool {
		a, b := rep.Findings[i], rep.Findings[j]
		if a.FlowName != b.FlowName {
			return a.FlowName < b.FlowName
		}
		if a.Flow != b.Flow {
			return a.Flow < b.Flow
		}
		if rank(a.Severity) != rank(b.Severity) {
			return rank(a.Severity) > rank(b.Severity)
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Reference+a.Principal+a.Message < b.Reference+b.Principal+b.Message
	})
	if rep.Findings == nil {
		rep.Findings = []document.Finding{}
	}
	if rep.Warnings == nil {
		rep.Warnings = diag.List{}
	}
	return rep, nil
}

// mentionsEnvironment reports whether any document (a flow, a connection,
// a role assignment) is in env.
func mentionsEnvironment(docs []load.Doc, env string) bool {
	for _, d := range docs {
		if m, ok := d.Generic().(map[string]any); ok && m["environment"] == env {
			return true
		}
	}
	return false
}

// liveActions gives a flow known only from documents its actions as facts.
func liveActions(f document.DesktopFlow) []document.AuditAction {
	refs := map[string]bool{}
	for _, r := range f.ConnectionReferences {
		refs[r.LogicalName] = true
	}
	out := []document.AuditAction{}
	for _, a := range f.Actions {
		out = append(out, document.AuditAction{Connector: a.Connector, Operation: a.Operation, Reference: a.Reference, Known: refs[a.Reference]})
	}
	return out
}
