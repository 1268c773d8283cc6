package audit

import (
	"fmt"
	"io"
	"strings"

	"github.com/padlock/padlock/engine/diag"
)

// Text writes a readable report grouped by flow, then the inputs that
// could not be audited and a summary.
type Text struct{}

// Report implements Reporter.
func (Text) Report(w io.Writer, r *Report) error {
	var b strings.Builder
	last := ""
	for f, err := range r.Findings.All() {
		if err != nil {
			return err
		}
		if f.Flow != last {
			if last != "" {
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "%s  (%s)\n", f.FlowName, f.Flow)
			last = f.Flow
		}
		fmt.Fprintf(&b, "  %-7s %s  %s\n", strings.ToUpper(f.Severity), f.Rule, f.Message)
		var about []string
		if f.Reference != "" {
			about = append(about, "reference "+f.Reference)
		}
		if f.Principal != "" {
			about = append(about, "principal "+f.Principal)
		}
		about = append(about, "at "+where(f.Location.File, f.Location.Line, f.Location.Element))
		fmt.Fprintf(&b, "                 %s\n", strings.Join(about, ", "))
	}
	for _, p := range r.Warnings {
		fmt.Fprintf(&b, "\n%s\n", p.String())
	}
	if len(r.Problems) > 0 {
		fmt.Fprintf(&b, "\n%s could not be audited:\n", diag.Count(len(r.Problems), "input"))
		for _, p := range r.Problems {
			fmt.Fprintf(&b, "  %s\n", p.String())
		}
	}
	env := "no environment given (--environment)"
	if r.Environment != "" {
		env = fmt.Sprintf("environment %q", r.Environment)
	}
	fmt.Fprintf(&b, "\n%s, %s, audited for %s: %s, %s, %s\n",
		diag.Count(r.Flows, "desktop flow"), diag.Count(r.CloudFlows, "cloud flow"), env,
		diag.Count(r.Findings.Count("error"), "error"), diag.Count(r.Findings.Count("warning"), "warning"), diag.Count(r.Findings.Count("info"), "note"))
	_, err := io.WriteString(w, b.String())
	return err
}
