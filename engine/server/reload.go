package server

import (
	"io"
	"strconv"

	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/cespare/xxhash/v2"

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
	// One file at a time: each file's documents are validated and
	// compacted, and their parsed forms dropped, before the next is read
	// (at 100,000 flows, holding every file's at once doubled the peak).
	var typed []validate.Typed
	var more diag.List
	probs := src.Each(ctx, s.cfg.Docs, func(docs []load.Doc) {
		t, ps := eng.Validator().DocumentsMetered(docs, m)
		validate.Compact(t)
		typed, more = append(typed, t...), append(more, ps...)
	})
	return typed, append(probs, more...)
}

// Reload rereads --docs. An invalid change is refused whole: the last good
// world keeps serving, and /health and the metrics say why.
func (s *Server) Reload(ctx context.Context) diag.List {
	probs, _ := s.reload(ctx, "")
	return probs
}

// reload rereads --docs and, when stable is a fingerprint, applies what it
// read only if the files still have that fingerprint once read: a file
// that changed under the read (a writer that came back) is not served
// half-written; the caller waits for it to settle again.
func (s *Server) reload(ctx context.Context, stable string) (diag.List, bool) {
	// The files are read without s.mu, which API writes and decisions'
	// world swaps need: a slow or hung file must not wedge them. Reloads
	// are serialised among themselves, so that an older read never
	// replaces a newer one.
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	docs, probs, done := s.readWithin(ctx)
	if !done { // not read: the watch tries again once the files settle
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.settle(healthFiles, probs, 0), false
	}
	if stable != "" && fingerprint(s.cfg.Docs) != stable {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !probs.HasErrors() {
		probs = append(probs, s.apply(ctx, s.docs.withFiles(docs), "files")...)
	}
	return s.settle(healthFiles, probs, len(docs)), true
}

// readWithin rereads --docs within DocsReadTimeout. A read that takes
// longer (a file on a hung mount: a blocked read cannot be interrupted) is
// left behind and reported as an error, so that the reload fails, the last
// good world keeps serving, and later reloads are not stuck behind it.
func (s *Server) readWithin(ctx context.Context) ([]validate.Typed, diag.List, bool) {
	type result struct {
		docs  []validate.Typed
		probs diag.List
	}
	ch := make(chan result, 1) // the abandoned read's send must not block
	read := s.read
	go func() {
		docs, probs := read(ctx)
		ch <- result{docs, probs}
	}()
	select {
	case r := <-ch:
		return r.docs, r.probs, true
	case <-time.After(s.cfg.DocsReadTimeout):
		msg := fmt.Sprintf("reading the documents took longer than %s (a file on a hung mount?): the reload is abandoned", s.cfg.DocsReadTimeout)
		return nil, diag.List{{Severity: diag.Error, File: strings.Join(s.cfg.Docs, ", "), Document: -1, Message: msg, Unreadable: true}}, false
	}
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

// watch reloads on SIGHUP and when the documents change: fsnotify events
// (debounced), and a periodic rescan that catches whatever the watcher
// missed (a folder replaced by a deploy tool, a symlink flipped, a new
// subfolder, a permission fixed). A change is applied only once the files
// stay the same across the settle interval, so that a file written slowly,
// or cut between YAML items, is never served half-written. Watches are
// re-established after every rescan.
func (s *Server) watch(ctx context.Context) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	var events <-chan fsnotify.Event
	var watchErrors <-chan error
	var watcher *fsnotify.Watcher
	if len(s.cfg.Docs) > 0 {
		if w, err := fsnotify.NewWatcher(); err != nil {
			s.log.Warn("cannot watch documents; the rescan and SIGHUP still reload", "err", err)
		} else {
			defer w.Close()
			watcher, events, watchErrors = w, w.Events, w.Errors
			s.rewatch(watcher)
		}
	}
	var rescan <-chan time.Time
	if len(s.cfg.Docs) > 0 && s.cfg.DocsRescan > 0 {
		t := time.NewTicker(s.cfg.DocsRescan)
		defer t.Stop()
		rescan = t.C
	}
	last := fingerprint(s.cfg.Docs)
	var settle <-chan time.Time
	pending := ""
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			s.Reload(ctx)
			last = fingerprint(s.cfg.Docs)
		case <-events:
			pending, settle = fingerprint(s.cfg.Docs), time.After(s.cfg.DocsSettle)
		case err := <-watchErrors:
			// A lost event (the kernel's queue overflowed, say): the next
			// rescan catches up, but look now.
			s.log.Warn("the document watcher reported an error; rescanning", "err", err)
			s.mu.Lock()
			s.setHealth(healthWatch, "the document watcher lost events: rescanning, and watching again at the next rescan", diag.List{{Severity: diag.Error, Document: -1, Message: err.Error()}})
			s.mu.Unlock()
			pending, settle = fingerprint(s.cfg.Docs), time.After(s.cfg.DocsSettle)
		case <-rescan:
			s.rewatch(watcher)
			if fp := fingerprint(s.cfg.Docs); fp != last && settle == nil {
				pending, settle = fp, time.After(s.cfg.DocsSettle)
			}
		case <-settle:
			settle = nil
			fp := fingerprint(s.cfg.Docs)
			if fp != pending { // still being written: wait until it stays put
				pending, settle = fp, time.After(s.cfg.DocsSettle)
				continue
			}
			if fp != last {
				if _, read := s.reload(ctx, fp); !read { // changed while being read
					pending, settle = fingerprint(s.cfg.Docs), time.After(s.cfg.DocsSettle)
					continue
				}
				last = fp
			}
			s.rewatch(watcher)
		}
	}
}

// rewatch (re)adds a watch on every folder under --docs: a folder that was
// replaced, or created since, is watched again. fsnotify ignores a folder
// it watches already. A folder that cannot be watched makes /health
// degraded until a later rewatch succeeds: only the rescan sees its
// changes meanwhile.
func (s *Server) rewatch(w *fsnotify.Watcher) {
	if w == nil {
		return
	}
	var lost diag.List
	add := func(folder string) {
		if err := w.Add(folder); err != nil {
			lost = append(lost, diag.Problem{Severity: diag.Error, File: folder, Document: -1, Message: "cannot watch: " + err.Error()})
		}
	}
	for _, p := range s.cfg.Docs {
		if info, err := os.Stat(p); err == nil && !info.IsDir() {
			add(filepath.Dir(p))
			continue
		}
		// A symlinked folder is flipped in its parent: watch that too.
		if info, err := os.Lstat(p); err == nil && info.Mode()&os.ModeSymlink != 0 {
			add(filepath.Dir(filepath.Clean(p)))
		}
		_ = filepath.WalkDir(filepath.Clean(p)+string(filepath.Separator), func(path string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				add(path)
			}
			return nil
		})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(lost) > 0 {
		s.log.Warn("cannot watch a document folder; the rescan still reloads it", "problems", lost.Error())
		s.setHealth(healthWatch, fmt.Sprintf("%s cannot be watched: changes are seen only at the next rescan", diag.Count(len(lost), "document folder")), lost)
		return
	}
	s.setHealth(healthWatch, "", nil)
}

// fingerprint says what the document files are now: every path under
// --docs (symlinks followed) with its size, modification time, mode and a
// hash of its content (a writer that keeps a file's size and a coarse
// mtime is still seen). A change in any is a change to reload; the same
// fingerprint across the settle interval, and again after the read, means
// the writers are done. Only regular files are read: opening a FIFO would
// block.
func fingerprint(paths []string) string {
	var b strings.Builder
	for _, p := range paths {
		files, err := load.Files(p)
		if err != nil {
			fmt.Fprintf(&b, "%s: %v\n", p, err)
			continue
		}
		for _, f := range files {
			info, err := os.Stat(f)
			if err != nil {
				fmt.Fprintf(&b, "%s: %v\n", f, err)
				continue
			}
			fmt.Fprintf(&b, "%s %d %d %v %s\n", f, info.Size(), info.ModTime().UnixNano(), info.Mode(), contentHash(f, info))
		}
	}
	return b.String()
}

// contentHash hashes a regular file's content ("-" for anything else, or
// an error reading it, which the read itself reports).
func contentHash(path string, info os.FileInfo) string {
	if !info.Mode().IsRegular() {
		return "-"
	}
	f, err := os.Open(path)
	if err != nil {
		return "unreadable"
	}
	defer f.Close()
	h := xxhash.New()
	if _, err := io.Copy(h, f); err != nil {
		return "unreadable"
	}
	return strconv.FormatUint(h.Sum64(), 16)
}
