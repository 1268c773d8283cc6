package audit

import (
	"fmt"
	"io"

	"github.com/padlock/padlock/engine/render"
)

// JUnit writes one test suite per flow with a failing case per finding,
// and one per input that could not be audited: CI systems show them.
type JUnit struct{}

// Report implements Reporter.
func (JUnit) Report(w io.Writer, r *Report) error {
	out := render.JUnitSuites{Name: "padlock audit"}
	for _, f := range r.Findings {
		name := f.Rule
		if f.Reference != "" {
			name += " " + f.Reference
		}
		if f.Principal != "" {
			name += " " + f.Principal
		}
		out.Add(fmt.Sprintf("%s (%s)", f.FlowName, f.Flow), render.JUnitCase{Name: name, Classname: f.Flow, Failure: &render.JUnitFailure{
			Message: f.Message, Type: f.Severity, Text: "at " + where(f.Location.File, f.Location.Line, f.Location.Element),
		}})
	}
	for _, p := range r.Problems {
		out.Add("inputs", render.JUnitCase{Name: p.File, Classname: "input", Failure: &render.JUnitFailure{Message: p.Message, Type: "error", Text: p.String()}})
	}
	return out.Write(w)
}
