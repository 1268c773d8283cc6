package testrun

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/padlock/padlock/engine/diag"
)

// Pretty writes failures in full and a summary, for people.
type Pretty struct {
	Verbose bool // also list passing tests
}

// Report implements Reporter.
func (p Pretty) Report(w io.Writer, r *Report) error {
	var b strings.Builder
	for _, prob := range r.Broken {
		fmt.Fprintf(&b, "BROKEN TABLE %s\n", prob.String())
	}
	for _, x := range r.Rego {
		switch {
		case !x.Pass:
			fmt.Fprintf(&b, "FAIL %s:%d: %s.%s\n", x.File, x.Line, x.Package, x.Name)
			if x.Error != "" {
				fmt.Fprintf(&b, "     %s\n", x.Error)
			}
		case p.Verbose:
			fmt.Fprintf(&b, "PASS %s.%s\n", x.Package, x.Name)
		}
	}
	for _, x := range r.Fixtures {
		switch {
		case !x.Pass:
			fmt.Fprintf(&b, "FAIL %s: %s\n", x.Table, x.Case)
			if x.Input != nil {
				in, _ := json.Marshal(x.Input)
				fmt.Fprintf(&b, "     input: %s\n", in)
			}
			for _, d := range x.Diff {
				fmt.Fprintf(&b, "     - %s\n", d)
			}
		case p.Verbose:
			fmt.Fprintf(&b, "PASS %s: %s\n", x.Table, x.Case)
		}
	}
	if r.Coverage != nil {
		b.WriteString("\ncoverage:\n")
		files := make([]string, 0, len(r.Coverage.Files))
		for f := range r.Coverage.Files {
			files = append(files, f)
		}
		sort.Strings(files)
		for _, f := range files {
			fr := r.Coverage.Files[f]
			fmt.Fprintf(&b, "  %6.2f%%  %s", fr.Coverage, f)
			if len(fr.NotCovered) > 0 {
				var ranges []string
				for _, rg := range fr.NotCovered {
					if rg.Start.Row == rg.End.Row {
						ranges = append(ranges, fmt.Sprint(rg.Start.Row))
					} else {
						ranges = append(ranges, fmt.Sprintf("%d-%d", rg.Start.Row, rg.End.Row))
					}
				}
				fmt.Fprintf(&b, "  (not covered: lines %s)", strings.Join(ranges, ", "))
			}
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "  %6.2f%%  total\n", r.Coverage.Coverage)
	}
	pass, fail := r.Counts()
	fmt.Fprintf(&b, "\n%s, %s: PASS %d, FAIL %d\n", diag.Count(len(r.Rego), "Rego test"), diag.Count(len(r.Fixtures), "fixture case"), pass, fail)
	_, err := io.WriteString(w, b.String())
	return err
}
