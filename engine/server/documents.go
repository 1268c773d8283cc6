package server

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/open-policy-agent/opa/v1/server/types"

	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/live"
	"github.com/padlock/padlock/engine/load"
	"github.com/padlock/padlock/engine/render"
	"github.com/padlock/padlock/engine/validate"
)

// docKey identifies a document for the documents API: kind and id (a
// Share by the flow it shares).
type docKey = live.Key

func keyOf(t validate.Typed) (docKey, bool) { return live.KeyOf(t.Value) }

// docSet is the documents the world is built from: those read from --docs
// and imported from the tenant, with the writes of the documents API
// applied on top (a write replaces the document of its kind and id; a
// delete hides it; but a Share is the API's share of its flow, beside the
// files' shares, which it never replaces), so that a reload of the files
// keeps what the API wrote. Documents are kept as validated against their
// schemas, without their parsed forms (validate.Typed.Kept), so that a
// reload of one source validates the others' as they are. The server's
// live index (package live) is built from the set, and checks and applies
// the API's writes.
type docSet struct {
	files    []validate.Typed
	imported []validate.Typed           // from --import-from, the tenant's own tables
	bundle   []validate.Typed           // from the active bundle (padlock bundle build --docs)
	api      map[docKey]*validate.Typed // nil: deleted
	order    []docKey                   // API keys in first-write order
}

// withFiles is the set with the files' documents replaced.
func (s docSet) withFiles(files []validate.Typed) docSet {
	s.files = files
	return s
}

// withBundle is the set with the bundle's documents replaced.
func (s docSet) withBundle(bundle []validate.Typed) docSet {
	s.bundle = bundle
	return s
}

// sourced lists the documents of the files, the import and the bundle:
// every source but the API.
func (s docSet) sourced() []validate.Typed {
	return slices.Concat(s.files, s.imported, s.bundle)
}

// withImported is the set with the imported documents replaced.
func (s docSet) withImported(imported []validate.Typed) docSet {
	s.imported = imported
	return s
}

func (s docSet) with(writes map[docKey]*validate.Typed, order []docKey) docSet {
	next := docSet{files: s.files, imported: s.imported, bundle: s.bundle, api: make(map[docKey]*validate.Typed, len(s.api)+len(writes)), order: append([]docKey(nil), s.order...)}
	for k, v := range s.api {
		next.api[k] = v
	}
	for _, k := range order {
		if _, seen := next.api[k]; !seen {
			next.order = append(next.order, k)
		}
		next.api[k] = nil
		if t := writes[k]; t != nil {
			kept := t.Kept()
			next.api[k] = &kept
		}
	}
	return next
}

// kept is the set as the server keeps it between changes (see
// validate.Typed.Kept).
func (s docSet) kept() docSet {
	keep := func(ts []validate.Typed) []validate.Typed {
		out := make([]validate.Typed, len(ts))
		for i, t := range ts {
			out[i] = t.Kept()
		}
		return out
	}
	s.files, s.imported, s.bundle = keep(s.files), keep(s.imported), keep(s.bundle)
	return s
}

// apiSeq is where the API's documents start in document order: after
// every document of the other sources.
const apiSeq = 1 << 40

// liveDocs lists the documents in document order: the files', the
// import's, the bundle's, then the API's in the order their keys were
// first written. Each document belongs to its source: the API never
// overrides nor hides what the files or the import define, and a
// document that two sources both define is a duplicate the world's checks
// refuse, naming both (a conflict in the write's answer, or on /health
// after a reload).
func (s docSet) liveDocs() []live.Doc {
	src := s.sourced()
	out := make([]live.Doc, 0, len(src)+len(s.api))
	for i, t := range src {
		out = append(out, live.Doc{Typed: t, Seq: uint64(i)})
	}
	for i, k := range s.order {
		if t := s.api[k]; t != nil {
			out = append(out, live.Doc{Typed: *t, Seq: apiSeq + uint64(i), API: true})
		}
	}
	return out
}

// seq is the place in document order of the API's document at k.
func (s docSet) seq(k docKey) uint64 {
	return apiSeq + uint64(slices.Index(s.order, k))
}

func (s docSet) find(k docKey) (validate.Typed, bool) {
	if w, written := s.api[k]; written {
		if w == nil {
			return validate.Typed{}, false
		}
		return *w, true
	}
	for _, d := range s.sourced() {
		if dk, ok := keyOf(d); ok && dk == k {
			return d, true
		}
	}
	return validate.Typed{}, false
}

// assemble validates a candidate document set as a whole (validate.World)
// and indexes it: the world and its index, or the problems.
func assemble(next docSet) (*live.Live, diag.List) {
	docs := next.liveDocs()
	typed := make([]validate.Typed, len(docs))
	for i, d := range docs {
		typed[i] = d.Typed
	}
	w, probs := validate.World(typed)
	if w == nil || probs.HasErrors() {
		return nil, probs
	}
	return live.Build(docs), probs
}

// apply validates a candidate document set as a whole and, only if it is
// valid, makes it the world. Callers hold s.mu.
func (s *Server) apply(ctx context.Context, next docSet, source string) diag.List {
	l, probs := assemble(next)
	if l == nil {
		s.metrics.validationFailures.WithLabelValues(source).Inc()
		return probs
	}
	if err := s.eng.Load().SetWorld(ctx, l.World()); err != nil {
		return append(probs, diag.Problem{Severity: diag.Error, Document: -1, Message: err.Error()})
	}
	s.docs, s.live = next.kept(), l
	s.metrics.setCounts(l.World())
	return probs
}

// applyWrites makes the documents API's writes (a nil document deletes
// the API's document at its key): checked against the world through its
// indexes, committed to --data-dir before the world changes (nothing is
// acknowledged that a crash could lose, nothing persisted that the world
// refused), then written to the engine as a patch of the paths they
// change. Callers hold s.mu.
func (s *Server) applyWrites(ctx context.Context, writes map[docKey]*validate.Typed, order []docKey) diag.List {
	next := s.docs.with(writes, order)
	ws := make([]live.Write, len(order))
	for i, k := range order {
		ws[i] = live.Write{Key: k}
		if t := writes[k]; t != nil {
			ws[i].Doc = &live.Doc{Typed: *t, Seq: next.seq(k), API: true}
		}
	}
	probs := s.live.Check(ws)
	if probs.HasErrors() {
		s.metrics.validationFailures.WithLabelValues("api").Inc()
		return probs
	}
	if err := s.durable.save(writes, order); err != nil {
		s.setHealth(healthDataDir, "the data dir cannot be written: API writes are refused", diag.List{{Severity: diag.Error, Document: -1, Message: err.Error()}})
		return diag.List{{Severity: diag.Error, Document: -1, Message: "not written: the data dir cannot be written: " + err.Error()}}
	}
	s.setHealth(healthDataDir, "", nil)
	w, patch := s.live.Apply(ws)
	if err := s.eng.Load().PatchWorld(ctx, w, patch); err != nil {
		// The index has the writes and the store has not: the writes are
		// committed, so the world is built again whole, with them.
		s.log.Error("patching the world failed; building it again whole", "err", err)
		if more := s.apply(ctx, next, "api"); more.HasErrors() {
			// The store still holds the last good world (the patch's
			// transaction was aborted): index that one again.
			if l, lost := assemble(s.docs); l != nil {
				s.live = l
			} else {
				s.log.Error("the last good world cannot be indexed again: writes are checked against an index that has the refused ones", "problems", lost.Error())
			}
			return append(probs, more...)
		}
		return probs
	}
	s.docs = next
	s.metrics.setCounts(w)
	return probs
}

// handlePutDocuments writes one document or an array, all or nothing,
// checked against the world it would make (applyWrites).
func (s *Server) handlePutDocuments(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	docs, probs := load.New(load.Options{MaxFileSize: s.cfg.MaxBodyBytes}).Bytes("request.json", body)
	if len(probs) > 0 {
		s.metrics.validationFailures.WithLabelValues("api").Inc()
		writeError(w, http.StatusBadRequest, "invalid_parameter", "the body is not a document or an array of documents", probs)
		return
	}
	typed, probs := s.eng.Load().Validator().Documents(docs)
	if len(probs) > 0 {
		s.metrics.validationFailures.WithLabelValues("api").Inc()
		writeError(w, http.StatusBadRequest, "invalid_parameter", "refused: nothing was written", probs)
		return
	}
	writes := map[docKey]*validate.Typed{}
	var order []docKey
	for i := range typed {
		k, _ := keyOf(typed[i]) // every valid document has a kind and an id
		if _, dup := writes[k]; !dup {
			order = append(order, k)
		}
		writes[k] = &typed[i]
	}
	s.mu.Lock()
	probs = s.applyWrites(r.Context(), writes, order)
	s.mu.Unlock()
	if probs.HasErrors() {
		writeError(w, http.StatusBadRequest, "invalid_parameter", "refused: nothing was written", probs)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"written": len(order), "warnings": render.ProblemsJSON(probs)["warnings"]})
}

func (s *Server) handleGetDocument(w http.ResponseWriter, r *http.Request) {
	k, ok := pathKey(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	d, ok := s.docs.find(k)
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "resource_not_found", fmt.Sprintf("no %s %q", k.Kind, k.ID), nil)
		return
	}
	writeJSON(w, http.StatusOK, d.Source.Generic())
}

// handleDeleteDocument removes a document; the world without it must still
// be valid (deleting a flow that a share names is refused).
func (s *Server) handleDeleteDocument(w http.ResponseWriter, r *http.Request) {
	k, ok := pathKey(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, written := s.docs.api[k]; !written && k.Kind == document.KindShare {
		// The API deletes only its own share of a flow; the files' shares
		// change in their files.
		writeError(w, http.StatusNotFound, "resource_not_found", fmt.Sprintf("no share of flow %q was written through the API: shares from files change in their files", k.ID), nil)
		return
	}
	exists, api := s.live.Defined(k)
	if exists && !api {
		writeError(w, http.StatusConflict, "resource_conflict", fmt.Sprintf("%s %q is defined by the files or the import: change it there, the documents API deletes only what it wrote", k.Kind, k.ID), nil)
		return
	}
	if !exists {
		writeError(w, http.StatusNotFound, "resource_not_found", fmt.Sprintf("no %s %q", k.Kind, k.ID), nil)
		return
	}
	if probs := s.applyWrites(r.Context(), map[docKey]*validate.Typed{k: nil}, []docKey{k}); probs.HasErrors() {
		writeError(w, http.StatusConflict, "invalid_parameter", "refused: the world without it is invalid", probs)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// pathKey reads /v1/documents/{kind}/{id}; kind names are matched
// case-insensitively, as `padlock schema` matches them.
func pathKey(w http.ResponseWriter, r *http.Request) (docKey, bool) {
	kind, ok := document.ParseKind(r.PathValue("kind"))
	if !ok {
		writeError(w, http.StatusNotFound, types.CodeResourceNotFound, fmt.Sprintf("unknown kind %q", r.PathValue("kind")), nil)
		return docKey{}, false
	}
	return docKey{Kind: kind, ID: r.PathValue("id")}, true
}

// listedDocument is one document of GET /v1/documents, with its source.
type listedDocument struct {
	Kind   document.Kind `json:"kind"`
	ID     string        `json:"id"`
	Source string        `json:"source"` // files, import or api
	File   string        `json:"file,omitempty"`
	Doc    any           `json:"document"`
}

// handleListDocuments is GET /v1/documents?kind=&source=: the documents
// the world is built from, each with the source that defines it.
func (s *Server) handleListDocuments(w http.ResponseWriter, r *http.Request) {
	var kind document.Kind
	if k := r.URL.Query().Get("kind"); k != "" {
		var ok bool
		if kind, ok = document.ParseKind(k); !ok {
			writeError(w, http.StatusBadRequest, types.CodeInvalidParameter, fmt.Sprintf("unknown kind %q", k), nil)
			return
		}
	}
	source := r.URL.Query().Get("source")
	switch source {
	case "", "files", "import", "bundle", "api":
	default:
		writeError(w, http.StatusBadRequest, types.CodeInvalidParameter, fmt.Sprintf("unknown source %q: want files, import, bundle or api", source), nil)
		return
	}
	s.mu.Lock()
	docs := s.docs
	s.mu.Unlock()
	out := []listedDocument{}
	add := func(src string, t validate.Typed) {
		k, ok := keyOf(t)
		if !ok || (kind != "" && k.Kind != kind) || (source != "" && source != src) {
			return
		}
		file := ""
		if src != "api" {
			file = t.Source.File
		}
		out = append(out, listedDocument{Kind: k.Kind, ID: k.ID, Source: src, File: file, Doc: t.Source.Generic()})
	}
	for _, t := range docs.files {
		add("files", t)
	}
	for _, t := range docs.imported {
		add("import", t)
	}
	for _, t := range docs.bundle {
		add("bundle", t)
	}
	for _, k := range docs.order {
		if t := docs.api[k]; t != nil {
			add("api", *t)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"result": out})
}
