package engine

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// TestAppendJSONDecodesAsOPAsGoForm checks that the lists' encoder of OPA
// values reads back as encoding/json's encoding of the value's Go form,
// which is what the lists decoded before.
func TestAppendJSONDecodesAsOPAsGoForm(t *testing.T) {
	for _, src := range []string{
		`null`, `true`, `false`, `0`, `-1.5e3`, `12345678901234567890`,
		`""`, `"plain"`, `"quote \" backslash \\ slash /"`, `"tab\tnewline\ncr\rbell\u0007"`,
		`"unicode é 漢字 \u2028 <>&"`,
		`[]`, `[1, "a", null, [true]]`, `{}`, `{"b": 1, "a": {"c": [1, 2]}}`,
		`{"z", "a", "m"}`, `[{"principal": "user:a@x", "via": {"share", "owner"}, "connections": [{"selected": null, "candidates": []}]}]`,
	} {
		v, err := ast.ParseTerm(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		got, err := appendJSON(nil, v.Value)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		goForm, err := ast.JSON(v.Value)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(goForm)
		var a, b any
		if err := json.Unmarshal(got, &a); err != nil {
			t.Fatalf("%s: %s is not JSON: %v", src, got, err)
		}
		_ = json.Unmarshal(want, &b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: got %s, want %s", src, got, want)
		}
	}
	for _, src := range []string{`{1: "a"}`, `{[1]: 2}`} {
		v := ast.MustParseTerm(src)
		if _, err := appendJSON(nil, v.Value); err == nil {
			t.Errorf("%s: no error for a key JSON cannot have", src)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "a", "\"\\", "\x00\x1f", "é", "\xff\xfe", "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendJSONString(nil, s)
		want, _ := json.Marshal(s)
		var a, b string
		if err := json.Unmarshal(got, &a); err != nil {
			t.Fatalf("%q: %s is not JSON: %v", s, got, err)
		}
		_ = json.Unmarshal(want, &b)
		if a != b {
			t.Fatalf("%q: reads back %q, encoding/json's %q", s, a, b)
		}
	})
}
