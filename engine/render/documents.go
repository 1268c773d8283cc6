package render

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/load"
)

// YAML names the YAML document format (documents only; decisions are JSON
// or text).
const YAML Format = "yaml"

// fileOfKind names the file each kind of document is written to.
var fileOfKind = map[document.Kind]string{
	document.KindDesktopFlow: "flows", document.KindShare: "shares", document.KindTeam: "teams",
	document.KindConnection: "connections", document.KindRoleAssignment: "roleassignments",
}

// WriteDocuments writes documents grouped into one file per kind
// ("flows.yaml", "shares.yaml", ...), files in name order and documents in
// the order given, as a YAML stream or a JSON array: files that `padlock
// validate` reads back as they are. Fields keep their declared order.
// create opens each file; documents are written one at a time, so that
// hundreds of thousands of them never sit in memory twice.
func WriteDocuments(docs []load.Doc, f Format, create func(name string) (io.Writer, error)) error {
	if f != JSON && f != YAML {
		return fmt.Errorf("unknown document format %q: want yaml or json", f)
	}
	kinds := make([]string, len(docs)) // each document's file
	var names []string
	for i, d := range docs {
		name, ok := fileOfKind[kindOf(d)]
		if !ok {
			return fmt.Errorf("%s: no file for kind %q", d.File, kindOf(d))
		}
		kinds[i] = name
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		w, err := create(name + "." + string(f))
		if err != nil {
			return err
		}
		bw := bufio.NewWriter(w)
		if err := writeKind(bw, docs, kinds, name, f); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// kindOf reads a document's kind: from a generated document's Go value
// (no JSON is made for it until it is written), else from its JSON.
func kindOf(d load.Doc) document.Kind {
	if k, _, ok := document.KeyOf(d.GoValue()); ok {
		return k
	}
	var head struct {
		Kind document.Kind `json:"kind"`
	}
	_ = json.Unmarshal(d.Raw(), &head) // not an object: no kind, refused by the caller
	return head.Kind
}

// writeKind writes the documents of one file.
func writeKind(w *bufio.Writer, docs []load.Doc, kinds []string, name string, f Format) error {
	var b bytes.Buffer
	first := true
	if f == JSON {
		w.WriteString("[\n")
	}
	for i, d := range docs {
		if kinds[i] != name {
			continue
		}
		b.Reset()
		switch f {
		case JSON:
			if !first {
				w.WriteString(",\n")
			}
			if err := json.Indent(&b, d.Raw(), "  ", "  "); err != nil {
				return err
			}
			w.WriteString("  ")
		case YAML:
			if !first {
				w.WriteString("---\n")
			}
			if err := jsonToYAML(&b, d.Raw()); err != nil {
				return err
			}
		}
		if _, err := w.Write(b.Bytes()); err != nil {
			return err
		}
		first = false
	}
	if f == JSON {
		w.WriteString("\n]\n")
	}
	return nil
}

// WriteFiles writes the files into dir, creating it, each through a
// temporary file renamed into place, so that a reader never sees half a
// file. Files of dir that are not among them are left alone.
func WriteFiles(dir string, files map[string][]byte) error {
	return WriteDir(dir, func(create func(name string) (io.Writer, error)) error {
		for name, b := range files {
			w, err := create(name)
			if err != nil {
				return err
			}
			if _, err := w.Write(b); err != nil {
				return err
			}
		}
		return nil
	})
}

// WriteDir lets write create files in dir, creating it: each is written to
// a temporary file and renamed into place once write has returned, so
// that a reader never sees half a file and a failed write leaves dir as
// it was. Files of dir that write does not create are left alone.
func WriteDir(dir string, write func(create func(name string) (io.Writer, error)) error) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(dir, ".padlock-write-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var open []*os.File
	defer func() {
		for _, f := range open {
			f.Close()
		}
	}()
	err = write(func(name string) (io.Writer, error) {
		f, err := os.Create(filepath.Join(tmp, name))
		if err != nil {
			return nil, err
		}
		open = append(open, f)
		return f, nil
	})
	if err != nil {
		return err
	}
	for _, f := range open {
		if err := f.Close(); err != nil {
			return err
		}
	}
	for _, f := range open {
		name := filepath.Base(f.Name())
		if err := os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	open = nil
	return nil
}
