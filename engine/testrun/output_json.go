package testrun

import (
	"encoding/json"
	"io"
)

// JSON writes the whole report as one JSON object, for programs.
type JSON struct{}

// Report implements Reporter.
func (JSON) Report(w io.Writer, r *Report) error {
	pass, fail := r.Counts()
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		*Report
		Pass int `json:"pass"`
		Fail int `json:"fail"`
	}{r, pass, fail})
}
