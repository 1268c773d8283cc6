package load

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzBytes: no input makes the loader panic, and every document it
// returns knows its file, index and a line inside the input.
func FuzzBytes(f *testing.F) {
	seeds, _ := filepath.Glob("../../fixtures/example/world/*")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(filepath.Ext(s), b)
		}
	}
	for _, s := range []string{`[{"kind":"Team"}]`, "kind: a\n---\nkind: b", "- a\n- b", `{"a":`, "? [a]\n: b", "a: &x [1]\nb: *x", "\xef\xbb\xbf{}"} {
		f.Add(".json", []byte(s))
		f.Add(".yaml", []byte(s))
		f.Add("", []byte(s))
	}
	f.Fuzz(func(t *testing.T, ext string, data []byte) {
		docs, probs := New(Options{MaxFileSize: 1 << 20}).Bytes("fuzz"+ext, data)
		if len(docs) == 0 && len(probs) == 0 {
			t.Fatal("neither documents nor a problem")
		}
		for i, d := range docs {
			if d.Index != i || d.File != "fuzz"+ext || d.Line < 1 {
				t.Fatalf("document %d: bad origin %+v", i, d)
			}
			_ = d.LineOf("/a/0/b")
		}
	})
}
