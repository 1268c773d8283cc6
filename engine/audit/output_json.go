package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
)

// JSON writes the whole report, for programs: what encoding/json's
// indenting encoder writes, but with the findings written one at a time,
// so that the report of a tenant's 50,000 findings is never one buffer
// (nor that buffer's doublings) in memory.
type JSON struct{}

// Report implements Reporter.
func (JSON) Report(w io.Writer, r *Report) error {
	rest := *r
	rest.Findings = &Findings{}
	var head bytes.Buffer
	enc := json.NewEncoder(&head)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&rest); err != nil {
		return err
	}
	const empty = `"findings": []`
	i := bytes.Index(head.Bytes(), []byte(empty))
	if r.Findings.Len() == 0 || i < 0 {
		_, err := w.Write(head.Bytes())
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(head.Bytes()[:i])
	bw.WriteString(`"findings": [`)
	var compact, indented bytes.Buffer
	k := 0
	for f, err := range r.Findings.All() {
		if err != nil {
			return err
		}
		compact.Reset()
		indented.Reset()
		if err := json.NewEncoder(&compact).Encode(f); err != nil {
			return err
		}
		if err := json.Indent(&indented, bytes.TrimSuffix(compact.Bytes(), []byte("\n")), "    ", "  "); err != nil {
			return err
		}
		if k > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n    ")
		bw.Write(indented.Bytes())
		k++
	}
	bw.WriteString("\n  ]")
	bw.Write(head.Bytes()[i+len(empty):])
	return bw.Flush()
}
