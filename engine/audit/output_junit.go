package audit

import (
	"fmt"
	"io"

	"github.com/padlock/padlock/engine/render"
)

// JUnit writes one test suite per flow with a case per finding, failing
// for findings at or above --fail-on (as the exit code does), and a failing
// case per input that could not be audited: CI systems show them.
type JUnit struct{}

// Report implements Reporter.
func (JUnit) Report(w io.Writer, r *Report) error {
	out := render.JUnitSuites{Name: "padlock audit"}
	for f, err := range r.Findings.All() {
		if err != nil {
			return err
		}
		name := f.Rule
		if f.Reference != "" {
			name += " " + f.Reference
		}
		if f.Principal != "" {
			name += " " + f.Principal
		}
		at := "at " + where(f.Location.File, f.Location.Line, f.Location.Element)
		c := render.JUnitCase{Name: name, Classname: f.Flow}
		if rank(f.Severity) >= r.FailOn {
			c.Failure = &render.JUnitFailure{Message: f.Message, Type: f.Severity, Text: at}
		} else { // below --fail-on: reported, but it does not fail the build
			c.SystemOut = f.Severity + ": " + f.Message + " " + at
		}
		out.Add(fmt.Sprintf("%s (%s)", f.FlowName, f.Flow), c)
	}
	for _, p := range r.Problems {
		out.Add("inputs", render.JUnitCase{Name: p.File, Classname: "input", Failure: &render.JUnitFailure{Message: p.Message, Type: "error", Text: p.String()}})
	}
	return out.Write(w)
}
