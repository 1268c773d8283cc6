package audit

import (
	"encoding/xml"
	"fmt"
	"io"
)

// JUnit writes one test suite per flow and one test case per audit rule
// that applies to it: a finding is a failure. CI systems show the result.
type JUnit struct{}

type suites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Name     string   `xml:"name,attr"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Suites   []suite  `xml:"testsuite"`
}

type suite struct {
	Name     string     `xml:"name,attr"`
	Tests    int        `xml:"tests,attr"`
	Failures int        `xml:"failures,attr"`
	Cases    []testcase `xml:"testcase"`
}

type testcase struct {
	Name      string   `xml:"name,attr"`
	Classname string   `xml:"classname,attr"`
	Failure   *failure `xml:"failure,omitempty"`
}

type failure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// Report implements Reporter.
func (JUnit) Report(w io.Writer, r *Report) error {
	out := suites{Name: "padlock audit"}
	index := map[string]int{}
	for _, f := range r.Findings {
		i, ok := index[f.Flow]
		if !ok {
			i = len(out.Suites)
			index[f.Flow] = i
			out.Suites = append(out.Suites, suite{Name: fmt.Sprintf("%s (%s)", f.FlowName, f.Flow)})
		}
		s := &out.Suites[i]
		name := f.Rule
		if f.Reference != "" {
			name += " " + f.Reference
		}
		if f.Principal != "" {
			name += " " + f.Principal
		}
		s.Cases = append(s.Cases, testcase{Name: name, Classname: f.Flow, Failure: &failure{
			Message: f.Message, Type: f.Severity, Text: "at " + where(f.Location.File, f.Location.Line, f.Location.Element),
		}})
		s.Tests++
		s.Failures++
		out.Tests++
		out.Failures++
	}
	for _, p := range r.Problems {
		out.Suites = append(out.Suites, suite{Name: "inputs", Tests: 1, Failures: 1, Cases: []testcase{{
			Name: p.File, Classname: "input", Failure: &failure{Message: p.Message, Type: "error", Text: p.String()},
		}}})
		out.Tests++
		out.Failures++
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
