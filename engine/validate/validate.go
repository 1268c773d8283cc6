// Package validate checks documents and queries against the JSON Schemas in
// schemas/ (compiled once), decodes them into the Go types, and checks the
// documents against each other. Nothing reaches the rules unless it passes.
package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/load"
	"github.com/padlock/padlock/engine/progress"
	"github.com/padlock/padlock/schemas"
)

// Validator holds the compiled schemas. It is safe for concurrent use.
type Validator struct {
	byName map[string]*jsonschema.Schema // every schema of schemas.Sources
	kinds  map[document.Kind]*jsonschema.Schema
	query  *jsonschema.Schema
}

// New compiles every checked-in schema.
func New() (*Validator, error) {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.AssertFormat = true
	for _, src := range schemas.Sources() {
		b, err := schemas.Read(src.Name)
		if err != nil {
			return nil, err
		}
		if err := c.AddResource(schemas.URL(src.Name), bytes.NewReader(b)); err != nil {
			return nil, fmt.Errorf("add schema %s: %w", src.Name, err)
		}
	}
	v := &Validator{byName: map[string]*jsonschema.Schema{}, kinds: map[document.Kind]*jsonschema.Schema{}}
	for _, src := range schemas.Sources() {
		s, err := c.Compile(schemas.URL(src.Name))
		if err != nil {
			return nil, fmt.Errorf("compile schema %s: %w", src.Name, err)
		}
		v.byName[src.Name] = s
	}
	for _, k := range document.Kinds() {
		v.kinds[k] = v.byName[schemas.FileName(k)]
	}
	v.query = v.byName[schemas.QueryName]
	return v, nil
}

// Typed is a document that passed its schema, decoded into its Go type
// (one of document.DesktopFlow, Share, Team, Connection, RoleAssignment).
type Typed struct {
	Source load.Doc
	Kind   document.Kind
	Value  any
}

// Kept is the document as a long-lived holder keeps it (load.Doc.Kept).
func (t Typed) Kept() Typed {
	t.Source = t.Source.Kept(t.Value)
	return t
}

// Compact copies the documents' values into memory of their own, for a
// holder that keeps them long (see document.Compactor), and drops their
// parsed forms; their sources can still locate a pointer's line, for the
// problems the world's checks may find (load.Doc.Located).
func Compact(ts []Typed) {
	c := document.NewCompactor()
	for i := range ts {
		ts[i].Value = c.Copy(ts[i].Value)
		ts[i].Source = ts[i].Source.Located()
	}
}

// Documents validates every document against its kind's schema and decodes
// the valid ones. All problems are returned together.
func (v *Validator) Documents(docs []load.Doc) ([]Typed, diag.List) {
	return v.DocumentsMetered(docs, nil)
}

// DocumentsMetered is Documents, counting "documents validated" on m.
// Documents are independent until the world is assembled, so they are
// validated on every core, in chunks; the results keep the input's order.
func (v *Validator) DocumentsMetered(docs []load.Doc, m *progress.Meter) ([]Typed, diag.List) {
	const chunk = 256
	type result struct {
		typed []Typed
		probs diag.List
	}
	results := make([]result, (len(docs)+chunk-1)/chunk)
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(results)) {
		wg.Go(func() {
			for c := int(next.Add(1) - 1); c < len(results); c = int(next.Add(1) - 1) {
				part := docs[c*chunk : min((c+1)*chunk, len(docs))]
				r := &results[c]
				for _, d := range part {
					t, ps := v.Document(d)
					r.probs = append(r.probs, ps...)
					if len(ps) == 0 {
						r.typed = append(r.typed, t)
					}
				}
				m.Add("documents validated", len(part))
			}
		})
	}
	wg.Wait()
	var out []Typed
	var probs diag.List
	for _, r := range results {
		out = append(out, r.typed...)
		probs = append(probs, r.probs...)
	}
	return out, probs
}

// Document validates and decodes one document.
func (v *Validator) Document(d load.Doc) (Typed, diag.List) {
	value, raw := d.Forms()
	obj, ok := value.(map[string]any)
	if !ok {
		return Typed{}, diag.List{d.Problem(diag.Error, "", "a document must be an object with a \"kind\", got %s", jsonType(value))}
	}
	kindV, has := obj["kind"]
	kind, isStr := kindV.(string)
	if !has || !isStr {
		return Typed{}, diag.List{d.Problem(diag.Error, "", "missing \"kind\": want one of %s", kindList())}
	}
	s, known := v.kinds[document.Kind(kind)]
	if !known {
		return Typed{}, diag.List{d.Problem(diag.Error, "/kind", "unknown kind %q: want one of %s", kind, kindList())}
	}
	if probs := schemaProblems(s.Validate(value), func(ptr, msg string) diag.Problem {
		return d.Problem(diag.Error, ptr, "%s", msg)
	}); len(probs) > 0 {
		return Typed{}, probs
	}
	t := Typed{Source: d, Kind: document.Kind(kind)}
	var err error
	// Every principal is compared in its canonical spelling from here on:
	// "Frank@X" and "user:frank@x" name one person.
	switch t.Kind {
	case document.KindDesktopFlow:
		t.Value, err = decodeCanonical(d, raw, document.DesktopFlow.Canonical)
	case document.KindShare:
		t.Value, err = decodeCanonical(d, raw, document.Share.Canonical)
	case document.KindTeam:
		t.Value, err = decodeCanonical(d, raw, document.Team.Canonical)
	case document.KindConnection:
		t.Value, err = decodeCanonical(d, raw, document.Connection.Canonical)
	case document.KindRoleAssignment:
		t.Value, err = decodeCanonical(d, raw, document.RoleAssignment.Canonical)
	}
	if err != nil { // the schema and the Go type disagree: a padlock bug, still not a panic
		return Typed{}, diag.List{d.Problem(diag.Error, "", "decode %s: %v", kind, err)}
	}
	return t, nil
}

// Against validates a loaded document against the named schema (for
// example schemas.TableName) and decodes it into T.
func Against[T any](v *Validator, name string, d load.Doc) (T, diag.List) {
	var zero T
	s, ok := v.byName[name]
	if !ok {
		return zero, diag.List{d.Problem(diag.Error, "", "no schema named %q", name)}
	}
	value, raw := d.Forms()
	if probs := schemaProblems(s.Validate(value), func(ptr, msg string) diag.Problem {
		return d.Problem(diag.Error, ptr, "%s", msg)
	}); len(probs) > 0 {
		return zero, probs
	}
	t, err := decode[T](raw)
	if err != nil {
		return zero, diag.List{d.Problem(diag.Error, "", "decode: %v", err)}
	}
	return t, nil
}

// Query validates a query input given as generic JSON and decodes it.
func (v *Validator) Query(value any) (document.Query, diag.List) {
	return inputFrom[document.Query](v.query, value, nil)
}

// inputFrom validates value against s and decodes T from raw, its JSON,
// which is marshalled from value only when the caller does not have it:
// the sidecar decodes each request body once per form, not twice. A query
// is decided as sent: the policy canonicalises its principal
// (padlock.principals), so that plain OPA with padlock's bundle answers
// alike and messages echo the caller's spelling.
func inputFrom[T any](s *jsonschema.Schema, value any, raw []byte) (T, diag.List) {
	var zero T
	probs := schemaProblems(s.Validate(value), func(ptr, msg string) diag.Problem {
		return diag.Problem{Severity: diag.Error, File: "input", Line: load.PointerLine(raw, ptr), Pointer: ptr, Message: msg}
	})
	if len(probs) > 0 {
		return zero, probs
	}
	if raw == nil {
		var err error
		if raw, err = json.Marshal(value); err != nil {
			return zero, diag.List{{Severity: diag.Error, File: "input", Message: err.Error()}}
		}
	}
	t, err := decode[T](raw)
	if err != nil {
		return zero, diag.List{{Severity: diag.Error, File: "input", Message: err.Error()}}
	}
	return t, nil
}

// QueryJSON validates a raw JSON query body.
func (v *Validator) QueryJSON(body []byte) (document.Query, any, diag.List) {
	return inputJSON[document.Query](v.query, body)
}

// InputJSON validates a raw JSON input against the named schema (a list
// query, say) and decodes it.
func InputJSON[T any](v *Validator, name string, body []byte) (T, any, diag.List) {
	s, ok := v.byName[name]
	if !ok {
		var zero T
		return zero, nil, diag.List{{Severity: diag.Error, File: "input", Message: fmt.Sprintf("no schema named %q", name)}}
	}
	return inputJSON[T](s, body)
}

func inputJSON[T any](s *jsonschema.Schema, body []byte) (T, any, diag.List) {
	var zero T
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var value any
	if err := dec.Decode(&value); err != nil {
		line, msg := load.JSONError(body, err)
		return zero, nil, diag.List{{Severity: diag.Error, File: "input", Line: line, Message: "invalid JSON: " + msg}}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) { // a second value, or a stray } or ]
		// A one-shot parse fails where the second value starts.
		line, _ := load.JSONError(body, json.Unmarshal(body, new(any)))
		return zero, nil, diag.List{{Severity: diag.Error, File: "input", Line: line, Message: "invalid JSON: more after the value"}}
	}
	t, probs := inputFrom[T](s, value, body)
	return t, value, probs
}

// decodeCanonical decodes a valid document and canonicalises it.
// decodeCanonical decodes a document that passed its schema into its Go
// type, canonical. A generated document that already is a value of that
// type is taken as it is: its JSON, just validated, is its own encoding,
// and decoding it again would only copy every string (an import holds
// hundreds of thousands of grants).
func decodeCanonical[T any](d load.Doc, raw []byte, canonical func(T) T) (T, error) {
	if t, ok := d.GoValue().(T); ok {
		return canonical(t), nil
	}
	t, err := decode[T](raw)
	if err != nil {
		return t, err
	}
	return canonical(t), nil
}

func decode[T any](raw []byte) (T, error) {
	var t T
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(&t)
	return t, err
}

// schemaProblems flattens a validation error into one problem per failing
// leaf, deduplicated and in a stable order.
func schemaProblems(err error, mk func(ptr, msg string) diag.Problem) diag.List {
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return diag.List{mk("", err.Error())}
	}
	type leaf struct{ ptr, msg string }
	var leaves []leaf
	seen := map[leaf]bool{}
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			l := leaf{e.InstanceLocation, e.Message}
			if !seen[l] {
				seen[l] = true
				leaves = append(leaves, l)
			}
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	sort.SliceStable(leaves, func(i, j int) bool { return leaves[i].ptr < leaves[j].ptr })
	out := make(diag.List, len(leaves))
	for i, l := range leaves {
		out[i] = mk(l.ptr, l.msg)
	}
	return out
}

func kindList() string {
	ks := document.Kinds()
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}
