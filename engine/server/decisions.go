package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/plugins/logs"
	opaserver "github.com/open-policy-agent/opa/v1/server"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/document"
)

// decisionPath is the decision document's path in the Data API.
const decisionPath = "padlock/authz/decision"

type decisionResponse struct {
	engine.Decision
	DecisionID string `json:"decision_id"`
}

// handleDecision is POST /v1/decisions: the query in, the decision out.
// Invalid input is a 400 with every validation error; a deny is a 200; an
// evaluation error is a 500 that still says allow: false.
func (s *Server) handleDecision(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	eng := s.eng.Load()
	q, input, probs := eng.Validator().QueryJSON(body)
	if len(probs) > 0 {
		s.metrics.validationFailures.WithLabelValues("query").Inc()
		writeError(w, http.StatusBadRequest, "invalid_parameter", "the query does not match schemas/query.json", probs)
		return
	}
	d, id := s.decide(r.Context(), eng, q, input, r)
	status := http.StatusOK
	if d.IsEvalError() {
		status = http.StatusInternalServerError
	}
	writeJSON(w, status, decisionResponse{Decision: d, DecisionID: id})
}

// handleData is OPA's Data API (POST /v1/data/<path> with {"input": ...})
// for padlock's documents, so that OPA clients and gateways work unchanged.
func (s *Server) handleData(w http.ResponseWriter, r *http.Request) {
	path := strings.Trim(r.PathValue("path"), "/")
	if path != "padlock" && !strings.HasPrefix(path, "padlock/") {
		writeError(w, http.StatusNotFound, "resource_not_found", "padlock serves data under /v1/data/padlock/", nil)
		return
	}
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var req struct {
		Input json.RawMessage `json:"input"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if len(bytes.TrimSpace(body)) > 0 {
		if err := dec.Decode(&req); err != nil {
			writeError(w, http.StatusBadRequest, "invalid_parameter", "body must be {\"input\": ...}: "+err.Error(), nil)
			return
		}
	}
	eng := s.eng.Load()
	q, input, probs := eng.Validator().QueryJSON(req.Input)
	if len(probs) > 0 {
		s.metrics.validationFailures.WithLabelValues("query").Inc()
		writeError(w, http.StatusBadRequest, "invalid_parameter", "input does not match schemas/query.json", probs)
		return
	}
	if path == decisionPath {
		d, id := s.decide(r.Context(), eng, q, input, r)
		status := http.StatusOK
		if d.IsEvalError() {
			status = http.StatusInternalServerError
		}
		writeJSON(w, status, map[string]any{"result": d, "decision_id": id})
		return
	}
	id := newDecisionID()
	result, defined, err := eng.EvalPath(r.Context(), path, input)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal_error", err.Error(), nil)
		return
	}
	s.logDecision(r.Context(), id, path, input, result, defined, r)
	if !defined {
		writeJSON(w, http.StatusOK, map[string]any{"decision_id": id})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"result": result, "decision_id": id})
}

// decide answers, measures and logs one decision.
func (s *Server) decide(ctx context.Context, eng *engine.Engine, q document.Query, input any, r *http.Request) (engine.Decision, string) {
	start := time.Now()
	d := eng.Decide(ctx, q)
	s.metrics.observe(q.Action, d, time.Since(start))
	id := newDecisionID()
	s.logDecision(ctx, id, decisionPath, input, d, true, r)
	return d, id
}

// logDecision hands the decision to OPA's decision log plugin, when one is
// configured: it masks (data.system.log.mask), buffers and ships it.
func (s *Server) logDecision(ctx context.Context, id, path string, input, result any, defined bool, r *http.Request) {
	if s.manager == nil {
		return
	}
	p := logs.Lookup(s.manager)
	if p == nil {
		return
	}
	var res *any
	if defined {
		v := toJSON(result)
		res = &v
	}
	in := toJSON(input)
	info := &opaserver.Info{
		DecisionID: id, Path: path, Timestamp: time.Now(), Input: &in, Results: res,
		RemoteAddr: r.RemoteAddr, Bundles: s.bundleRevisions(ctx),
	}
	if err := p.Log(ctx, info); err != nil {
		s.log.Warn("decision log", "decision_id", id, "err", err)
	}
}

// toJSON turns a value into plain JSON types, as OPA's logs expect.
func toJSON(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}
