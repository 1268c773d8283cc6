package server

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/padlock/padlock/engine/report"
)

// TestReportEndpoint: GET /report is the page of the world serving now,
// built once per world: asked again it is the same page without a build,
// and after a write it shows the write.
func TestReportEndpoint(t *testing.T) {
	var log lockedBuffer
	s, err := New(context.Background(), Config{Docs: []string{exampleWorld}, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
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
