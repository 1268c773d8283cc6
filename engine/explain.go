package engine

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
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

// ruleMeta is a rule whose # METADATA carries a custom key: reason rules
// carry "code", audit rules "id".
type ruleMeta struct {
	value      string // the custom key's value
	ref        *ast.AnnotationsRef
	domainRule string
	file       string
	line       int
}

// annotatedRules lists the rules whose metadata has custom[key], in file
// and line order.
func (e *Engine) annotatedRules(key string) []ruleMeta {
	var out []ruleMeta
	for _, ref := range e.compiler.GetAnnotationSet().Flatten() {
		a := ref.Annotations
		if a == nil || a.Scope != "rule" {
			continue
		}
		v, _ := a.Custom[key].(string)
		if v == "" {
			continue
		}
		m := ruleMeta{value: v, ref: ref}
		if dr, ok := a.Custom["domain_rule"]; ok {
			m.domainRule = fmt.Sprint(dr)
		}
		if loc := ref.Location; loc != nil {
			m.file, m.line = loc.File, loc.Row
		}
		out = append(out, m)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].file != out[j].file {
			return out[i].file < out[j].file
		}
		return out[i].line < out[j].line
	})
	return out
}

// Rules maps every reason code to the rules that produce it.
func (e *Engine) Rules() map[string][]Rule {
	out := map[string][]Rule{}
	for _, m := range e.annotatedRules("code") {
		r := Rule{Code: m.value, Title: m.ref.Annotations.Title, Rule: m.ref.Path.String(), DomainRule: m.domainRule, File: m.file, Line: m.line}
		if len(m.ref.Path) > 1 {
			r.Package = m.ref.Path[:len(m.ref.Path)-1].String()
		}
		out[m.value] = append(out[m.value], r)
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
	for _, m := range e.annotatedRules("id") {
		a := m.ref.Annotations
		r := AuditRule{ID: m.value, Title: a.Title, Description: strings.TrimSpace(a.Description), DomainRule: m.domainRule, File: m.file, Line: m.line}
		r.Severity, _ = a.Custom["severity"].(string)
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
