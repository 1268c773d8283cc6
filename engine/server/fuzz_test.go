package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecisionHandler: whatever the body, the handler answers 200, 400 or
// 413, never panics, and never allows unless the body was a valid query.
func FuzzDecisionHandler(f *testing.F) {
	qs, _ := filepath.Glob("../../fixtures/example/queries/*.json")
	for _, q := range qs {
		if b, err := os.ReadFile(q); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{``, `{}`, `[]`, `null`, `{"action":"run","principal":"","flow":"f"}`, `{"action":"invoke","principal":"user:a@example.com","flow":"f","mode":"console"}`, `{"a":[[[[[]]]]]}`, "\"\\u0000\""} {
		f.Add([]byte(s))
	}
	s, err := New(context.Background(), Config{Docs: []string{exampleWorld}, Logger: quiet(), MaxBodyBytes: 4096})
	if err != nil {
		f.Fatal(err)
	}
	h := s.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/v1/decisions", bytes.NewReader(body))
		req.Host = "127.0.0.1:8181" // a loopback caller, as the sidecar serves without a token
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case 200, 400, 413:
		default:
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body.String())
		}
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("answer is not JSON: %q", rec.Body.String())
		}
		if rec.Code != 200 && out["allow"] == true {
			t.Fatalf("allow on an error answer: %s", rec.Body.String())
		}
	})
}

// FuzzDataRequest: the Data API's body parser and the duplicate-key check
// never panic, and a body they accept has exactly the key "input".
func FuzzDataRequest(f *testing.F) {
	for _, s := range []string{`{"input":{}}`, `{"INPUT":1}`, `{"input":1} x`, `{"a":1,"a":2}`, `[{"a":{"b":1,"b":2}}]`, `{`, `""`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		_, _ = duplicateKey(body)
		in, err := dataRequest(body)
		if err == nil && in == nil {
			t.Fatalf("accepted %q without an input", body)
		}
	})
}

// FuzzDocumentsAPI feeds arbitrary PUT bodies to the documents API: it
// answers 200 or 400 (or 413), never panics, and a refused write changes
// nothing.
func FuzzDocumentsAPI(f *testing.F) {
	for _, s := range []string{`{}`, `[]`, `{"kind":"Share","flow":"flow-invoice-sync","grants":[]}`,
		`{"kind":"DesktopFlow","id":"x","name":"X","environment":"e","schemaVersion":"v2","connectionReferences":[],"actions":[]}`,
		"kind: Team\nid: team:x\nmembers: []\n", `[{"kind":"Team","id":"team:finance","members":[]}]`, `{"kind":"Share","flow":"flow-invoice-sync","flow":"x"}`} {
		f.Add([]byte(s))
	}
	s, err := New(context.Background(), Config{Docs: []string{exampleWorld}, Logger: quiet(), MaxBodyBytes: 4096})
	if err != nil {
		f.Fatal(err)
	}
	h := s.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		before := s.Engine().World()
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPut, "/v1/documents", bytes.NewReader(body))
		req.Host = "127.0.0.1:8181"
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case 200:
		case 400, 413:
			if s.Engine().World() != before {
				t.Fatalf("a refused write (%d) changed the world: %q", rec.Code, body)
			}
		default:
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body.String())
		}
	})
}
