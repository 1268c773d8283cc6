package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/load"
)

// YAML names the YAML document format (documents only; decisions are JSON
// or text).
const YAML Format = "yaml"

// DocumentFiles groups documents into one file per kind ("flows.yaml",
// "shares.yaml", ...), in the order given, as a YAML stream or a JSON
// array: files that `padlock validate` reads back as they are. Fields keep
// their declared order.
func DocumentFiles(docs []load.Doc, f Format) (map[string][]byte, error) {
	names := map[document.Kind]string{
		document.KindDesktopFlow: "flows", document.KindShare: "shares", document.KindTeam: "teams",
		document.KindConnection: "connections", document.KindRoleAssignment: "roleassignments",
	}
	byKind := map[string][]json.RawMessage{}
	for _, d := range docs {
		m, _ := d.Value.(map[string]any)
		k, _ := m["kind"].(string)
		name, ok := names[document.Kind(k)]
		if !ok {
			return nil, fmt.Errorf("%s: no file for kind %q", d.File, k)
		}
		byKind[name] = append(byKind[name], d.JSON)
	}
	out := map[string][]byte{}
	for name, raws := range byKind {
		var b bytes.Buffer
		switch f {
		case JSON:
			b.WriteString("[\n")
			for i, raw := range raws {
				var ind bytes.Buffer
				if err := json.Indent(&ind, raw, "  ", "  "); err != nil {
					return nil, err
				}
				b.WriteString("  ")
				b.Write(ind.Bytes())
				if i < len(raws)-1 {
					b.WriteString(",")
				}
				b.WriteString("\n")
			}
			b.WriteString("]\n")
			out[name+".json"] = b.Bytes()
		case YAML:
			for i, raw := range raws {
				if i > 0 {
					b.WriteString("---\n")
				}
				if err := jsonToYAML(&b, raw); err != nil {
					return nil, err
				}
			}
			out[name+".yaml"] = b.Bytes()
		default:
			return nil, fmt.Errorf("unknown document format %q: want yaml or json", f)
		}
	}
	return out, nil
}

// WriteFiles writes the files into dir, creating it, each through a
// temporary file renamed into place, so that a reader never sees half a
// file. Files of dir that are not among them are left alone.
func WriteFiles(dir string, files map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(dir, ".padlock-write-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(tmp, name), b, 0o644); err != nil {
			return err
		}
	}
	for name := range files {
		if err := os.Rename(filepath.Join(tmp, name), filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}
