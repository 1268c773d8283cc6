package render

import (
	"encoding/xml"
	"io"
)

// JUnitSuites is a JUnit XML report, the shape CI systems read. Both
// `padlock test` and `padlock audit` write it.
type JUnitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr,omitempty"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []JUnitSuite `xml:"testsuite"`
}

// JUnitSuite is one test suite.
type JUnitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []JUnitCase `xml:"testcase"`
}

// JUnitCase is one test case; a non-nil Failure fails it.
type JUnitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr,omitempty"`
	Failure   *JUnitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

// JUnitFailure says why a case failed.
type JUnitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// Add puts a case into the named suite (created on first use, in order)
// and keeps the counts.
func (s *JUnitSuites) Add(suite string, c JUnitCase) {
	i := len(s.Suites)
	for j := range s.Suites {
		if s.Suites[j].Name == suite {
			i = j
			break
		}
	}
	if i == len(s.Suites) {
		s.Suites = append(s.Suites, JUnitSuite{Name: suite})
	}
	s.Suites[i].Cases = append(s.Suites[i].Cases, c)
	s.Suites[i].Tests++
	s.Tests++
	if c.Failure != nil {
		s.Suites[i].Failures++
		s.Failures++
	}
}

// Write writes the report with its XML header.
func (s *JUnitSuites) Write(w io.Writer) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(s); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
