// Package audit runs padlock's audit rules (policies/padlock/audit) over
// exported desktop flows: it reads the exports (package export), validates
// the flows they yield as DesktopFlow documents together with --docs,
// evaluates data.padlock.audit.findings and sorts the findings. Output
// formats live in their own files behind the Reporter interface.
package audit

import (
	"cmp"
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/export"
	"github.com/padlock/padlock/engine/load"
	"github.com/padlock/padlock/engine/progress"
	"github.com/padlock/padlock/engine/validate"
	"github.com/padlock/padlock/engine/world"
)

// Options say what to audit.
type Options struct {
	// Environment is the one the solution is or will be imported into.
	Environment string
	// Docs are padlock documents (shares, teams, connections, flows with
	// their owners) that say what exports do not.
	Docs []string
	// Progress shows the solutions and flows read and audited on a
	// terminal, with the rate (nil: silent).
	Progress *progress.Meter
	// Jobs is how many inputs are read and flows audited at once (0:
	// GOMAXPROCS); the report is the same for any.
	Jobs int
	// FailOn is the rank (ParseSeverity) of the weakest failing severity.
	FailOn int
	Limits export.Limits
	// Cache, when set, keeps what solution zips yield, for the next audit
	// of the same zips (export.Cache).
	Cache *export.Cache
}

// Report is the outcome of an audit.
type Report struct {
	Findings *Findings `json:"findings"`
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
func (r *Report) AtLeast(min int) int { return r.Findings.AtLeast(min) }

// Run audits the inputs with the engine's policies. Inputs are streamed:
// each desktop flow is parsed, validated and audited on its own (the
// rules of data.padlock.audit, once per flow, with the flow as input and
// who holds which role in data.world), on Options.Jobs goroutines, and
// only its findings and, if a cloud flow could not start it, its name and
// blockers are kept; the cloud flows are audited last, over that index
// (data.padlock.audit.cloud). The report is the same for any Jobs.
func Run(ctx context.Context, eng *engine.Engine, inputs []string, o Options) (*Report, error) {
	defer o.Progress.Done()
	// The status line reads: solutions read (and of those, with --cache,
	// read from the cache), flows read, flows audited, and the rate of the
	// last.
	quantities := []string{"solutions read"}
	if o.Cache != nil {
		quantities = append(quantities, "solutions from cache")
	}
	o.Progress.Track(append(quantities, "desktop flows read", "desktop flows audited")...)
	pq, err := eng.Prepare(ctx, flowQuery)
	if err != nil {
		return nil, err
	}
	a := &auditor{ctx: ctx, eng: eng, opts: o, query: pq, seen: map[string]seenFlow{}, blocked: map[string]document.AuditBlocked{}, invalid: true}
	rep := &Report{Rules: eng.AuditRules(), Environment: o.Environment, FailOn: o.FailOn, Warnings: diag.List{}}
	var docs []load.Doc
	var docProbs diag.List
	if len(o.Docs) > 0 {
		more, probs := eng.Sources().Paths(ctx, o.Docs...)
		// Warnings (a dump's rows that could not be mapped) are doubts, not
		// inputs that could not be audited.
		docs, docProbs, rep.Warnings = more, probs.Errors(), append(rep.Warnings, probs.Warnings()...)
		if len(more) > 0 && !mentionsEnvironment(more, o.Environment) {
			rep.Warnings = append(rep.Warnings, diag.Problem{Severity: diag.Warning, Document: -1,
				Message: fmt.Sprintf("environment %q matches none of the documents given with --docs (no flow, connection or role assignment is in it): is --environment right?", o.Environment)})
		}
	}
	res := export.Read(inputs, export.Options{
		Environment: o.Environment, Limits: o.Limits, Progress: o.Progress, Jobs: o.Jobs, Cache: o.Cache,
		Before: func(found *export.Result) {
			docProbs = append(docProbs, a.setWorld(append(docs, found.Documents...))...)
			docs = nil // the world has them now
		},
		Flow: a.flow,
	})
	if a.err != nil {
		return nil, a.err
	}
	rep.CloudFlows, rep.CloudFlowRuns = len(res.CloudFlows), res.CloudFlows
	rep.Warnings = append(rep.Warnings, res.Warnings...)
	rep.Problems = append(append(res.Problems, docProbs...), a.flowProblems()...)
	if len(a.dups) > 0 { // two flows with one id: the world is not consistent
		rep.Problems, a.invalid = append(rep.Problems, a.duplicates()...), true
	}
	// A share is checked against every flow once all are known.
	for _, share := range a.pending {
		if _, ok := a.seen[share.Value.(document.Share).Flow]; !ok {
			rep.Problems, a.invalid = append(rep.Problems, validate.UnknownFlow(share)), true
		}
	}
	if !a.invalid {
		// Flows known only from documents are audited with the actions
		// their documents give.
		for _, id := range a.givenIDs {
			if _, ok := a.seen[id]; !ok {
				origin := a.given[id]
				a.audit(id, origin.doc, document.AuditFlow{ID: id, Name: origin.doc.Name, Location: document.Location{File: origin.source.File, Line: origin.source.Line, Element: fmt.Sprintf("document %d", origin.source.Index)},
					RequiredBinaries: []string{}, MissingBinaries: []string{}, Actions: liveActions(origin.doc), Credentials: []document.AuditCredential{}})
			}
		}
		if err := a.auditCloudFlows(res.CloudFlows); err != nil {
			return nil, err
		}
	}
	if a.err != nil {
		return nil, a.err
	}
	rep.Flows = a.audited
	rep.Findings = &a.findings
	if a.invalid { // invalid documents: no rule's finding stands
		rep.Findings = &Findings{}
	}
	rep.Findings.seal()
	if rep.Problems == nil {
		rep.Problems = diag.List{}
	}
	return rep, nil
}

// flowQuery asks the rules of one flow for its findings and for what
// keeps a cloud flow from starting it.
const flowQuery = "findings := data.padlock.audit.findings; blockers := data.padlock.audit.blockers"

// CloudFindingsPath is the cloud flow rules' findings in the Data API's terms.
const CloudFindingsPath = "padlock/audit/cloud/findings"

// auditor is one audit run's state; flow is called concurrently.
type auditor struct {
	ctx   context.Context
	eng   *engine.Engine
	opts  Options
	query rego.PreparedEvalQuery

	// Set before the first flow (export.Options.Before), then read-only.
	invalid  bool // the documents are invalid: no rule runs
	given    map[string]givenFlow
	givenIDs []string
	pending  []validate.Typed // shares of flows the documents lack

	mu       sync.Mutex
	seen     map[string]seenFlow // exported flow id → where first read
	dups     []duplicate
	problems []orderedProblems
	findings Findings
	blocked  map[string]document.AuditBlocked
	audited  int
	err      error
}

// givenFlow is a flow the documents define: it stands in for the
// exported document of the same id, whose facts remain.
type givenFlow struct {
	doc    document.DesktopFlow
	source load.Doc
}

// seenFlow is where an exported flow was read: only its name, not the
// document (a Doc holds the flow's Go value), for tens of thousands.
type seenFlow struct {
	order export.Order
	// The flow's source is file#element: kept apart, the file's string is
	// the one all the flows of an export share.
	file, element string
}

func (f seenFlow) source() string { return f.file + "#" + f.element }

type duplicate struct {
	id   string
	flow seenFlow
}

type orderedProblems struct {
	order export.Order
	probs diag.List
}

// setWorld validates the documents (--docs and those among the inputs)
// and makes them the world the rules read.
func (a *auditor) setWorld(docs []load.Doc) diag.List {
	typed, probs := a.eng.Validator().Documents(docs)
	probs = probs.Errors()
	if len(probs) > 0 {
		return probs
	}
	w, pending, more := validate.OpenWorld(typed)
	if more.HasErrors() {
		return append(probs, more.Errors()...)
	}
	if err := a.eng.SetWorld(a.ctx, w); err != nil {
		a.err = err
		return probs
	}
	a.given = map[string]givenFlow{}
	for _, t := range pending { // a share's flow and where its /flow is (validate.UnknownFlow): not the share
		a.pending = append(a.pending, validate.Typed{Kind: t.Kind, Source: t.Source.Pinned("/flow"), Value: document.Share{Flow: t.Value.(document.Share).Flow}})
	}
	for _, t := range typed {
		if f, ok := t.Value.(document.DesktopFlow); ok {
			a.given[f.ID] = givenFlow{doc: f, source: t.Source.Where()}
			a.givenIDs = append(a.givenIDs, f.ID)
		}
	}
	a.invalid = false
	return probs
}

// flow validates and audits one exported flow.
func (a *auditor) flow(f export.Flow) {
	id := f.Doc.ID
	here := seenFlow{order: f.Order, file: f.Facts.Location.File, element: f.Facts.Location.Element}
	src := load.Generated(here.source(), f.Doc)
	var probs diag.List
	// Which of two flows with one id is the duplicate must not depend on
	// which goroutine came first: the first in input order keeps the id.
	a.mu.Lock()
	if first, dup := a.seen[id]; dup {
		later := here
		if f.Order.Less(first.order) {
			a.seen[id], later = later, first
		}
		a.dups = append(a.dups, duplicate{id: id, flow: later})
	} else {
		a.seen[id] = here
	}
	a.mu.Unlock()
	doc := f.Doc
	if g, ok := a.given[id]; ok {
		doc = g.doc
	} else {
		t, ps := a.eng.Validator().Document(src)
		probs = ps.Errors()
		if len(probs) == 0 {
			probs = append(probs, validate.FlowProblems(t).Errors()...)
			doc = t.Value.(document.DesktopFlow)
		}
	}
	if len(probs) > 0 {
		a.mu.Lock()
		a.problems = append(a.problems, orderedProblems{order: f.Order, probs: probs})
		a.mu.Unlock()
		return
	}
	if !a.invalid {
		a.audit(id, doc, f.Facts)
	}
}

// audit evaluates the rules of one flow and keeps what they found.
func (a *auditor) audit(id string, doc document.DesktopFlow, facts document.AuditFlow) {
	findings, blockers, err := a.evalFlow(doc, facts)
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil {
		if a.err == nil {
			a.err = fmt.Errorf("audit flow %s: %w", id, err)
		}
		return
	}
	for _, f := range findings {
		if err := a.findings.add(f); err != nil && a.err == nil {
			a.err = err
		}
	}
	if len(blockers) > 0 {
		a.blocked[id] = document.AuditBlocked{Name: doc.Name, FlowName: facts.Name, Blockers: blockers}
	}
	a.audited++
	a.opts.Progress.Add("desktop flows audited", 1)
}

func (a *auditor) evalFlow(doc document.DesktopFlow, facts document.AuditFlow, opts ...rego.EvalOption) ([]document.Finding, []string, error) {
	flow, err := ast.InterfaceToValue(world.FlowData(doc))
	if err != nil {
		return nil, nil, err
	}
	input := ast.NewObject(
		ast.Item(ast.InternedTerm("environment"), ast.StringTerm(a.opts.Environment)),
		ast.Item(ast.InternedTerm("flow"), ast.NewTerm(flow)),
		ast.Item(ast.InternedTerm("facts"), ast.NewTerm(factsValue(facts))),
	)
	rs, err := a.query.Eval(a.ctx, append(opts, rego.EvalParsedInput(input))...)
	if err != nil {
		return nil, nil, err
	}
	if len(rs) != 1 {
		return nil, nil, fmt.Errorf("the policies define no audit findings (data.padlock.audit.findings and blockers)")
	}
	findings, err := findingsOf(rs[0].Bindings["findings"])
	if err != nil {
		return nil, nil, err
	}
	// A blocker the audit cannot read would drop a cloud flow's finding
	// unseen: it is an error, as a malformed finding is.
	list, ok := rs[0].Bindings["blockers"].([]any)
	if !ok {
		return nil, nil, fmt.Errorf("audit blockers are a %T, not a set", rs[0].Bindings["blockers"])
	}
	blockers := make([]string, 0, len(list))
	for _, b := range list {
		s, ok := b.(string)
		if !ok {
			return nil, nil, fmt.Errorf("an audit blocker is a %T, not a string", b)
		}
		blockers = append(blockers, s)
	}
	return findings, blockers, nil
}

// auditCloudFlows evaluates the cloud flow rules once, over the index of
// the desktop flows they cannot start.
func (a *auditor) auditCloudFlows(cloud []document.AuditCloudFlow) error {
	if len(cloud) == 0 {
		return nil
	}
	// Once per audit: generic values are fine (EvalPath takes Go values).
	result, defined, err := a.eng.EvalPath(a.ctx, CloudFindingsPath, cloudInput(cloud, a.blocked))
	if err != nil {
		return fmt.Errorf("evaluate %s: %w", CloudFindingsPath, err)
	}
	if !defined {
		return fmt.Errorf("evaluate %s: the policies define no cloud flow findings", CloudFindingsPath)
	}
	findings, err := findingsOf(result)
	if err != nil {
		return err
	}
	for _, f := range findings {
		if err := a.findings.add(f); err != nil {
			return err
		}
	}
	return nil
}

// duplicates are the errors of flows whose id an earlier one (in input
// order) has.
func (a *auditor) duplicates() diag.List {
	sort.Slice(a.dups, func(i, j int) bool { return a.dups[i].flow.order.Less(a.dups[j].flow.order) })
	var out diag.List
	for _, d := range a.dups {
		flow := func(f seenFlow) validate.Typed {
			return validate.Typed{Kind: document.KindDesktopFlow, Source: load.Generated(f.source(), nil)}
		}
		out = append(out, validate.Duplicate(flow(d.flow), flow(a.seen[d.id]), "/id", d.id))
	}
	return out
}

// flowProblems are the flows' problems in input order.
func (a *auditor) flowProblems() diag.List {
	sort.Slice(a.problems, func(i, j int) bool { return a.problems[i].order.Less(a.problems[j].order) })
	var out diag.List
	for _, p := range a.problems {
		out = append(out, p.probs...)
	}
	return out
}

// reportOrder orders findings by flow name, flow, severity (strongest
// first), rule and what they are about: a total order, so that the
// report is the same whichever goroutine audited what.
func reportOrder(a, b document.Finding) int {
	if c := cmp.Compare(a.FlowName, b.FlowName); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Flow, b.Flow); c != 0 {
		return c
	}
	if c := cmp.Compare(rank(b.Severity), rank(a.Severity)); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Rule, b.Rule); c != 0 {
		return c
	}
	// What the finding is about, then where, each compared as one string
	// (reference, principal and message joined; file and element).
	if c := compareJoined([]string{a.Reference, a.Principal, a.Message}, []string{b.Reference, b.Principal, b.Message}); c != 0 {
		return c
	}
	return compareJoined([]string{a.Location.File, a.Location.Element}, []string{b.Location.File, b.Location.Element})
}

// compareJoined compares strings.Join(a, "") with strings.Join(b, "")
// without joining them: the merge of a tenant's findings compares often.
func compareJoined(a, b []string) int {
	i, j := 0, 0 // byte offsets into a[0] and b[0]
	for {
		for len(a) > 0 && i == len(a[0]) {
			a, i = a[1:], 0
		}
		for len(b) > 0 && j == len(b[0]) {
			b, j = b[1:], 0
		}
		switch {
		case len(a) == 0 && len(b) == 0:
			return 0
		case len(a) == 0:
			return -1
		case len(b) == 0:
			return 1
		}
		n := min(len(a[0])-i, len(b[0])-j)
		if c := strings.Compare(a[0][i:i+n], b[0][j:j+n]); c != 0 {
			return c
		}
		i, j = i+n, j+n
	}
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
		out = append(out, document.AuditAction{Connector: a.Connector, Operation: a.Operation, Reference: a.Reference, Known: refs[a.Reference], Lines: []int{0}})
	}
	return out
}
