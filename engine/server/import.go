package server

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/padlock/padlock/engine/dataverse"
	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/validate"
)

// ImportConfig keeps the world in step with the tenant: the Dataverse and
// connection collections, fetched every Every, are one more source of
// documents.
type ImportConfig struct {
	Fetch dataverse.Fetch
	Every time.Duration
	// Environment names the imported documents' environment (default: the
	// organisation the Web API names).
	Environment string
}

// importLoop imports once at start, then every interval, until ctx ends.
func (s *Server) importLoop(ctx context.Context) {
	if s.cfg.Import == nil {
		return
	}
	every := s.cfg.Import.Every
	if every <= 0 {
		every = 10 * time.Minute
	}
	for {
		s.Import(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// Import fetches the tenant's collections and makes them the imported
// source of the world. A fetch that fails, or documents that are invalid
// alone or with the rest of the world, are refused whole: the last good
// import keeps serving and /health says why.
func (s *Server) Import(ctx context.Context) diag.List {
	probs := s.fetchAndApply(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.settle(healthImport, probs, len(s.docs.imported))
}

func (s *Server) fetchAndApply(ctx context.Context) diag.List {
	fail := func(err error) diag.List {
		return diag.List{{Severity: diag.Error, Document: -1, Message: err.Error()}}
	}
	dir, err := os.MkdirTemp("", "padlock-import-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(dir)
	// Fetching takes long and needs no lock: decisions and API writes go on.
	if err := s.cfg.Import.Fetch.To(ctx, dir); err != nil {
		return fail(fmt.Errorf("fetch: %w", err))
	}
	eng := s.eng.Load()
	src := eng.Sources()
	src.Dataverse.Environment = s.cfg.Import.Environment
	docs, probs := src.Paths(ctx, dir)
	typed, more := eng.Validator().Documents(docs)
	if probs = append(probs, more...); probs.HasErrors() {
		return probs
	}
	validate.Compact(typed)
	s.mu.Lock()
	defer s.mu.Unlock()
	return append(probs, s.apply(ctx, s.docs.withImported(typed), "import")...)
}
