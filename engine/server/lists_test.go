package server

import (
	"strings"
	"testing"
)

func TestListEndpoints(t *testing.T) {
	_, ts := newTestServer(t, Config{Docs: []string{exampleWorld}, Token: "s3cret"})
	auth := []string{"Authorization", "Bearer s3cret"}
	status, body := do(t, "POST", ts.URL+"/v1/lists/principals", `{"action":"run","flow":"flow-invoice-sync","mode":"console","limit":3}`, auth...)
	if status != 200 || len(body["result"].([]any)) != 3 || body["continuation"] == nil {
		t.Fatalf("first page: %d %v", status, body)
	}
	seen := toString(body["result"])
	next := body["continuation"].(string)
	for pages := 1; next != ""; pages++ {
		status, body = do(t, "POST", ts.URL+"/v1/lists/principals", `{"action":"run","flow":"flow-invoice-sync","mode":"console","limit":3,"continuation":"`+next+`"}`, auth...)
		if status != 200 || pages > 5 {
			t.Fatalf("page %d: %d %v", pages, status, body)
		}
		seen += toString(body["result"])
		next, _ = body["continuation"].(string)
	}
	for _, p := range []string{"user:alice@northwind.example", "team:finance", "user:frank@northwind.example", "user:dave@northwind.example"} {
		if strings.Count(seen, `"principal":"`+p+`"`) != 1 {
			t.Errorf("%s is not listed exactly once over the pages: %s", p, seen)
		}
	}
	tests := []struct {
		name, path, body string
		auth             bool
		want             int
		in               string
	}{
		{"what-can", "/v1/lists/flows", `{"principal":"Frank@northwind.example","actions":["run"]}`, true, 200, `"flow":"flow-invoice-sync"`},
		{"who-can among some", "/v1/lists/principals", `{"action":"run","flow":"flow-invoice-sync","mode":"console","principals":["Frank@northwind.example","team:nobody"]}`, true, 200, `"principal":"user:frank@northwind.example","role":"user","via":["share"]}]`},
		{"naming no one is not a list", "/v1/lists/principals", `{"action":"run","flow":"flow-invoice-sync","mode":"console","principals":[]}`, true, 400, `"pointer":"/principals"`},
		{"the same auth", "/v1/lists/flows", `{"principal":"user:frank@northwind.example"}`, false, 401, ""},
		{"validated by its schema", "/v1/lists/principals", `{"action":"invoke","flow":"flow-invoice-sync"}`, true, 400, `missing properties: 'mode'`},
		{"a malformed principal", "/v1/lists/flows", `{"principal":"frank"}`, true, 400, `"pointer":"/principal"`},
		{"an unknown flow", "/v1/lists/principals", `{"action":"edit","flow":"nope"}`, true, 404, "no desktop flow"},
		{"a continuation this server never gave", "/v1/lists/flows", `{"principal":"user:frank@northwind.example","continuation":"%%%"}`, true, 400, "continuation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h []string
			if tt.auth {
				h = auth
			}
			status, body := do(t, "POST", ts.URL+tt.path, tt.body, h...)
			if status != tt.want || !strings.Contains(toString(body), tt.in) {
				t.Errorf("%d (want %d): %v", status, tt.want, toString(body))
			}
		})
	}
}

func TestWhatIfOverHTTP(t *testing.T) {
	s, ts := newTestServer(t, Config{Docs: []string{exampleWorld}})
	before := s.Engine().World()
	body := `{"action":"edit","principal":"frank@northwind.example","flow":"flow-legacy-report","whatIf":[{"op":"put","document":{"kind":"Share","flow":"flow-legacy-report","grants":[{"principal":"frank@northwind.example","role":"co-owner"}]}}]}`
	status, res := do(t, "POST", ts.URL+"/v1/decisions", body)
	if status != 200 || toString(res["before"].(map[string]any)["allow"]) != "false" || toString(res["after"].(map[string]any)["allow"]) != "true" ||
		!strings.Contains(toString(res["changed"]), "reasons lifted: NO_ACCESS") {
		t.Fatalf("%d %v", status, toString(res))
	}
	if s.Engine().World() != before {
		t.Error("a what-if changed the world")
	}
	if _, d := do(t, "POST", ts.URL+"/v1/decisions", `{"action":"edit","principal":"frank@northwind.example","flow":"flow-legacy-report"}`); d["allow"] != false {
		t.Errorf("after a what-if the world must be as it was: %v", d)
	}
	for _, tt := range []struct{ name, body, want string }{
		{"an invalid change", `{"action":"edit","principal":"a@x.example","flow":"f","whatIf":[{"op":"rename","document":{}}]}`, "value must be one of"},
		{"a change that breaks the world", `{"action":"edit","principal":"a@x.example","flow":"f","whatIf":[{"op":"put","document":{"kind":"Share","flow":"ghost","grants":[]}}]}`, "share of unknown flow"},
	} {
		if status, res := do(t, "POST", ts.URL+"/v1/decisions", tt.body); status != 400 || !strings.Contains(toString(res), tt.want) {
			t.Errorf("%s: %d %v", tt.name, status, toString(res))
		}
	}
}
