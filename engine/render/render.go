// Package render writes decisions and problems for people (text) and
// programs (JSON). It only formats: it decides nothing.
package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/diag"
)

// Format names an output format.
type Format string

// Formats.
const (
	JSON Format = "json"
	Text Format = "text"
)

// ParseFormat checks a --format flag value.
func ParseFormat(s string) (Format, error) {
	switch Format(s) {
	case JSON, Text:
		return Format(s), nil
	}
	return "", fmt.Errorf("unknown format %q: want json or text", s)
}

// Decision writes one decision.
func Decision(w io.Writer, f Format, d engine.Decision) error {
	if f == JSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(d)
	}
	var b strings.Builder
	verdict := "DENY"
	if d.Allow {
		verdict = "ALLOW"
	}
	fmt.Fprintf(&b, "%s (role: %s)\n", verdict, d.Role)
	for _, r := range d.Reasons {
		ref := ""
		if r.Reference != "" {
			ref = " [" + r.Reference + "]"
		}
		fmt.Fprintf(&b, "  %s%s: %s\n", r.Code, ref, r.Message)
	}
	if len(d.Connections) > 0 {
		b.WriteString("connections:\n")
		for _, c := range d.Connections {
			sel := "none"
			if c.Selected != nil {
				sel = *c.Selected
			}
			fmt.Fprintf(&b, "  %-24s %-36s %-8s selected: %s", c.Reference, c.Connector, c.Source, sel)
			if len(c.Candidates) > 1 {
				fmt.Fprintf(&b, " (candidates: %s)", strings.Join(c.Candidates, ", "))
			}
			b.WriteString("\n")
		}
	}
	if d.Allow {
		fmt.Fprintf(&b, "bring-your-own-connection dialog: %s\n", yesNo(d.BYOCDialog))
	}
	if len(d.Remedies) > 0 {
		b.WriteString("remedies:\n")
		for _, r := range d.Remedies {
			ref := ""
			if r.Reference != "" {
				ref = " [" + r.Reference + "]"
			}
			by := "nobody in these documents"
			if len(r.By) > 0 {
				by = strings.Join(r.By, ", ")
			}
			fmt.Fprintf(&b, "  %s%s: %s\n      by: %s\n", r.Code, ref, r.Change, by)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func yesNo(b bool) string {
	if b {
		return "shown"
	}
	return "not shown"
}

// Problems writes validation problems, one per line in text, or as a JSON
// object {"errors": [...], "warnings": [...]}.
func Problems(w io.Writer, f Format, probs diag.List) error {
	if f == JSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(ProblemsJSON(probs))
	}
	for _, p := range probs {
		if _, err := fmt.Fprintln(w, p.String()); err != nil {
			return err
		}
	}
	return nil
}

// ProblemsJSON is the JSON shape of a problem list.
func ProblemsJSON(probs diag.List) map[string]diag.List {
	errs, warns := probs.Errors(), probs.Warnings()
	if errs == nil {
		errs = diag.List{}
	}
	if warns == nil {
		warns = diag.List{}
	}
	return map[string]diag.List{"errors": errs, "warnings": warns}
}

// Explanation writes a decision with the rules behind its reasons and, when
// requested, OPA's trace.
func Explanation(w io.Writer, f Format, ex engine.Explanation) error {
	if f == JSON {
		// The decision's fields stay at the top level, as without
		// --explain, so that `jq .allow` works either way.
		type why struct {
			Rules map[string][]engine.Rule `json:"rules"`
			Trace string                   `json:"trace,omitempty"`
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			engine.Decision
			Explanation why `json:"explanation"`
		}{ex.Decision, why{ex.Rules, ex.Trace}})
	}
	if err := Decision(w, f, ex.Decision); err != nil {
		return err
	}
	var b strings.Builder
	if len(ex.Decision.Reasons) > 0 {
		b.WriteString("why:\n")
	}
	for _, r := range ex.Decision.Reasons {
		for _, rule := range ex.Rules[r.Code] {
			fmt.Fprintf(&b, "  %s: %s (%s) at %s:%d", r.Code, rule.Rule, rule.Title, rule.File, rule.Line)
			if rule.DomainRule != "" {
				fmt.Fprintf(&b, "; domain.md: %s", rule.DomainRule)
			}
			b.WriteString("\n")
		}
	}
	if ex.Trace != "" {
		b.WriteString("trace:\n")
		b.WriteString(ex.Trace)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WhatIf writes a decision before and after changes, and what changed.
func WhatIf(w io.Writer, f Format, res engine.WhatIf) error {
	if f == JSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	if _, err := io.WriteString(w, "before:\n"); err != nil {
		return err
	}
	if err := Decision(w, f, res.Before); err != nil {
		return err
	}
	if _, err := io.WriteString(w, "after:\n"); err != nil {
		return err
	}
	if err := Decision(w, f, res.After); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("changed:\n")
	if len(res.Changed) == 0 {
		b.WriteString("  nothing\n")
	}
	for _, c := range res.Changed {
		fmt.Fprintf(&b, "  %s\n", c)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
