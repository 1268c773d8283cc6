package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/padlock/padlock/engine/dataverse"
	"github.com/padlock/padlock/engine/dataverse/dataversetest"
	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/validate"
)

// TestImportFromTheTenant: the sidecar keeps its world in step with the
// tenant; a refused import keeps the last good one serving and /health
// says why, and a later good one clears it.
func TestImportFromTheTenant(t *testing.T) {
	const dump = "../../fixtures/dataverse/northwind-prod"
	tenant := dataversetest.New(t, dump, dataversetest.Options{Token: "tok"})
	broken := dataversetest.New(t, dump, dataversetest.Options{Token: "tok", Fail: []string{"teams"}})
	noWait := func(context.Context, time.Duration) error { return nil }
	s, ts := newTestServer(t, Config{Import: &ImportConfig{Fetch: dataverse.Fetch{URL: tenant.URL, Token: "tok", ConnectionsURL: tenant.URL + "/connections", ConnectionsToken: "tok", Sleep: noWait}}})
	ctx := context.Background()
	frank := `{"action":"run","principal":"user:frank@northwind.example","flow":"3a1e0c4b-0001-4c1d-9a00-00000000f001"}`

	if _, h := do(t, "GET", ts.URL+"/health", ""); h["status"] != "degraded" || !strings.Contains(toString(h), "waiting for the first import") {
		t.Errorf("before the first import: %v", h)
	}
	if _, d := do(t, "POST", ts.URL+"/v1/decisions", frank); d["allow"] != false {
		t.Errorf("before the first import the flow is unknown: %v", d)
	}
	if probs := s.Import(ctx); probs.HasErrors() {
		t.Fatal(probs)
	}
	if _, d := do(t, "POST", ts.URL+"/v1/decisions", frank); d["allow"] != true || d["role"] != "user" {
		t.Errorf("after the import: %v", d)
	}
	if _, h := do(t, "GET", ts.URL+"/health", ""); h["status"] != "ok" {
		t.Errorf("after the import: %v", h)
	}

	s.cfg.Import.Fetch.URL = broken.URL
	if probs := s.Import(ctx); !probs.HasErrors() {
		t.Fatal("an import failing mid-way must be refused")
	}
	if _, d := do(t, "POST", ts.URL+"/v1/decisions", frank); d["allow"] != true {
		t.Errorf("a refused import must keep the last good world: %v", d)
	}
	if _, h := do(t, "GET", ts.URL+"/health", ""); h["status"] != "degraded" || !strings.Contains(toString(h), "import from the tenant was refused") {
		t.Errorf("a refused import must show on /health: %v", h)
	}
	if _, h := do(t, "GET", ts.URL+"/health", ""); strings.Contains(toString(h), "tok") {
		t.Errorf("/health shows the token: %v", h)
	}

	s.cfg.Import.Fetch.URL = tenant.URL
	if probs := s.Import(ctx); probs.HasErrors() {
		t.Fatal(probs)
	}
	if _, h := do(t, "GET", ts.URL+"/health", ""); h["status"] != "ok" {
		t.Errorf("a good import clears the state: %v", h)
	}
}

// TestAFIFOIsSkipped: a FIFO (or socket, or device) among the documents is
// reported and skipped, never opened: opening it would block the reload,
// and with it every API write, until a writer came.
func TestAFIFOIsSkipped(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(exampleWorld)); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.yaml"), 0o644); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	done := make(chan struct{})
	var s *Server
	go func() {
		defer close(done)
		s, _ = newTestServer(t, Config{Docs: []string{dir}})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the server hung on the FIFO")
	}
	probs := s.Reload(context.Background())
	if probs.HasErrors() || !strings.Contains(probs.Error(), "pipe.yaml") || !strings.Contains(probs.Error(), "not a regular file") {
		t.Errorf("want a warning naming the FIFO, got %v", probs)
	}
	if len(s.Engine().World().Flows) != 4 {
		t.Errorf("the other documents must still be read: %d flows", len(s.Engine().World().Flows))
	}
}

// TestAPIWritesSurviveARestart: with a data dir, an acknowledged write (and
// a delete) is there after the server is gone and a new one starts.
func TestAPIWritesSurviveARestart(t *testing.T) {
	dataDir := t.TempDir()
	cfg := Config{Docs: []string{exampleWorld}, DataDir: dataDir}
	s, ts := newTestServer(t, cfg)
	share := `{"kind":"Share","flow":"flow-legacy-report","grants":[{"principal":"frank@northwind.example","role":"user"}]}`
	if status, body := do(t, "PUT", ts.URL+"/v1/documents", share); status != 200 {
		t.Fatalf("put: %d %v", status, body)
	}
	flow := `{"kind":"DesktopFlow","id":"flow-api","name":"API flow","environment":"northwind-prod","owner":"user:zoe@northwind.example","schemaVersion":"v2","connectionReferences":[],"actions":[]}`
	if status, body := do(t, "PUT", ts.URL+"/v1/documents", flow); status != 200 {
		t.Fatalf("put: %d %v", status, body)
	}
	gone := strings.Replace(strings.Replace(flow, "flow-api", "flow-gone", 1), "API flow", "Gone", 1)
	if status, body := do(t, "PUT", ts.URL+"/v1/documents", gone); status != 200 {
		t.Fatalf("put: %d %v", status, body)
	}
	if status, _ := do(t, "DELETE", ts.URL+"/v1/documents/DesktopFlow/flow-gone", ""); status != 204 {
		t.Fatalf("delete: %d", status)
	}
	ts.Close()
	if err := s.durable.close(); err != nil { // the process is gone
		t.Fatal(err)
	}
	_, ts2 := newTestServer(t, cfg)
	ask := func(q string) any {
		_, d := do(t, "POST", ts2.URL+"/v1/decisions", q)
		return d["allow"]
	}
	if ask(`{"action":"run","principal":"frank@northwind.example","flow":"flow-legacy-report"}`) != true {
		t.Error("the acknowledged share is lost after a restart")
	}
	if ask(`{"action":"edit","principal":"zoe@northwind.example","flow":"flow-api"}`) != true {
		t.Error("the acknowledged flow is lost after a restart")
	}
	if ask(`{"action":"edit","principal":"zoe@northwind.example","flow":"flow-gone"}`) != false {
		t.Error("the acknowledged delete is lost after a restart")
	}
}

// TestSharesAddUpAcrossSources: a PUT of a Share adds the API's grants to
// the flow's shares from files (it used to replace them, revoking every
// other grant); a DELETE removes only the API's share.
func TestSharesAddUpAcrossSources(t *testing.T) {
	_, ts := newTestServer(t, Config{Docs: []string{exampleWorld}})
	allow := func(q string) any {
		_, d := do(t, "POST", ts.URL+"/v1/decisions", q)
		return d["allow"]
	}
	frank := `{"action":"run","principal":"frank@northwind.example","flow":"flow-invoice-sync"}`
	zoe := `{"action":"run","principal":"zoe@northwind.example","flow":"flow-invoice-sync"}`
	if status, body := do(t, "PUT", ts.URL+"/v1/documents", `{"kind":"Share","flow":"flow-invoice-sync","grants":[{"principal":"zoe@northwind.example","role":"user"}]}`); status != 200 {
		t.Fatalf("put: %d %v", status, body)
	}
	if allow(zoe) != true || allow(frank) != true {
		t.Errorf("after the PUT: zoe %v (the API's grant), frank %v (the file's grant): both must hold", allow(zoe), allow(frank))
	}
	if status, _ := do(t, "DELETE", ts.URL+"/v1/documents/Share/flow-invoice-sync", ""); status != 204 {
		t.Fatalf("delete: %d", status)
	}
	if allow(zoe) != false || allow(frank) != true {
		t.Errorf("after the DELETE: zoe %v, frank %v: only the API's grant goes", allow(zoe), allow(frank))
	}
	if status, _ := do(t, "DELETE", ts.URL+"/v1/documents/Share/flow-vendor-onboarding", ""); status != 404 {
		t.Errorf("a DELETE of a share only files hold: %d, want 404", status)
	}
}

// TestNoSilentOverride: a document the files define cannot be replaced or
// hidden through the API: the write is refused as a conflict naming both.
func TestNoSilentOverride(t *testing.T) {
	_, ts := newTestServer(t, Config{Docs: []string{exampleWorld}})
	flow := `{"kind":"DesktopFlow","id":"flow-invoice-sync","name":"Hijacked","environment":"northwind-prod","owner":"user:mallory@northwind.example","schemaVersion":"v2","connectionReferences":[],"actions":[]}`
	status, body := do(t, "PUT", ts.URL+"/v1/documents", flow)
	if status != 400 || !strings.Contains(toString(body), `duplicate DesktopFlow id \"flow-invoice-sync\"`) || !strings.Contains(toString(body), "flows.yaml") {
		t.Errorf("a PUT over a file's flow: %d %v", status, toString(body))
	}
	if _, d := do(t, "POST", ts.URL+"/v1/decisions", `{"action":"edit","principal":"mallory@northwind.example","flow":"flow-invoice-sync"}`); d["allow"] != false {
		t.Errorf("the refused write took effect: %v", d)
	}
	if status, body := do(t, "DELETE", ts.URL+"/v1/documents/Team/team:finance", ""); status != 409 || !strings.Contains(toString(body), "defined by the files") {
		t.Errorf("a DELETE of a file's team: %d %v", status, toString(body))
	}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// runServer runs the watcher of a server over dir until the test ends.
func runServer(t *testing.T, cfg Config) (*Server, string) {
	t.Helper()
	cfg.Logger = quiet()
	s, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := s.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Run(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	return s, "http://" + ln.Addr().String()
}

// TestAReplacedFolderIsSeen: a deploy tool replaces the documents folder
// (rm -rf docs && cp -r new docs); the watch on the old folder is gone, but
// the rescan sees the new one and re-watches it, and a later edit is seen.
func TestAReplacedFolderIsSeen(t *testing.T) {
	root := t.TempDir()
	docs := filepath.Join(root, "docs")
	if err := os.CopyFS(docs, os.DirFS(exampleWorld)); err != nil {
		t.Fatal(err)
	}
	_, url := runServer(t, Config{Addr: "127.0.0.1:0", Docs: []string{docs}, DocsRescan: 200 * time.Millisecond, DocsSettle: 100 * time.Millisecond})
	frank := `{"action":"run","principal":"frank@northwind.example","flow":"flow-desktop-cleanup"}`
	allow := func() any { _, d := do(t, "POST", url+"/v1/decisions", frank); return d["allow"] }
	if allow() != true {
		t.Fatal("frank runs desktop cleanup at start")
	}
	next := filepath.Join(root, "next")
	if err := os.CopyFS(next, os.DirFS(exampleWorld)); err != nil {
		t.Fatal(err)
	}
	shares, _ := os.ReadFile(filepath.Join(next, "shares.yaml"))
	cut := strings.Index(string(shares), "---\nkind: Share\nflow: flow-desktop-cleanup")
	if cut < 0 {
		t.Fatal("the example's shares changed: this test cuts the desktop cleanup share")
	}
	writeFile(t, filepath.Join(next, "shares.yaml"), string(shares[:cut]))
	if err := os.RemoveAll(docs); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(next, docs); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the replaced folder's revoked share to take effect", func() bool { return allow() == false })
	// A later edit in the new folder is seen too: the folder is watched again.
	writeFile(t, filepath.Join(docs, "shares.yaml"), string(shares))
	eventually(t, "an edit in the replaced folder to take effect", func() bool { return allow() == true })
}

// TestAHalfWrittenFileIsNeverServed: a file written in slow pieces, cut
// between YAML items, never makes a decision that neither the old nor the
// new world gives.
func TestAHalfWrittenFileIsNeverServed(t *testing.T) {
	docs := t.TempDir()
	flow := "kind: DesktopFlow\nid: f\nname: F\nenvironment: e\nowner: user:o@x.example\nschemaVersion: v2\nconnectionReferences:\n  - {logicalName: r, connector: shared_sql, owner: user:o@x.example, embedded: false}\nactions: []\n"
	share := "---\nkind: Share\nflow: f\ngrants:\n  - {principal: user:u@x.example, role: user}\n"
	writeFile(t, filepath.Join(docs, "world.yaml"), flow+share)
	_, url := runServer(t, Config{Addr: "127.0.0.1:0", Docs: []string{docs}, DocsRescan: 100 * time.Millisecond, DocsSettle: 400 * time.Millisecond})
	invoke := `{"action":"invoke","mode":"unattended","principal":"user:o@x.example","flow":"f"}`
	// Old and new world: the flow is shared and a reference is not
	// embedded, so the invoke is denied. The flow alone (the first piece)
	// is not shared: the invoke would be allowed.
	stop := make(chan struct{})
	seen := make(chan string, 1)
	go func() {
		for {
			select {
			case <-stop:
				close(seen)
				return
			default:
			}
			if _, d := do(t, "POST", url+"/v1/decisions", invoke); d["allow"] == true {
				seen <- "allowed"
				close(seen)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	for round := range 3 {
		f, err := os.Create(filepath.Join(docs, "world.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(flow)
		f.Sync()
		time.Sleep(250 * time.Millisecond) // a slow writer, cut between YAML items
		f.WriteString(share + fmt.Sprintf("# round %d\n", round))
		f.Close()
		time.Sleep(250 * time.Millisecond)
	}
	time.Sleep(800 * time.Millisecond)
	close(stop)
	if v := <-seen; v != "" {
		t.Fatal("a half-written file was served: the invoke was allowed")
	}
}

func TestListDocumentsWithTheirSource(t *testing.T) {
	_, ts := newTestServer(t, Config{Docs: []string{exampleWorld}})
	if status, body := do(t, "PUT", ts.URL+"/v1/documents", `{"kind":"Share","flow":"flow-invoice-sync","grants":[{"principal":"zoe@northwind.example","role":"user"}]}`); status != 200 {
		t.Fatalf("put: %d %v", status, body)
	}
	_, body := do(t, "GET", ts.URL+"/v1/documents?kind=share", "")
	list := body["result"].([]any)
	sources := map[string]int{}
	for _, d := range list {
		m := d.(map[string]any)
		sources[m["source"].(string)]++
		if m["kind"] != "Share" {
			t.Errorf("kind=share listed %v", m["kind"])
		}
	}
	if sources["files"] != 3 || sources["api"] != 1 {
		t.Errorf("shares by source: %v, want 3 from files and 1 from the API", sources)
	}
	_, body = do(t, "GET", ts.URL+"/v1/documents?source=api", "")
	if n := len(body["result"].([]any)); n != 1 {
		t.Errorf("source=api: %d documents", n)
	}
	if status, _ := do(t, "GET", ts.URL+"/v1/documents?source=elsewhere", ""); status != 400 {
		t.Errorf("an unknown source: %d", status)
	}
}

// TestServesWhileTheBundleServerIsDown: with a bundle server that cannot
// be reached, the sidecar still starts and answers /health (200, degraded;
// 500 with ?bundles, as OPA), and denies every decision until a bundle is
// activated.
func TestServesWhileTheBundleServerIsDown(t *testing.T) {
	start := time.Now()
	_, url := runServer(t, Config{Addr: "127.0.0.1:0", Bundle: "http://127.0.0.1:9/bundles/padlock.tar.gz", Docs: []string{exampleWorld}})
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("start took %v", took)
	}
	if status, h := do(t, "GET", url+"/health", ""); status != 200 || h["status"] != "degraded" || !strings.Contains(toString(h), "waiting for the first bundle") {
		t.Errorf("/health: %d %v", status, h)
	}
	if status, _ := do(t, "GET", url+"/health?bundles", ""); status != 500 {
		t.Errorf("/health?bundles: %d, want 500", status)
	}
	status, d := do(t, "POST", url+"/v1/decisions", `{"action":"run","principal":"frank@northwind.example","flow":"flow-invoice-sync"}`)
	if status != 500 || d["allow"] != false || !strings.Contains(toString(d), "no bundle has been activated") {
		t.Errorf("a decision before any bundle: %d %v", status, d)
	}
}

// TestAnEditThatKeepsSizeAndMtimeIsSeen: a file rewritten with content of
// the same size, its modification time put back (a coarse-mtime file
// system, a tool that preserves times), is still reloaded: the
// fingerprint hashes content.
func TestAnEditThatKeepsSizeAndMtimeIsSeen(t *testing.T) {
	docs := t.TempDir()
	world := "kind: DesktopFlow\nid: f\nname: F\nenvironment: e\nowner: user:o@x.example\nschemaVersion: v2\nconnectionReferences: []\nactions: []\n" +
		"---\nkind: Share\nflow: f\ngrants:\n  - {principal: user:u@x.example, role: user}\n"
	path := filepath.Join(docs, "world.yaml")
	writeFile(t, path, world)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	_, url := runServer(t, Config{Addr: "127.0.0.1:0", Docs: []string{docs}, DocsRescan: 100 * time.Millisecond, DocsSettle: 50 * time.Millisecond})
	runs := func(who string) any {
		_, d := do(t, "POST", url+"/v1/decisions", `{"action":"run","mode":"console","principal":"user:`+who+`@x.example","flow":"f"}`)
		return d["allow"]
	}
	if runs("u") != true || runs("v") != false {
		t.Fatal("u runs f, v does not, at start")
	}
	edited := strings.Replace(world, "user:u@x.example", "user:v@x.example", 1)
	writeFile(t, path, edited)
	if err := os.Chtimes(path, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the share granted to v instead of u", func() bool { return runs("v") == true && runs("u") == false })
}

// TestAHungReadFailsTheReloadOnly: a reread of --docs that never returns
// (a file on a hung mount) fails that reload within the read timeout: the
// last good world keeps serving, /health says why, and the next reload is
// not stuck behind it.
func TestAHungReadFailsTheReloadOnly(t *testing.T) {
	s, url := runServer(t, Config{Addr: "127.0.0.1:0", Docs: []string{exampleWorld}, DocsRescan: -1, DocsReadTimeout: 200 * time.Millisecond})
	frank := `{"action":"run","principal":"frank@northwind.example","flow":"flow-desktop-cleanup"}`
	hung := make(chan struct{})
	defer close(hung)
	good := s.read
	s.read = func(ctx context.Context) ([]validate.Typed, diag.List) { <-hung; return nil, nil }
	start := time.Now()
	probs := s.Reload(context.Background())
	if !probs.HasErrors() || !strings.Contains(probs.Error(), "took longer than 200ms") || time.Since(start) > 5*time.Second {
		t.Fatalf("a hung read: %v after %s", probs, time.Since(start))
	}
	if _, d := do(t, "POST", url+"/v1/decisions", frank); d["allow"] != true {
		t.Errorf("the last good world no longer serves: %v", d)
	}
	if _, h := do(t, "GET", url+"/health", ""); h["status"] != "degraded" {
		t.Errorf("health after a hung read: %v", h)
	}
	s.read = good
	if probs := s.Reload(context.Background()); probs.HasErrors() {
		t.Fatalf("the next reload: %v", probs)
	}
	if _, h := do(t, "GET", url+"/health", ""); h["status"] != "ok" {
		t.Errorf("health after a good reload: %v", h)
	}
}
