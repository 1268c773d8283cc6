package server

import (
	"context"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/load"
	"github.com/padlock/padlock/engine/progress"
	"github.com/padlock/padlock/engine/validate"
)

// loadFiles reads --docs at start; any error stops the start.
func (s *Server) loadFiles(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	docs, probs := s.readDocs(ctx, s.cfg.Progress)
	s.cfg.Progress.Done()
	if probs.HasErrors() {
		return probs
	}
	if probs = append(probs, s.apply(ctx, s.docs.withFiles(docs), "files")...); probs.HasErrors() {
		return probs
	}
	for _, p := range probs {
		s.log.Warn("document", "problem", p.String())
	}
	return nil
}

// readDocs loads and schema-checks the files of --docs, counting on m
// (the start-up's progress; nil for reloads).
func (s *Server) readDocs(ctx context.Context, m *progress.Meter) ([]validate.Typed, diag.List) {
	if len(s.cfg.Docs) == 0 {
		return nil, nil
	}
	eng := s.eng.Load()
	src := eng.Sources()
	src.Loader, src.Dataverse.Progress = load.New(load.Options{Progress: m}), m
	docs, probs := src.Paths(ctx, s.cfg.Docs...)
	typed, more := eng.Validator().DocumentsMetered(docs, m)
	return typed, append(probs, more...)
}

// Reload rereads --docs. An invalid change is refused whole: the last good
// world keeps serving, and /health and the metrics say why.
func (s *Server) Reload(ctx context.Context) diag.List {
	// The files are read without s.mu, which API writes and decisions'
	// world swaps need: a slow or hung file must not wedge them. Reloads
	// are serialised among themselves, so that an older read never
	// replaces a newer one.
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	docs, probs := s.readDocs(ctx, nil)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !probs.HasErrors() {
		probs = append(probs, s.apply(ctx, s.docs.withFiles(docs), "files")...)
	}
	return s.settle(healthFiles, probs, len(docs))
}

// settle records how a change of one source ended: counted, on /health
// (a refusal until that source's next good change), and logged.
// Callers hold s.mu.
func (s *Server) settle(source string, probs diag.List, documents int) diag.List {
	refused, ok := "refused", "ok"
	message := "the last reload of the documents was refused; the last good world is serving"
	if source == healthImport {
		refused, ok = "import-refused", "import-ok"
		message = "the last import from the tenant was refused; the last good import is serving"
	}
	if probs.HasErrors() {
		s.metrics.reloads.WithLabelValues(refused).Inc()
		s.setHealth(source, message, probs.Errors())
		s.log.Error(source+" refused: the last good world keeps serving", "errors", len(probs.Errors()), "first", probs.Errors()[0].String())
		return probs
	}
	s.metrics.reloads.WithLabelValues(ok).Inc()
	s.setHealth(source, "", nil)
	s.log.Info(source+" applied", "documents", documents)
	return probs
}

// watch reloads on SIGHUP and when a watched document folder or file
// changes (debounced, so an editor's burst of writes is one reload).
func (s *Server) watch(ctx context.Context) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	var events <-chan fsnotify.Event
	if len(s.cfg.Docs) > 0 {
		if w, err := fsnotify.NewWatcher(); err != nil {
			s.log.Warn("cannot watch documents; SIGHUP still reloads", "err", err)
		} else {
			defer w.Close()
			// A folder that cannot be watched still reloads on SIGHUP; say so
			// rather than let its changes go unnoticed.
			watch := func(dir string) {
				if err := w.Add(dir); err != nil {
					s.log.Warn("cannot watch a document folder; SIGHUP still reloads it", "folder", dir, "err", err)
				}
			}
			for _, p := range s.cfg.Docs {
				if info, err := os.Stat(p); err == nil && !info.IsDir() {
					watch(filepath.Dir(p))
					continue
				}
				_ = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
					if err != nil {
						s.log.Warn("cannot watch under a document folder; SIGHUP still reloads it", "path", path, "err", err)
					} else if d.IsDir() {
						watch(path)
					}
					return nil
				})
			}
			events = w.Events
		}
	}
	var debounce <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			s.Reload(ctx)
		case ev := <-events:
			if ev.Has(fsnotify.Chmod) && !ev.Has(fsnotify.Write) {
				continue
			}
			debounce = time.After(200 * time.Millisecond)
		case <-debounce:
			debounce = nil
			s.Reload(ctx)
		}
	}
}
