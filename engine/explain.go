package engine

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/open-policy-agent/opa/v1/topdown/lineage"

	"github.com/padlock/padlock/engine/document"
)

// Rule describes the Rego rule that produces a reason code, from the
// rule's # METADATA (custom.code).
type Rule struct {
	Code       string `json:"code"`
	Package    string `json:"package"`
	Rule       string `json:"rule"`
	Title      string `json:"title"`
	DomainRule string `json:"domainRule,omitempty"`
	File       string `json:"file"`
	Line       int    `json:"line"`
}

// Rules maps every reason code to the rules that produce it.
func (e *Engine) Rules() map[string][]Rule {
	out := map[string][]Rule{}
	for _, ref := range e.compiler.GetAnnotationSet().Flatten() {
		a := ref.Annotations
		if a == nil || a.Scope != "rule" {
			continue
		}
		code, _ := a.Custom["code"].(string)
		if code == "" {
			continue
		}
		r := Rule{Code: code, Title: a.Title, Rule: ref.Path.String()}
		if dr, ok := a.Custom["domain_rule"]; ok {
			r.DomainRule = fmt.Sprint(dr)
		}
		if len(ref.Path) > 1 {
			r.Package = ref.Path[:len(ref.Path)-1].String()
		}
		if loc := ref.Location; loc != nil {
			r.File, r.Line = loc.File, loc.Row
		}
		out[code] = append(out[code], r)
	}
	for _, rs := range out {
		sort.Slice(rs, func(i, j int) bool { return rs[i].File+fmt.Sprint(rs[i].Line) < rs[j].File+fmt.Sprint(rs[j].Line) })
	}
	return out
}

// TraceMode selects how much of OPA's trace an explanation shows.
type TraceMode string

// Trace modes, as in `opa eval --explain`.
const (
	TraceNone  TraceMode = ""
	TraceNotes TraceMode = "notes"
	TraceFails TraceMode = "fails"
	TraceFull  TraceMode = "full"
)

// Explanation is a decision with the rules behind its reasons and,
// on request, OPA's trace.
type Explanation struct {
	Decision Decision          `json:"decision"`
	Rules    map[string][]Rule `json:"rules"`
	Trace    string            `json:"trace,omitempty"`
}

// Explain evaluates a query (never from the cache) and says why.
func (e *Engine) Explain(ctx context.Context, q document.Query, mode TraceMode) (Explanation, error) {
	var filter func([]*topdown.Event) []*topdown.Event
	switch mode {
	case TraceNone:
	case TraceNotes:
		filter = lineage.Notes
	case TraceFails:
		filter = lineage.Fails
	case TraceFull:
		filter = lineage.Full
	default:
		return Explanation{}, fmt.Errorf("unknown trace mode %q: want notes, fails or full", mode)
	}
	tracer := topdown.NewBufferTracer()
	d := e.DecideTraced(ctx, q, tracer)
	all := e.Rules()
	ex := Explanation{Decision: d, Rules: map[string][]Rule{}}
	for _, r := range d.Reasons {
		ex.Rules[r.Code] = all[r.Code]
	}
	if filter != nil {
		var buf bytes.Buffer
		topdown.PrettyTraceWithOpts(&buf, filter(*tracer), topdown.PrettyTraceOptions{Locations: true, ExprVariables: mode != TraceFull})
		ex.Trace = buf.String()
	}
	return ex, nil
}

// AuditRule is an audit rule's catalogue entry, from its # METADATA.
type AuditRule struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Severity    string `json:"severity"`
	DomainRule  string `json:"domainRule,omitempty"`
	File        string `json:"file"`
	Line        int    `json:"line"`
}

// AuditRules lists the audit rules (annotations with custom.id), by id.
func (e *Engine) AuditRules() []AuditRule {
	var out []AuditRule
	for _, ref := range e.compiler.GetAnnotationSet().Flatten() {
		a := ref.Annotations
		if a == nil || a.Scope != "rule" {
			continue
		}
		id, _ := a.Custom["id"].(string)
		if id == "" {
			continue
		}
		r := AuditRule{ID: id, Title: a.Title, Description: strings.TrimSpace(a.Description)}
		r.Severity, _ = a.Custom["severity"].(string)
		if dr, ok := a.Custom["domain_rule"]; ok {
			r.DomainRule = fmt.Sprint(dr)
		}
		if loc := ref.Location; loc != nil {
			r.File, r.Line = loc.File, loc.Row
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
