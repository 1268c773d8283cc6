package load

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/padlock/padlock/engine/diag"
)

func TestBytes(t *testing.T) {
	tests := []struct {
		name, file, data string
		wantDocs         int
		wantLines        []int
		wantErr          string
		wantErrLine      int
	}{
		{name: "one JSON document", file: "a.json", data: `{"kind":"Team"}`, wantDocs: 1, wantLines: []int{1}},
		{name: "JSON array", file: "a.json", data: "[\n  {\"kind\":\"Team\"},\n\n  {\"kind\":\"Share\"}\n]", wantDocs: 2, wantLines: []int{2, 4}},
		{name: "YAML stream", file: "a.yaml", data: "kind: Team\n---\n# note\nkind: Share\n", wantDocs: 2, wantLines: []int{1, 4}},
		{name: "YAML sequence", file: "a.yml", data: "- kind: Team\n- kind: Share\n", wantDocs: 2, wantLines: []int{1, 2}},
		{name: "YAML stream with empty documents", file: "a.yaml", data: "---\nkind: Team\n---\n---\n", wantDocs: 1},
		{name: "sniffed JSON", file: "-", data: ` [{"kind":"Team"}]`, wantDocs: 1},
		{name: "sniffed YAML", file: "-", data: "kind: Team", wantDocs: 1},
		{name: "empty", file: "a.json", data: " \n", wantErr: "file is empty"},
		{name: "only comments", file: "a.yaml", data: "# nothing\n", wantErr: "no documents"},
		{name: "truncated JSON", file: "a.json", data: "{\n\"kind\": \"Team\",\n", wantErr: "unexpected end of JSON input", wantErrLine: 3},
		{name: "JSON syntax error", file: "a.json", data: "[\n{\"kind\": \"Team\"},\n{kind}\n]", wantErr: "invalid JSON at line 3"},
		{name: "two JSON values", file: "a.json", data: `{"a":1} {"b":2}`, wantErr: "unexpected data after"},
		{name: "YAML syntax error", file: "a.yaml", data: "kind: Team\n  id: x\n", wantErr: "invalid YAML", wantErrLine: 2},
		{name: "YAML duplicate key", file: "a.yaml", data: "kind: Team\nkind: Share\n", wantErr: "duplicate key", wantErrLine: 2},
		{name: "YAML non-string key", file: "a.yaml", data: "? [a]\n: b\n", wantErr: "mapping key must be a string"},
		{name: "YAML alias bomb", file: "a.yaml", data: bomb(), wantErr: "aliases expand to more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, probs := New(Options{}).Bytes(tt.file, []byte(tt.data))
			if tt.wantErr != "" {
				if len(probs) != 1 || !strings.Contains(probs[0].Message, tt.wantErr) {
					t.Fatalf("want one problem containing %q, got %v", tt.wantErr, probs)
				}
				if tt.wantErrLine != 0 && probs[0].Line != tt.wantErrLine {
					t.Errorf("want line %d, got %d", tt.wantErrLine, probs[0].Line)
				}
				if probs[0].File != tt.file {
					t.Errorf("problem names file %q, want %q", probs[0].File, tt.file)
				}
				return
			}
			if len(probs) > 0 {
				t.Fatalf("unexpected problems: %v", probs)
			}
			if len(docs) != tt.wantDocs {
				t.Fatalf("want %d documents, got %d", tt.wantDocs, len(docs))
			}
			for i, l := range tt.wantLines {
				if docs[i].Line != l || docs[i].Index != i {
					t.Errorf("document %d: want line %d, got index %d line %d", i, l, docs[i].Index, docs[i].Line)
				}
			}
		})
	}
}

func bomb() string {
	var b strings.Builder
	b.WriteString("a: &a [x, x, x, x, x, x, x, x, x, x]\n")
	prev := "a"
	for i := 0; i < 6; i++ {
		name := string(rune('b' + i))
		b.WriteString(name + ": &" + name + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*" + prev)
		}
		b.WriteString("]\n")
		prev = name
	}
	return b.String()
}

// TestLineOf: a problem at a JSON pointer names the line of that value.
func TestLineOf(t *testing.T) {
	jsonData := "[\n {\"kind\": \"Team\"},\n {\n  \"kind\": \"DesktopFlow\",\n  \"refs\": [\n   {\"a\": 1},\n   {\"a/b\": 2,\n    \"c\": [true]}\n  ]\n }\n]\n"
	yamlData := "kind: Team\n---\nkind: DesktopFlow\nrefs:\n  - a: 1\n  - a/b: 2\n    c:\n      - true\n"
	tests := []struct {
		name, file, data, ptr string
		want                  int
	}{
		{"json document", "a.json", jsonData, "", 3},
		{"json field", "a.json", jsonData, "/kind", 4},
		{"json array item", "a.json", jsonData, "/refs/1", 7},
		{"json escaped key", "a.json", jsonData, "/refs/1/c/0", 8},
		{"json escaped slash", "a.json", jsonData, "/refs/1/a~1b", 7},
		{"json missing falls back", "a.json", jsonData, "/nope", 3},
		{"yaml document", "a.yaml", yamlData, "", 3},
		{"yaml nested", "a.yaml", yamlData, "/refs/1/c/0", 8},
		{"yaml escaped slash", "a.yaml", yamlData, "/refs/1/a~1b", 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, probs := New(Options{}).Bytes(tt.file, []byte(tt.data))
			if len(probs) > 0 {
				t.Fatal(probs)
			}
			if got := docs[1].LineOf(tt.ptr); got != tt.want {
				t.Errorf("LineOf(%q) = %d, want %d", tt.ptr, got, tt.want)
			}
			// Pinned keeps that line, and only where the document is.
			pinned := docs[1].Pinned(tt.ptr)
			if got := pinned.Problem(diag.Error, tt.ptr, "x").Line; got != tt.want || pinned.Value != nil || pinned.JSON != nil {
				t.Errorf("Pinned(%q): a problem at line %d (want %d), value kept: %v", tt.ptr, got, tt.want, pinned.Value != nil || pinned.JSON != nil)
			}
		})
	}
}

func TestPaths(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("b.yaml", "kind: Team\n")
	write("sub/a.json", `[{"kind":"Team"},{"kind":"Share"}]`)
	write("sub/notes.txt", "ignored")
	write(".hidden/c.yaml", "kind: Team\n")
	write("bad.json", "{")
	write("big.json", `{"kind":"`+strings.Repeat("x", 200)+`"}`)

	docs, probs := New(Options{MaxFileSize: 100}).Paths(dir, filepath.Join(dir, "missing.yaml"))
	if len(docs) != 3 {
		t.Errorf("want 3 documents from b.yaml and sub/a.json, got %d", len(docs))
	}
	var msgs []string
	for _, p := range probs {
		msgs = append(msgs, filepath.Base(p.File)+": "+p.Message)
	}
	got := strings.Join(msgs, "\n")
	for _, want := range []string{"bad.json: invalid JSON", "big.json: file is larger than the 100-byte limit", "missing.yaml: no such file"} {
		if !strings.Contains(got, want) {
			t.Errorf("want a problem %q, got:\n%s", want, got)
		}
	}
}

// TestFilesOfASymlinkedFolder: --docs may name a symlink to a folder (one
// flipped from version to version); its files are read, and its hidden
// subfolders (Kubernetes' ..data) are not read twice.
func TestFilesOfASymlinkedFolder(t *testing.T) {
	root := t.TempDir()
	v1 := filepath.Join(root, "v1")
	if err := os.MkdirAll(filepath.Join(v1, "..2026_data"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"flows.yaml", "..2026_data/flows.yaml"} {
		if err := os.WriteFile(filepath.Join(v1, f), []byte("kind: Team\nid: team:t\nmembers: []\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	live := filepath.Join(root, "live")
	if err := os.Symlink(v1, live); err != nil {
		t.Fatal(err)
	}
	files, err := Files(live)
	if err != nil || len(files) != 1 || files[0] != filepath.Join(live, "flows.yaml") {
		t.Fatalf("files %v, %v: want live/flows.yaml", files, err)
	}
}
