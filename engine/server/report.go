package server

import (
	"bytes"
	"context"
	"net/http"
	"time"
	"weak"

	"github.com/open-policy-agent/opa/v1/server/types"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/report"
)

// reportPages builds the access report one page at a time and keeps the
// last page built, with the engine and world version it shows, and its
// rows: the report of a large world takes minutes of a core, and an
// operator who opens it again, or reloads it while it is built, must get
// it without another build when nothing has changed, and after a write
// with only the rows it changed asked again.
type reportPages struct {
	turn chan struct{} // held for a whole build; a request waits its turn or gives up
	// eng is weak: a page kept must not keep an engine replaced since
	// (new policies) alive, with its copy of the world.
	eng     weak.Pointer[engine.Engine]
	version uint64
	page    []byte
	// rows of the last page, for the next one to ask again only about the
	// flows written since.
	rows *report.Rows
}

func newReportPages() *reportPages { return &reportPages{turn: make(chan struct{}, 1)} }

// get returns the report of the engine's world now, built by build
// unless the last page shows this world.
func (p *reportPages) get(ctx context.Context, eng *engine.Engine, build func(context.Context, *engine.Engine, *report.Rows) ([]byte, error)) ([]byte, error) {
	select {
	case p.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-p.turn }()
	// The version before the build (which reads a snapshot at this
	// version or a later one): a page kept under it is never older than
	// the world it is served for.
	version := eng.Version()
	if p.eng.Value() == eng && p.version == version {
		return p.page, nil
	}
	p.rows = p.rows.For(eng) // kept across a build cut short, not across new policies
	page, err := build(ctx, eng, p.rows)
	if err != nil {
		return nil, err
	}
	p.eng, p.version, p.page = weak.Make(eng), version, page
	return page, nil
}

// handleReport is GET /report: the access report of the world serving now,
// as one self-contained HTML page.
func (s *Server) handleReport(w http.ResponseWriter, r *http.Request) {
	// A large world's report takes longer than the server's write
	// timeout, which would cut it off: no deadline while it is built (a
	// client that goes away cancels the build), the usual one to send it.
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{})
	page, err := s.reports.get(r.Context(), s.eng.Load(), func(ctx context.Context, eng *engine.Engine, rows *report.Rows) ([]byte, error) {
		start := time.Now()
		data, err := report.Build(ctx, eng, "padlock access report ("+s.cfg.ID+")", nil, report.WithRows(rows))
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		if err := report.Write(&b, data); err != nil {
			return nil, err
		}
		s.log.Info("access report built", "flows", len(data.Flows), "rows_reused", rows.Reused(), "principals", len(data.Principals), "bytes", b.Len(), "took", time.Since(start).Round(time.Millisecond))
		return b.Bytes(), nil
	})
	if err != nil {
		if r.Context().Err() != nil { // nobody to answer
			s.log.Info("access report abandoned: the client went away")
			return
		}
		writeError(w, http.StatusInternalServerError, types.CodeEvaluation, "access report: "+err.Error(), nil)
		return
	}
	_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", report.CSP)
	_, _ = w.Write(page)
}
