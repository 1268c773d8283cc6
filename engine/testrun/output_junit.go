package testrun

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// JUnit writes JUnit XML, which CI systems show as test results: one suite
// for the Rego tests and one per fixture table.
type JUnit struct{}

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Tests   int          `xml:"tests,attr"`
	Fails   int          `xml:"failures,attr"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name  string      `xml:"name,attr"`
	Tests int         `xml:"tests,attr"`
	Fails int         `xml:"failures,attr"`
	Cases []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr,omitempty"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// Report implements Reporter.
func (JUnit) Report(w io.Writer, r *Report) error {
	out := junitSuites{}
	suites := map[string]*junitSuite{}
	var order []string
	add := func(suite string, c junitCase) {
		s, ok := suites[suite]
		if !ok {
			s = &junitSuite{Name: suite}
			suites[suite] = s
			order = append(order, suite)
		}
		s.Tests++
		out.Tests++
		if c.Failure != nil {
			s.Fails++
			out.Fails++
		}
		s.Cases = append(s.Cases, c)
	}
	for _, x := range r.Rego {
		c := junitCase{Name: x.Name, Classname: x.Package, Time: fmt.Sprintf("%.6f", x.Duration.Seconds())}
		if !x.Pass {
			c.Failure = &junitFailure{Message: "Rego test failed", Text: fmt.Sprintf("%s:%d: %s", x.File, x.Line, x.Error)}
		}
		add("rego", c)
	}
	for _, x := range r.Fixtures {
		c := junitCase{Name: x.Case, Classname: x.Table}
		if !x.Pass {
			in, _ := json.Marshal(x.Input)
			c.Failure = &junitFailure{Message: "fixture case failed", Text: "input: " + string(in) + "\n" + strings.Join(x.Diff, "\n")}
		}
		add(x.Table, c)
	}
	for _, p := range r.Broken {
		add(p.File, junitCase{Name: "table", Classname: p.File, Failure: &junitFailure{Message: "table could not run", Text: p.String()}})
	}
	for _, name := range order {
		out.Suites = append(out.Suites, *suites[name])
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
