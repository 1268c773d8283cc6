package engine

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// TestDecodeASTAsEncodingJSON checks that the lists' decoder of OPA values
// gives what encoding/json gives from the JSON of the value's Go form,
// which is what the lists decoded before, into each type a list holds.
func TestDecodeASTAsEncodingJSON(t *testing.T) {
	for _, tt := range []struct {
		src  string
		into func() any // a pointer to a fresh value
	}{
		{`[{"principal": "user:a@x", "role": "user", "via": {"share", "owner"}, "connections": [{"reference": "r", "connector": "c", "source": "byoc", "selected": null, "candidates": []}]}]`, func() any { return new([]ListedPrincipal) }},
		{`[{"principal": "team:t", "role": "co-owner", "via": ["team:t"], "unknown": {"skipped": [1]}}]`, func() any { return new([]ListedPrincipal) }},
		{`[{"connections": [{"source": "own", "selected": "conn-1", "candidates": ["a", "b"]}], "principal": "p", "role": "owner", "via": []}]`, func() any { return new([]ListedPrincipal) }},
		{`[]`, func() any { return new([]ListedPrincipal) }},
		{`[{"principal": "user:u", "role": "user", "via": ["share"], "invoke": false, "reasons": [{"code": "CONSOLE_ONLY", "message": "m"}], "remedies": [{"code": "CONSOLE_ONLY", "change": "c", "by": ["user:o"], "whatIf": [{"op": "put", "document": {"kind": "Share", "grants": [{"principal": "user:u", "role": "co-owner"}], "n": 2}}]}]}, {"principal": "user:o", "role": "owner", "via": ["owner"], "invoke": true}]`, func() any { return new([]AccessEntry) }},
		{`null`, func() any { return new([]ListedFlow) }},
		{`[{"flow": "f", "name": "quote \" é 漢字 \u2028", "environment": "e", "role": "user", "actions": [{"action": "run", "connections": []}, {"action": "use", "reference": "r"}]}]`, func() any { return new([]ListedFlow) }},
		{`{"n": 3, "x": -1.5e3, "ok": true, "any": {"a": [1, "b", null]}, "p": null}`, func() any {
			return new(struct {
				N   int     `json:"n"`
				X   float64 `json:"x"`
				OK  bool    `json:"ok"`
				Any any     `json:"any"`
				P   *string `json:"p"`
			})
		}},
	} {
		v, err := ast.ParseTerm(tt.src)
		if err != nil {
			t.Fatalf("%s: %v", tt.src, err)
		}
		got := tt.into()
		if err := decodeAST(v.Value, got); err != nil {
			t.Fatalf("%s: %v", tt.src, err)
		}
		goForm, err := ast.JSON(v.Value)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(goForm)
		want := tt.into()
		if err := json.Unmarshal(b, want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %#v\nwant %#v", tt.src, got, want)
		}
	}
}

// TestDecodeASTRefusesAnotherShape: an answer of the wrong shape is an
// error that says where, never a zero value that reads as "nobody".
func TestDecodeASTRefusesAnotherShape(t *testing.T) {
	for _, tt := range []struct{ src, where string }{
		{`{"principal": "p"}`, `at "/"`},
		{`[{"principal": 1}]`, `at "/0/principal/"`},
		{`[{"principal": "p", "via": "owner"}]`, `at "/0/via/"`},
		{`[{"principal": "p", "connections": [{"candidates": [true]}]}]`, `at "/0/connections/0/candidates/0/"`},
		{`[{"principal": "p", "invoke": "yes"}]`, `at "/0/invoke/"`},
		{`[{"principal": "p", "remedies": [{"whatIf": [{"document": ["Share"]}]}]}]`, `at "/0/remedies/0/whatIf/0/document/"`},
		{`[{"principal": "p", "remedies": [{"whatIf": [{"document": {1: "Share"}}]}]}]`, `at "/0/remedies/0/whatIf/0/document/": key 1 is not a string`},
	} {
		var out []AccessEntry
		err := decodeAST(ast.MustParseTerm(tt.src).Value, &out)
		if err == nil || !strings.Contains(err.Error(), tt.where) {
			t.Errorf("%s: %v, want an error %s", tt.src, err, tt.where)
		}
	}
}
