package audit

import (
	"encoding/json"
	"io"
)

// JSON writes the whole report, for programs.
type JSON struct{}

// Report implements Reporter.
func (JSON) Report(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
