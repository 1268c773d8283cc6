package server

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/padlock/padlock/engine/report"
)

// TestReportEndpoint: GET /report is the page of the world serving now,
// built once per world: asked again it is the same page without a build,
// and after a write it shows the write.
func TestReportEndpoint(t *testing.T) {
	_, ts, log := loggedServer(t, exampleWorld)
	builds := func() int { return strings.Count(log.String(), "access report built") }
	shows := func(page, what string) bool {
		t.Helper()
		data, err := report.Unpack([]byte(page))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Contains(string(data), what)
	}
	status, body := raw(t, "GET", ts.URL+"/report", "")
	if status != 200 || !strings.Contains(body, "<!DOCTYPE html>") || !shows(body, "flow-invoice-sync") || strings.Contains(body, "<script src") {
		t.Fatalf("%d %.300s", status, body)
	}
	if status, again := raw(t, "GET", ts.URL+"/report", ""); status != 200 || again != body || builds() != 1 {
		t.Errorf("asked again: %d, the same page: %v, %d builds", status, again == body, builds())
	}
	flow := `{"kind":"DesktopFlow","id":"flow-api","name":"API flow","environment":"northwind-prod","owner":"user:zoe@northwind.example","schemaVersion":"v2","connectionReferences":[],"actions":[]}`
	if status, res := do(t, "PUT", ts.URL+"/v1/documents", flow); status != 200 {
		t.Fatalf("put: %d %v", status, res)
	}
	if status, after := raw(t, "GET", ts.URL+"/report", ""); status != 200 || !shows(after, `"flow-api"`) || builds() != 2 {
		t.Errorf("after a write: %d, shows it: %v, %d builds", status, shows(after, `"flow-api"`), builds())
	}
}

// loggedServer serves the documents of docs and keeps the server's log.
func loggedServer(t *testing.T, docs string) (*Server, *httptest.Server, *lockedBuffer) {
	t.Helper()
	log := &lockedBuffer{}
	s, err := New(context.Background(), Config{Docs: []string{docs}, Logger: slog.New(slog.NewTextHandler(log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return s, ts, log
}

// lockedBuffer is a log the server writes from its handlers' goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestReportRowsFollowWrites: after each write (a share of one flow, a
// new flow, a team, a connection, a share deleted), GET /report is the page
// a report built afresh over the world serving then writes, byte for byte,
// while it asks again only about the rows that read what the write
// changed: the flow shared, the new flow, the flows a member of the team
// may run but the one he owns (four: whatever his teams, he is its owner)
// and none for a team of someone who holds no role,
// the one flow whose SharePoint reference the connection's owner would
// use it for.
func TestReportRowsFollowWrites(t *testing.T) {
	s, ts, log := loggedServer(t, exampleWorld)
	check := rowsChecker(t, s, ts, log)
	for _, tt := range []struct {
		name, method, path, body string
		reasked                  int // rows asked again; -1: all
	}{
		{name: "first", reasked: -1},
		{"a share of one flow", "PUT", "/v1/documents", `{"kind":"Share","flow":"flow-legacy-report","grants":[{"principal":"frank@northwind.example","role":"co-owner"}]}`, 1},
		{"a new flow", "PUT", "/v1/documents", `{"kind":"DesktopFlow","id":"flow-api","name":"API flow","environment":"northwind-prod","owner":"user:frank@northwind.example","schemaVersion":"v2","connectionReferences":[],"actions":[]}`, 1},
		{"a team", "PUT", "/v1/documents", `{"kind":"Team","id":"team:api","members":["user:frank@northwind.example"]}`, 4},
		{"a team of a stranger", "PUT", "/v1/documents", `{"kind":"Team","id":"team:strangers","members":["user:zed@northwind.example"]}`, 0},
		{"a connection", "PUT", "/v1/documents", `{"kind":"Connection","id":"conn-frank-sp","connector":"shared_sharepointonline","environment":"northwind-prod","owner":"user:frank@northwind.example","account":"frank@northwind.example","status":"Connected"}`, 1},
		{"the share deleted", "DELETE", "/v1/documents/Share/flow-legacy-report", "", 1},
	} {
		if tt.method != "" {
			if status, res := do(t, tt.method, ts.URL+tt.path, tt.body); status != 200 && status != 204 {
				t.Fatalf("%s: %d %v", tt.name, status, res)
			}
		}
		check(tt.name, tt.reasked)
	}
}

// TestReportRowsFollowAFolderReread: a sidecar that reads its documents
// from a folder gets a whole new world on every reread; after a share
// file changed, the next page asks again only about that flow, after a
// team changed, about the flows its members may run, and after a
// connection's status changed, about the flows a run would bring it to.
func TestReportRowsFollowAFolderReread(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(exampleWorld)); err != nil {
		t.Fatal(err)
	}
	s, ts, log := loggedServer(t, dir)
	check := rowsChecker(t, s, ts, log)
	check("first", -1)
	for _, tt := range []struct {
		name, file, old, new string
		reasked              int
	}{
		{"a share file", "shares.yaml", "flow: flow-desktop-cleanup\ngrants:\n  - principal: user:frank@northwind.example\n    role: user", "flow: flow-desktop-cleanup\ngrants:\n  - principal: user:frank@northwind.example\n    role: co-owner", 1},
		{"a team file", "teams.yaml", "  - user:dave@northwind.example\n", "  - user:dave@northwind.example\n  - user:frank@northwind.example\n", -1},
		// Alice runs her flow with her own references: nothing read her
		// connection's status. Frank brings his Outlook connection to one.
		{"a connection nobody brings", "connections.yaml", "  id: conn-alice-sharepoint\n  connector: shared_sharepointonline\n  environment: northwind-prod\n  owner: user:alice@northwind.example\n  account: alice@northwind.example\n  status: Connected", "  id: conn-alice-sharepoint\n  connector: shared_sharepointonline\n  environment: northwind-prod\n  owner: user:alice@northwind.example\n  account: alice@northwind.example\n  status: Error", 0},
		{"a connection brought", "connections.yaml", "  id: conn-frank-outlook\n  connector: shared_office365\n  environment: northwind-prod\n  owner: user:frank@northwind.example\n  account: frank@northwind.example\n  status: Connected", "  id: conn-frank-outlook\n  connector: shared_office365\n  environment: northwind-prod\n  owner: user:frank@northwind.example\n  account: frank@northwind.example\n  status: Error", 1},
	} {
		file := filepath.Join(dir, tt.file)
		b, err := os.ReadFile(file)
		if err != nil || !bytes.Contains(b, []byte(tt.old)) {
			t.Fatalf("%s: %v, or %s lacks %q", tt.name, err, tt.file, tt.old)
		}
		if err := os.WriteFile(file, bytes.Replace(b, []byte(tt.old), []byte(tt.new), 1), 0o644); err != nil {
			t.Fatal(err)
		}
		if probs := s.Reload(context.Background()); probs.HasErrors() {
			t.Fatalf("%s: reread: %v", tt.name, probs)
		}
		check(tt.name, tt.reasked)
	}
}

// rowsChecker returns a check that GET /report is byte for byte the page
// built afresh for the world serving now, and that its build asked again
// about reasked rows (-1: every row) and reused the others, as the
// server's log says.
func rowsChecker(t *testing.T, s *Server, ts *httptest.Server, log *lockedBuffer) func(name string, reasked int) {
	fresh := func() string {
		t.Helper()
		d, err := report.Build(context.Background(), s.Engine(), "padlock access report ("+s.cfg.ID+")", nil)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := report.Write(&b, d); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	reused := regexp.MustCompile(`flows=(\d+) rows_reused=(\d+)`)
	return func(name string, reasked int) {
		t.Helper()
		status, page := raw(t, "GET", ts.URL+"/report", "")
		if status != 200 || page != fresh() {
			t.Fatalf("%s: %d, the page is the one built afresh: %v", name, status, page == fresh())
		}
		m := reused.FindAllStringSubmatch(log.String(), -1)
		if len(m) == 0 {
			t.Fatalf("%s: no build logged", name)
		}
		t.Logf("%s: %s", name, m[len(m)-1][0])
		flows, _ := strconv.Atoi(m[len(m)-1][1])
		kept, _ := strconv.Atoi(m[len(m)-1][2])
		if want := flows - reasked; reasked < 0 && kept != 0 || reasked >= 0 && kept != want {
			t.Errorf("%s: %d rows of %d reused; want %d asked again", name, kept, flows, reasked)
		}
	}
}
