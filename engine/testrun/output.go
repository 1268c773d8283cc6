package testrun

import (
	"fmt"
	"io"
)

// Reporter writes a Report in one format.
type Reporter interface {
	Report(w io.Writer, r *Report) error
}

// ReporterFor returns the reporter of a --format value.
func ReporterFor(format string, verbose bool) (Reporter, error) {
	switch format {
	case "text", "pretty", "": // "text" as every other command names it; "pretty" as opa test does
		return Pretty{Verbose: verbose}, nil
	case "json":
		return JSON{}, nil
	case "junit":
		return JUnit{}, nil
	}
	return nil, fmt.Errorf("unknown format %q: want text (or pretty), json or junit", format)
}
