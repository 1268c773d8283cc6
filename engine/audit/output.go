package audit

import (
	"fmt"
	"io"
)

// Reporter writes a Report in one format.
type Reporter interface {
	Report(w io.Writer, r *Report) error
}

// ReporterFor returns the reporter of a --format value.
func ReporterFor(format string) (Reporter, error) {
	switch format {
	case "text", "":
		return Text{}, nil
	case "json":
		return JSON{}, nil
	case "sarif":
		return SARIF{}, nil
	case "junit":
		return JUnit{}, nil
	}
	return nil, fmt.Errorf("unknown format %q: want text, json, sarif or junit", format)
}

// where renders a finding's location as file:line (element).
func where(file string, line int, element string) string {
	s := file
	if line > 0 {
		s += fmt.Sprintf(":%d", line)
	}
	if element != "" {
		s += " (" + element + ")"
	}
	return s
}
