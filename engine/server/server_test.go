package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const exampleWorld = "../../fixtures/example/world"

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newTestServer(t *testing.T, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	cfg.Logger = quiet()
	s, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return s, ts
}

func do(t *testing.T, method, url, body string, header ...string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &out)
	return resp.StatusCode, out
}

func TestDecisions(t *testing.T) {
	_, ts := newTestServer(t, Config{Docs: []string{exampleWorld}})
	tests := []struct {
		name       string
		path, body string
		wantStatus int
		check      func(map[string]any) bool
	}{
		{"allow", "/v1/decisions", `{"action":"run","principal":"user:frank@northwind.example","flow":"flow-invoice-sync"}`, 200,
			func(m map[string]any) bool {
				return m["allow"] == true && m["role"] == "user" && m["decision_id"] != ""
			}},
		{"deny is a 200", "/v1/decisions", `{"action":"invoke","principal":"user:bob@northwind.example","flow":"flow-invoice-sync","mode":"attended"}`, 200,
			func(m map[string]any) bool { return m["allow"] == false && len(m["reasons"].([]any)) == 1 }},
		{"invalid query", "/v1/decisions", `{"action":"invoke","principal":"user:a@example.com","flow":"f"}`, 400,
			func(m map[string]any) bool {
				return strings.Contains(toString(m["errors"]), "missing properties: 'mode'")
			}},
		{"not JSON", "/v1/decisions", `{"action":`, 400, func(m map[string]any) bool { return m["code"] == "invalid_parameter" }},
		{"too deep", "/v1/decisions", strings.Repeat("[", 100) + strings.Repeat("]", 100), 400,
			func(m map[string]any) bool { return strings.Contains(m["message"].(string), "nested deeper") }},
		{"too big", "/v1/decisions", `{"action":"run","principal":"` + strings.Repeat("x", 2<<20) + `"}`, 413, nil},
		{"data API decision", "/v1/data/padlock/authz/decision", `{"input":{"action":"edit","principal":"user:dave@northwind.example","flow":"flow-legacy-report"}}`, 200,
			func(m map[string]any) bool {
				return m["result"].(map[string]any)["allow"] == true && m["decision_id"] != nil
			}},
		{"data API rule", "/v1/data/padlock/authz/role", `{"input":{"action":"edit","principal":"user:dave@northwind.example","flow":"flow-legacy-report"}}`, 200,
			func(m map[string]any) bool { return m["result"] == "co-owner" }},
		{"data API validates input", "/v1/data/padlock/authz/decision", `{"input":{"action":"fly"}}`, 400, nil},
		{"data API outside padlock", "/v1/data/system/main", `{"input":{}}`, 404, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := do(t, "POST", ts.URL+tt.path, tt.body)
			if status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %v", status, tt.wantStatus, body)
			}
			if tt.check != nil && !tt.check(body) {
				t.Errorf("unexpected body: %v", body)
			}
		})
	}
}

func toString(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestEmptyWorldDenies(t *testing.T) {
	_, ts := newTestServer(t, Config{})
	status, body := do(t, "POST", ts.URL+"/v1/decisions", `{"action":"run","principal":"user:a@example.com","flow":"f"}`)
	if status != 200 || body["allow"] != false || !strings.Contains(toString(body["reasons"]), "UNKNOWN_FLOW") {
		t.Fatalf("%d %v", status, body)
	}
}

func TestDocumentsAPI(t *testing.T) {
	_, ts := newTestServer(t, Config{Docs: []string{exampleWorld}})
	run := `{"action":"run","principal":"user:zoe@northwind.example","flow":"flow-new"}`
	flow := `{"kind":"DesktopFlow","id":"flow-new","name":"New","environment":"northwind-prod","owner":"user:zoe@northwind.example","schemaVersion":"v2","connectionReferences":[],"actions":[]}`

	if _, body := do(t, "POST", ts.URL+"/v1/decisions", run); !strings.Contains(toString(body), "UNKNOWN_FLOW") {
		t.Fatalf("before the write: %v", body)
	}
	// A batch with one bad document changes nothing.
	status, body := do(t, "PUT", ts.URL+"/v1/documents", `[`+flow+`, {"kind":"Share","flow":"ghost","grants":[]}]`)
	if status != 400 || !strings.Contains(toString(body), "share of unknown flow") {
		t.Fatalf("bad batch: %d %v", status, body)
	}
	if _, body := do(t, "POST", ts.URL+"/v1/decisions", run); !strings.Contains(toString(body), "UNKNOWN_FLOW") {
		t.Fatalf("a refused batch was applied: %v", body)
	}
	// A good write is visible to the next query.
	if status, body := do(t, "PUT", ts.URL+"/v1/documents", flow); status != 200 {
		t.Fatalf("write: %d %v", status, body)
	}
	if _, body := do(t, "POST", ts.URL+"/v1/decisions", run); body["allow"] != true {
		t.Fatalf("after the write: %v", body)
	}
	if status, body := do(t, "GET", ts.URL+"/v1/documents/DesktopFlow/flow-new", ""); status != 200 || body["name"] != "New" {
		t.Fatalf("get: %d %v", status, body)
	}
	if status, _ := do(t, "GET", ts.URL+"/v1/documents/Team/team:finance", ""); status != 200 {
		t.Fatalf("get a file document: %d", status)
	}
	// Deleting a flow a share names is refused; deleting the new one works.
	if status, _ := do(t, "DELETE", ts.URL+"/v1/documents/DesktopFlow/flow-invoice-sync", ""); status != 409 {
		t.Fatalf("delete of a shared flow: %d", status)
	}
	if status, _ := do(t, "DELETE", ts.URL+"/v1/documents/DesktopFlow/flow-new", ""); status != 204 {
		t.Fatalf("delete: %d", status)
	}
	if status, _ := do(t, "GET", ts.URL+"/v1/documents/DesktopFlow/flow-new", ""); status != 404 {
		t.Fatalf("get after delete: %d", status)
	}
}

func TestRefusedReloadKeepsTheLastGoodWorld(t *testing.T) {
	dir := t.TempDir()
	good := `{"kind":"DesktopFlow","id":"f","name":"F","environment":"e","owner":"user:a@example.com","schemaVersion":"v2","connectionReferences":[],"actions":[]}`
	os.WriteFile(filepath.Join(dir, "flows.json"), []byte(good), 0o644)
	s, ts := newTestServer(t, Config{Docs: []string{dir}})
	edit := `{"action":"edit","principal":"user:a@example.com","flow":"f"}`
	if _, body := do(t, "POST", ts.URL+"/v1/decisions", edit); body["allow"] != true {
		t.Fatalf("%v", body)
	}
	os.WriteFile(filepath.Join(dir, "flows.json"), []byte(`{"kind":"DesktopFlow","id":"f"`), 0o644)
	if probs := s.Reload(context.Background()); !probs.HasErrors() {
		t.Fatal("a broken file was accepted")
	}
	if _, body := do(t, "POST", ts.URL+"/v1/decisions", edit); body["allow"] != true {
		t.Fatalf("the last good world is gone: %v", body)
	}
	status, health := do(t, "GET", ts.URL+"/health", "")
	if status != 200 || health["status"] != "degraded" || !strings.Contains(toString(health["errors"]), "flows.json") {
		t.Fatalf("health: %d %v", status, health)
	}
	os.WriteFile(filepath.Join(dir, "flows.json"), []byte(strings.Replace(good, `"user:a@example.com"`, `"user:b@example.com"`, 1)), 0o644)
	if probs := s.Reload(context.Background()); probs.HasErrors() {
		t.Fatal(probs)
	}
	if _, body := do(t, "POST", ts.URL+"/v1/decisions", edit); body["allow"] != false {
		t.Fatalf("the fixed file was not applied: %v", body)
	}
	if _, health := do(t, "GET", ts.URL+"/health", ""); health["status"] != "ok" {
		t.Fatalf("health after a good reload: %v", health)
	}
}

func TestToken(t *testing.T) {
	_, ts := newTestServer(t, Config{Token: "s3cret"})
	q := `{"action":"run","principal":"user:a@example.com","flow":"f"}`
	if status, _ := do(t, "POST", ts.URL+"/v1/decisions", q); status != 401 {
		t.Errorf("no token: %d", status)
	}
	if status, _ := do(t, "POST", ts.URL+"/v1/decisions", q, "Authorization", "Bearer wrong"); status != 401 {
		t.Errorf("wrong token: %d", status)
	}
	if status, _ := do(t, "GET", ts.URL+"/metrics", ""); status != 401 {
		t.Errorf("metrics without token: %d", status)
	}
	if status, _ := do(t, "POST", ts.URL+"/v1/decisions", q, "Authorization", "Bearer s3cret"); status != 200 {
		t.Errorf("good token: %d", status)
	}
	if status, _ := do(t, "GET", ts.URL+"/health", ""); status != 200 {
		t.Errorf("health needs no token: %d", status)
	}
}

// TestMetrics: the counters an operator reads, the decision cache's
// among them: frank's run is evaluated (a miss), then kept (a hit); a
// connection of his own that his run reads makes it asked again
// (changed), one of erin's does not (a hit).
func TestMetrics(t *testing.T) {
	_, ts := newTestServer(t, Config{Docs: []string{exampleWorld}})
	frank := `{"action":"run","principal":"user:frank@northwind.example","flow":"flow-invoice-sync"}`
	connection := func(id, owner string) string {
		return `{"kind":"Connection","id":"` + id + `","connector":"shared_sharepointonline","environment":"northwind-prod","owner":"` + owner + `","account":"a@northwind.example","status":"Connected"}`
	}
	do(t, "POST", ts.URL+"/v1/decisions", frank)
	do(t, "POST", ts.URL+"/v1/decisions", frank)
	if status, body := do(t, "PUT", ts.URL+"/v1/documents", connection("conn-frank-sp", "user:frank@northwind.example")); status != 200 {
		t.Fatalf("PUT: %d %v", status, body)
	}
	do(t, "POST", ts.URL+"/v1/decisions", frank)
	if status, body := do(t, "PUT", ts.URL+"/v1/documents", connection("conn-erin-sp", "user:erin@northwind.example")); status != 200 {
		t.Fatalf("PUT: %d %v", status, body)
	}
	do(t, "POST", ts.URL+"/v1/decisions", frank)
	do(t, "POST", ts.URL+"/v1/decisions", `{"action":"nope"}`)
	resp, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`padlock_decisions_total{action="run",outcome="allow"} 4`,
		`padlock_validation_failures_total{source="query"} 1`,
		`padlock_documents{kind="DesktopFlow"} 4`,
		`padlock_decision_duration_seconds_count{action="run"} 4`,
		`padlock_decision_cache_total{result="miss"} 1`,
		`padlock_decision_cache_total{result="hit"} 2`,
		`padlock_decision_cache_total{result="changed"} 1`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestConcurrentWritesAndDecisions: decisions keep being answered, and
// never from a half-applied world, while documents are written and the
// files reloaded (run with -race).
func TestConcurrentWritesAndDecisions(t *testing.T) {
	s, ts := newTestServer(t, Config{Docs: []string{exampleWorld}})
	done := make(chan struct{})
	errs := make(chan string, 100)
	var wg sync.WaitGroup
	for c := 0; c < 4; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				status, body := do(t, "POST", ts.URL+"/v1/decisions", `{"action":"run","principal":"user:frank@northwind.example","flow":"flow-invoice-sync"}`)
				if status != 200 || body["allow"] != true {
					errs <- toString(body)
				}
			}
		}()
	}
	for i := 0; i < 20; i++ {
		flow := `{"kind":"DesktopFlow","id":"flow-x","name":"X` + strings.Repeat("x", i) + `","environment":"e","schemaVersion":"v2","connectionReferences":[],"actions":[]}`
		if status, body := do(t, "PUT", ts.URL+"/v1/documents", flow); status != 200 {
			t.Errorf("write %d: %v", i, body)
		}
		s.Reload(context.Background())
	}
	close(done)
	wg.Wait()
	select {
	case e := <-errs:
		t.Fatalf("a decision changed under concurrent writes: %s", e)
	default:
	}
}

func TestTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeSelfSigned(t, cert, key)
	s, err := New(context.Background(), Config{Addr: "127.0.0.1:0", TLSCert: cert, TLSKey: key, Token: "t0k", Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := s.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, ln) }()
	pool := x509.NewCertPool()
	pemBytes, _ := os.ReadFile(cert)
	pool.AppendCertsFromPEM(pemBytes)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	req, _ := http.NewRequest("POST", "https://"+ln.Addr().String()+"/v1/decisions", strings.NewReader(`{"action":"run","principal":"user:a@example.com","flow":"f"}`))
	req.Header.Set("Authorization", "Bearer t0k")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil {
		t.Errorf("status %d over TLS %v", resp.StatusCode, resp.TLS != nil)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("graceful stop: %v", err)
	}
}

func writeSelfSigned(t *testing.T, certPath, keyPath string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(k)
	os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
}
