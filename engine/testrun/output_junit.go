package testrun

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/padlock/padlock/engine/render"
)

// JUnit writes JUnit XML, which CI systems show as test results: one suite
// for the Rego tests and one per fixture table.
type JUnit struct{}

// Report implements Reporter.
func (JUnit) Report(w io.Writer, r *Report) error {
	var out render.JUnitSuites
	for _, x := range r.Rego {
		c := render.JUnitCase{Name: x.Name, Classname: x.Package, Time: fmt.Sprintf("%.6f", x.Duration.Seconds())}
		if !x.Pass {
			c.Failure = &render.JUnitFailure{Message: "Rego test failed", Text: fmt.Sprintf("%s:%d: %s", x.File, x.Line, x.Error)}
		}
		out.Add("rego", c)
	}
	for _, x := range r.Fixtures {
		c := render.JUnitCase{Name: x.Case, Classname: x.Table}
		if !x.Pass {
			in, _ := json.Marshal(x.Input)
			c.Failure = &render.JUnitFailure{Message: "fixture case failed", Text: "input: " + string(in) + "\n" + strings.Join(x.Diff, "\n")}
		}
		out.Add(x.Table, c)
	}
	for _, p := range r.Broken {
		out.Add(p.File, render.JUnitCase{Name: "table", Classname: p.File, Failure: &render.JUnitFailure{Message: "table could not run", Text: p.String()}})
	}
	return out.Write(w)
}
