package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/padlock/padlock/engine/pack"
	"github.com/padlock/padlock/engine/pack/packtest"
	"github.com/padlock/padlock/policies"
)

// sidecar is a `padlock serve` process under test.
type sidecar struct {
	cmd  *exec.Cmd
	url  string
	logs *bytes.Buffer
	mu   *sync.Mutex
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type lockedBuffer struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (l lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// startSidecar runs the built binary and waits for /health.
func startSidecar(t *testing.T, args ...string) *sidecar {
	t.Helper()
	addr := freeAddr(t)
	s := &sidecar{url: "http://" + addr, logs: &bytes.Buffer{}, mu: &sync.Mutex{}}
	s.cmd = exec.Command(binary(t), append([]string{"serve", "--addr", addr}, args...)...)
	s.cmd.Dir = "../.."
	s.cmd.Stdout = lockedBuffer{s.mu, s.logs}
	s.cmd.Stderr = lockedBuffer{s.mu, s.logs}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.cmd.Process.Kill()
			s.cmd.Wait()
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(s.url + "/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("sidecar did not become healthy:\n%s", s.output())
	return nil
}

func (s *sidecar) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logs.String()
}

func (s *sidecar) call(t *testing.T, method, path, body string, header ...string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, s.url+path, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	if out == nil {
		out = map[string]any{"raw": string(b)}
	}
	return resp.StatusCode, out
}

// TestServeEndToEnd runs the binary over real HTTP: decisions, validation
// errors, document writes, a refused bad reload keeping the old world,
// auth, health, metrics and a graceful stop.
func TestServeEndToEnd(t *testing.T) {
	dir := t.TempDir()
	docs := filepath.Join(dir, "world")
	if err := os.CopyFS(docs, os.DirFS("../../fixtures/example/world")); err != nil {
		t.Fatal(err)
	}
	token := filepath.Join(dir, "token")
	write(t, token, "let-me-in\n")
	s := startSidecar(t, "--docs", docs, "--token-file", token)
	auth := []string{"Authorization", "Bearer let-me-in"}
	frank := `{"action":"run","principal":"user:frank@northwind.example","flow":"flow-invoice-sync"}`

	if status, _ := s.call(t, "POST", "/v1/decisions", frank); status != 401 {
		t.Errorf("no token: %d", status)
	}
	status, d := s.call(t, "POST", "/v1/decisions", frank, auth...)
	if status != 200 || d["allow"] != true || d["byocDialog"] != true || d["decision_id"] == nil {
		t.Fatalf("decision: %d %v", status, d)
	}
	if status, body := s.call(t, "POST", "/v1/decisions", `{"action":"run"}`, auth...); status != 400 || !strings.Contains(fmt.Sprint(body["errors"]), "missing properties") {
		t.Errorf("invalid query: %d %v", status, body)
	}
	if status, body := s.call(t, "POST", "/v1/data/padlock/authz/decision", `{"input":`+frank+`}`, auth...); status != 200 || body["result"].(map[string]any)["role"] != "user" {
		t.Errorf("data API: %d %v", status, body)
	}

	// Document writes are all or nothing and visible at once.
	share := `{"kind":"Share","flow":"flow-legacy-report","grants":[{"principal":"user:frank@northwind.example","role":"co-owner"}]}`
	if status, body := s.call(t, "PUT", "/v1/documents", share, auth...); status != 200 {
		t.Fatalf("write: %d %v", status, body)
	}
	if _, d := s.call(t, "POST", "/v1/decisions", `{"action":"edit","principal":"user:frank@northwind.example","flow":"flow-legacy-report"}`, auth...); d["allow"] != true {
		t.Errorf("after write: %v", d)
	}

	// A broken file is refused whole; the last good world keeps serving.
	write(t, filepath.Join(docs, "broken.yaml"), "kind: Team\nid: team:x\nmembers: 7\n")
	waitFor(t, func() bool {
		_, h := s.call(t, "GET", "/health", "")
		return h["status"] == "degraded"
	}, "health to turn degraded after a bad change")
	if _, d := s.call(t, "POST", "/v1/decisions", frank, auth...); d["allow"] != true {
		t.Errorf("the last good world stopped serving: %v", d)
	}
	_, h := s.call(t, "GET", "/health", "")
	if !strings.Contains(fmt.Sprint(h["errors"]), "broken.yaml") {
		t.Errorf("health does not name the bad file: %v", h)
	}
	// Fixing it (and SIGHUP) brings health back.
	os.Remove(filepath.Join(docs, "broken.yaml"))
	s.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, func() bool {
		_, h := s.call(t, "GET", "/health", "")
		return h["status"] == "ok"
	}, "health to recover")
	// The API write survived the reloads.
	if _, d := s.call(t, "POST", "/v1/decisions", `{"action":"edit","principal":"user:frank@northwind.example","flow":"flow-legacy-report"}`, auth...); d["allow"] != true {
		t.Errorf("a reload lost an API write: %v", d)
	}

	status, m := s.call(t, "GET", "/metrics", "", auth...)
	raw := fmt.Sprint(m["raw"])
	if status != 200 || !strings.Contains(raw, `padlock_decisions_total{action="run",outcome="allow"}`) || !strings.Contains(raw, `padlock_document_reloads_total{result="refused"}`) {
		t.Errorf("metrics: %d\n%s", status, raw)
	}

	s.cmd.Process.Signal(syscall.SIGTERM)
	if err := s.cmd.Wait(); err != nil {
		t.Errorf("graceful stop: %v\n%s", err, s.output())
	}
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestSidecarsConvergeOnBundles: one bundle server, two sidecars polling
// it. A new signed revision is served; both converge on it and answer the
// new decision. A tampered revision is refused by both, which keep
// answering with the last good one.
func TestSidecarsConvergeOnBundles(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two sidecars")
	}
	dir := t.TempDir()
	priv, pub, err := packtest.RSAKeys()
	if err != nil {
		t.Fatal(err)
	}

	// The bundle carries OPA's decision log mask beside padlock's policies.
	withMask := fstest.MapFS{"system/log/mask.rego": {Data: []byte("package system.log\n\nmask contains \"/input/principal\"\n")}}
	if err := fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(policies.FS, p)
			withMask[p] = &fstest.MapFile{Data: b}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	build := func(rev string, data string, docs ...any) []byte {
		dataDir := filepath.Join(dir, rev)
		write(t, filepath.Join(dataDir, "padlock/config/data.json"), data)
		b, err := pack.Build(context.Background(), pack.BuildOptions{Policies: withMask, Data: os.DirFS(dataDir), Revision: rev, SigningKey: priv, Documents: docs})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := pack.Write(&buf, b); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	r1 := build("r1", `{"processReadAllRoles": ["System Administrator"]}`)
	r2 := build("r2", `{"processReadAllRoles": []}`)
	r3, err := packtest.Tamper(build("r3", `{"processReadAllRoles": ["System Administrator"]}`))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	current := r1
	bs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Write(current)
	}))
	defer bs.Close()
	serve := func(b []byte) { mu.Lock(); current = b; mu.Unlock() }

	config := filepath.Join(dir, "opa.yaml")
	write(t, config, fmt.Sprintf(`services:
  hub:
    url: %s
bundles:
  padlock:
    service: hub
    resource: bundles/padlock.tar.gz
    polling: {min_delay_seconds: 1, max_delay_seconds: 1}
    signing: {keyid: hub-key}
keys:
  hub-key:
    algorithm: RS256
    key: |
%s
decision_logs:
  console: true
`, bs.URL, indent(pub, "      ")))
	a := startSidecar(t, "--config", config, "--docs", "fixtures/example/world", "--id", "sidecar-a")
	b := startSidecar(t, "--config", config, "--docs", "fixtures/example/world", "--id", "sidecar-b")

	// dave is a co-owner only through System Administrator.
	dave := `{"action":"edit","principal":"user:dave@northwind.example","flow":"flow-legacy-report"}`
	for _, s := range []*sidecar{a, b} {
		if _, d := s.call(t, "POST", "/v1/decisions", dave); d["allow"] != true {
			t.Fatalf("r1: %v\n%s", d, s.output())
		}
	}
	serve(r2)
	for _, s := range []*sidecar{a, b} {
		waitFor(t, func() bool {
			_, d := s.call(t, "POST", "/v1/decisions", dave)
			return d["allow"] == false && strings.Contains(fmt.Sprint(d["reasons"]), "NO_ACCESS")
		}, "a sidecar to converge on r2")
	}
	serve(r3)
	time.Sleep(3 * time.Second) // several polls
	for _, s := range []*sidecar{a, b} {
		if _, d := s.call(t, "POST", "/v1/decisions", dave); d["allow"] != false {
			t.Errorf("a tampered bundle replaced r2: %v", d)
		}
		if !strings.Contains(s.output(), "digest mismatch") {
			t.Errorf("the refusal of the tampered bundle is not logged:\n%s", s.output())
		}
		// Decision logs went to the console, with ids, the principal masked.
		if !hasDecisionLog(s.output()) {
			t.Errorf("no decision log on the console:\n%s", s.output())
		}
		for _, line := range strings.Split(s.output(), "\n") {
			if strings.Contains(line, `msg="Decision Log"`) && (strings.Contains(line, "principal:user:dave@example.com") || !strings.Contains(line, "/input/principal")) {
				t.Errorf("the decision log does not mask the principal: %s", line)
				break
			}
		}
	}
	if status, _ := a.call(t, "GET", "/health?bundles", ""); status != 500 && status != 200 {
		t.Errorf("health?bundles: %d", status)
	}

	// One world for the fleet: r4 carries documents (a flow and its share,
	// beside each sidecar's own files), r5 an invalid world (a share of a
	// flow nobody defines), which both refuse, keeping r4's world.
	fleetFlow := map[string]any{"kind": "DesktopFlow", "id": "flow-fleet", "name": "Fleet", "environment": "env-prod",
		"owner": "user:olivia@northwind.example", "schemaVersion": "v2", "connectionReferences": []any{}, "actions": []any{}}
	zoeShare := func(flow string) map[string]any {
		return map[string]any{"kind": "Share", "flow": flow, "grants": []any{map[string]any{"principal": "user:zoe@northwind.example", "role": "user"}}}
	}
	zoe := `{"action":"run","mode":"console","principal":"user:zoe@northwind.example","flow":"flow-fleet"}`
	serve(build("r4", `{"processReadAllRoles": []}`, fleetFlow, zoeShare("flow-fleet")))
	for _, s := range []*sidecar{a, b} {
		waitFor(t, func() bool { _, d := s.call(t, "POST", "/v1/decisions", zoe); return d["allow"] == true }, "a sidecar to decide over r4's documents")
	}
	// r5 also gives System Administrators back their co-ownership: a
	// refused bundle's data must not reach the policies that keep serving.
	serve(build("r5", `{"processReadAllRoles": ["System Administrator"]}`, zoeShare("flow-nowhere")))
	for _, s := range []*sidecar{a, b} {
		waitFor(t, func() bool {
			_, h := s.call(t, "GET", "/health", "")
			return h["status"] == "degraded" && strings.Contains(fmt.Sprint(h), "documents are invalid")
		}, "a sidecar to refuse r5's invalid world and say so on /health")
		if _, d := s.call(t, "POST", "/v1/decisions", zoe); d["allow"] != true {
			t.Errorf("r5's invalid world replaced r4's: %v", d)
		}
		if _, d := s.call(t, "POST", "/v1/decisions", dave); d["allow"] != false {
			t.Errorf("the refused r5's data reached r4's policies: %v", d)
		}
		if _, l := s.call(t, "GET", "/v1/documents?source=bundle", ""); !strings.Contains(fmt.Sprint(l), "flow-fleet") {
			t.Errorf("the bundle's documents are not listed with their source: %v", l)
		}
	}
}

func indent(s, pre string) string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(strings.TrimSpace(s)))
	for sc.Scan() {
		out = append(out, pre+sc.Text())
	}
	return strings.Join(out, "\n")
}

func hasDecisionLog(out string) bool {
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, `msg="Decision Log"`) && strings.Contains(line, "decision_id=") && strings.Contains(line, "path=padlock/authz/decision") {
			return true
		}
	}
	return false
}

// TestAcknowledgedWritesSurviveKill9: writes acknowledged by the documents
// API, then kill -9, then a restart over the same --data-dir: every
// acknowledged write is there, nothing half-applied.
func TestAcknowledgedWritesSurviveKill9(t *testing.T) {
	dataDir := t.TempDir()
	s := startSidecar(t, "--docs", "fixtures/example/world", "--data-dir", dataDir)
	const n = 20
	for i := range n {
		flow := fmt.Sprintf(`{"kind":"DesktopFlow","id":"flow-k%02d","name":"K%d","environment":"northwind-prod","owner":"user:zoe@northwind.example","schemaVersion":"v2","connectionReferences":[],"actions":[]}`, i, i)
		if status, body := s.call(t, "PUT", "/v1/documents", flow); status != 200 {
			t.Fatalf("put %d: %d %v", i, status, body)
		}
	}
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	s.cmd.Wait()
	again := startSidecar(t, "--docs", "fixtures/example/world", "--data-dir", dataDir)
	for i := range n {
		q := fmt.Sprintf(`{"action":"edit","principal":"zoe@northwind.example","flow":"flow-k%02d"}`, i)
		if _, d := again.call(t, "POST", "/v1/decisions", q); d["allow"] != true {
			t.Fatalf("acknowledged write %d lost after kill -9: %v\n%s", i, d, again.output())
		}
	}
	if !strings.Contains(again.output(), "API writes are kept in the data dir") {
		t.Errorf("the restart does not say where API writes are kept:\n%s", again.output())
	}
}
