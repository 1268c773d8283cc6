package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/padlock/padlock/bundles"
	"github.com/padlock/padlock/engine"
)

// opaError is OPA's error wire type as OPA's client SDKs parse it: every
// entry of errors has a code and a message.
type opaError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Errors  []struct {
		Code     string `json:"code"`
		Message  string `json:"message"`
		Location *struct {
			File string `json:"file"`
			Row  int    `json:"row"`
		} `json:"location"`
	} `json:"errors"`
}

func raw(t *testing.T, method, u, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestDataAPIAsOPA: the Data API answers, and fails, as OPA does, so that
// OPA's client SDKs work unchanged; and it is as strict as /v1/decisions.
func TestDataAPIAsOPA(t *testing.T) {
	_, ts := newTestServer(t, Config{Docs: []string{exampleWorld}})
	const frank = `{"action":"run","principal":"user:frank@northwind.example","flow":"flow-invoice-sync"}`
	tests := []struct {
		name, method, path, body string
		wantStatus               int
		want                     []string // in the body
	}{
		{"POST data decision", "POST", "/v1/data/padlock/authz/decision", `{"input":` + frank + `}`, 200, []string{`"result":{"allow":true`, `"decision_id"`}},
		{"GET data with ?input", "GET", "/v1/data/padlock/authz/allow?input=" + url.QueryEscape(frank), "", 200, []string{`"result":true`}},
		{"GET data decision", "GET", "/v1/data/padlock/authz/decision?input=" + url.QueryEscape(frank), "", 200, []string{`"allow":true`, `"role":"user"`}},
		{"default decision: the body is the input, the answer the decision", "POST", "/", frank, 200, []string{`{"allow":true,"role":"user"`}},
		{"default decision: a deny", "POST", "/", `{"action":"edit","principal":"user:frank@northwind.example","flow":"flow-invoice-sync"}`, 200, []string{`"allow":false`, "RUN_ONLY"}},
		{"default decision: invalid input", "POST", "/", `{"action":"run"}`, 400, []string{`"code":"invalid_parameter"`, `"code":"invalid_input"`}},
		{"a principal that is no user or team is a 400 with its pointer", "POST", "/v1/data/padlock/authz/decision", `{"input":{"action":"run","principal":"frank","flow":"f"}}`, 400, []string{`"pointer":"/principal"`}},
		{"a flow with surrounding whitespace is a 400 with its pointer", "POST", "/v1/decisions", `{"action":"run","principal":"user:frank@northwind.example","flow":" f "}`, 400, []string{`"pointer":"/flow"`}},
		{"a body without input", "POST", "/v1/data/padlock/authz/decision", `{}`, 400, []string{"missing input"}},
		{"an empty body", "POST", "/v1/data/padlock/authz/decision", ``, 400, []string{"invalid_parameter"}},
		{"GET without input", "GET", "/v1/data/padlock/authz/decision", "", 400, []string{"missing input"}},
		{"INPUT is not input", "POST", "/v1/data/padlock/authz/decision", `{"INPUT":` + frank + `}`, 400, []string{`unknown key \"INPUT\"`}},
		{"trailing data after the body", "POST", "/v1/data/padlock/authz/decision", `{"input":` + frank + `} {}`, 400, []string{"more than one JSON value"}},
		{"duplicate keys in the data API", "POST", "/v1/data/padlock/authz/decision", `{"input":{"action":"run","principal":"user:frank@northwind.example","principal":"user:alice@northwind.example","flow":"flow-invoice-sync"}}`, 400, []string{`duplicate key \"principal\"`}},
		{"duplicate keys in decisions", "POST", "/v1/decisions", `{"action":"run","action":"edit","principal":"user:frank@northwind.example","flow":"flow-invoice-sync"}`, 400, []string{`duplicate key \"action\"`}},
		{"a syntax error names its line", "POST", "/v1/decisions", "{\n\"action\": \"run\",\n\"principal\": x}", 400, []string{`"row":3`, "invalid character 'x'"}},
		{"a truncated body names its last line", "POST", "/v1/lists/flows", "{\n\"principal\":", 400, []string{`"row":2`, "unexpected end of JSON input"}},
		{"a schema problem names the line of its pointer", "POST", "/v1/lists/flows", "{\n\"principal\": \"user:frank@northwind.example\",\n\"limit\": 0}", 400, []string{`"row":3`, `"pointer":"/limit"`}},
		{"a syntax error in the data API names its line", "POST", "/v1/data/padlock/authz/decision", "{\"input\":\n{\"action\": run}}", 400, []string{"line 2"}},
		{"a document kind in any case", "GET", "/v1/documents/desktopflow/flow-invoice-sync", "", 200, []string{`"id":"flow-invoice-sync"`}},
		{"a document kind in upper case", "GET", "/v1/documents/DESKTOPFLOW/flow-invoice-sync", "", 200, []string{`"id":"flow-invoice-sync"`}},
		{"an unknown kind", "GET", "/v1/documents/Flow/flow-invoice-sync", "", 404, []string{`unknown kind \"Flow\"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := raw(t, tt.method, ts.URL+tt.path, tt.body)
			if status != tt.wantStatus {
				t.Errorf("status %d, want %d: %s", status, tt.wantStatus, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %s:\n%s", w, body)
				}
			}
			if status >= 400 {
				var e opaError
				if err := json.Unmarshal([]byte(body), &e); err != nil || e.Code == "" || e.Message == "" {
					t.Fatalf("not OPA's error shape: %v\n%s", err, body)
				}
				for i, d := range e.Errors {
					if d.Code == "" || d.Message == "" || d.Location == nil {
						t.Errorf("errors[%d] lacks code, message or location: %s", i, body)
					}
				}
			}
		})
	}
}

// TestBrowsersOfOtherSitesAreRefused: without a token, a DNS-rebinding
// page (its own site in Host) and cross-site requests are refused, while
// plain clients and same-origin pages pass.
func TestBrowsersOfOtherSitesAreRefused(t *testing.T) {
	_, ts := newTestServer(t, Config{Docs: []string{exampleWorld}})
	q := `{"action":"run","principal":"user:frank@northwind.example","flow":"flow-invoice-sync"}`
	host := strings.TrimPrefix(ts.URL, "http://")
	tests := []struct {
		name   string
		header []string
		want   int
	}{
		{"a plain client", nil, 200},
		{"localhost by name", []string{"Host", "localhost"}, 200},
		{"a same-origin page", []string{"Origin", "http://" + host, "Sec-Fetch-Site", "same-origin"}, 200},
		{"DNS rebinding: another site's name", []string{"Host", "attacker.example"}, 403},
		{"a cross-site fetch", []string{"Sec-Fetch-Site", "cross-site"}, 403},
		{"another site's origin", []string{"Origin", "http://attacker.example"}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", ts.URL+"/v1/decisions", strings.NewReader(q))
			for i := 0; i+1 < len(tt.header); i += 2 {
				if tt.header[i] == "Host" {
					req.Host = tt.header[i+1]
				} else {
					req.Header.Set(tt.header[i], tt.header[i+1])
				}
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
	// /health answers probes whatever their Host.
	req, _ := http.NewRequest("GET", ts.URL+"/health", nil)
	req.Host = "10.0.0.7"
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Errorf("/health: %v %v", resp, err)
	}
}

func TestDuplicateKey(t *testing.T) {
	for body, want := range map[string]string{
		`{"a":1,"b":2}`:                       "",
		`{"a":1,"a":2}`:                       "a",
		`{"a":{"b":1},"a":2}`:                 "a",
		`{"a":{"b":1,"b":2}}`:                 "b",
		`[{"x":[1,{"y":1}],"x":0}]`:           "x",
		`{"a":[{"k":1},{"k":2}],"b":{"k":1}}`: "",
		`{"a":{},"b":[],"c":{"d":{}},"e":1}`:  "",
	} {
		if got, err := duplicateKey([]byte(body)); err != nil || got != want {
			t.Errorf("%s: got %q %v, want %q", body, got, err, want)
		}
	}
}

// TestAuthorizationBasic: with --authorization basic, the shipped
// administrative policy (policies/system/authz.rego) decides every
// request but /health, both ways: a caller's token may ask decisions
// (and the Data API under padlock/authz only), an admin's may write
// documents, anything else is refused with OPA's 401.
func TestAuthorizationBasic(t *testing.T) {
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	data := fstest.MapFS{}
	if err := fs.WalkDir(bundles.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(bundles.FS, p)
			data[p] = &fstest.MapFile{Data: b}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	data["system/authz/data.json"] = &fstest.MapFile{Data: []byte(`{"tokens": {"callers": ["` + sum("caller-token") + `"], "admins": ["` + sum("admin-token") + `"]}}`)}
	_, url := runServer(t, Config{Addr: "127.0.0.1:0", Docs: []string{exampleWorld}, Authorization: "basic",
		EngineOptions: []engine.Option{engine.WithData(data)}})
	frank := `{"action":"run","principal":"frank@northwind.example","flow":"flow-desktop-cleanup"}`
	share := `{"kind":"Share","flow":"flow-desktop-cleanup","grants":[{"principal":"user:zoe@northwind.example","role":"user"}]}`
	tests := []struct {
		name, method, path, body, token string
		want                            int
	}{
		{"health needs no token", "GET", "/health", "", "", 200},
		{"no token: no decision", "POST", "/v1/decisions", frank, "", 401},
		{"a wrong token: no decision", "POST", "/v1/decisions", frank, "guess", 401},
		{"a caller decides", "POST", "/v1/decisions", frank, "caller-token", 200},
		{"a caller asks the Data API under padlock/authz", "POST", "/v1/data/padlock/authz/decision", `{"input":` + frank + `}`, "caller-token", 200},
		{"a caller may not read other rules", "GET", "/v1/data/padlock/roles", "", "caller-token", 401},
		{"a caller may not write documents", "PUT", "/v1/documents", share, "caller-token", 401},
		{"a caller may not list documents", "GET", "/v1/documents", "", "caller-token", 401},
		{"an admin writes documents", "PUT", "/v1/documents", share, "admin-token", 200},
		{"an admin decides", "POST", "/v1/decisions", frank, "admin-token", 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.token != "" {
				hdr = []string{"Authorization", "Bearer " + tc.token}
			}
			code, body := do(t, tc.method, url+tc.path, tc.body, hdr...)
			if code != tc.want {
				t.Fatalf("%d %v, want %d", code, body, tc.want)
			}
			if code == 401 && (body["code"] != "unauthorized" || body["message"] != "request rejected by administrative policy") {
				t.Errorf("refusal %v: want OPA's", body)
			}
		})
	}
}
