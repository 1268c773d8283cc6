package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/plugins/logs"
	opaserver "github.com/open-policy-agent/opa/v1/server"
	"github.com/open-policy-agent/opa/v1/server/types"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/validate"
	"github.com/padlock/padlock/schemas"
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
	body, changes := splitWhatIf(body)
	eng, q, input, ok := s.query(w, body)
	if !ok {
		return
	}
	if changes != nil {
		s.whatIf(w, r, eng, q, changes)
		return
	}
	d, id := s.decide(r.Context(), eng, q, input, r)
	writeJSON(w, decisionStatus(d), decisionResponse{Decision: d, DecisionID: id})
}

// handleData is OPA's Data API (POST /v1/data/<path> with {"input": ...})
// for padlock's documents, so that OPA clients and gateways work unchanged.
func (s *Server) handleData(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	input, err := dataRequest(body)
	if err != nil {
		s.metrics.validationFailures.WithLabelValues("query").Inc()
		writeError(w, http.StatusBadRequest, types.CodeInvalidParameter, err.Error(), nil)
		return
	}
	s.answerData(w, r, r.PathValue("path"), input)
}

// handleDataGet is GET /v1/data/<path>?input=<JSON>, as OPA answers it.
func (s *Server) handleDataGet(w http.ResponseWriter, r *http.Request) {
	in := r.URL.Query()["input"]
	switch len(in) {
	case 0:
		writeError(w, http.StatusBadRequest, types.CodeInvalidParameter, "missing input: give the query as ?input=<JSON>", nil)
		return
	case 1:
	default:
		writeError(w, http.StatusBadRequest, types.CodeInvalidParameter, "more than one input parameter", nil)
		return
	}
	if int64(len(in[0])) > s.cfg.MaxBodyBytes {
		writeError(w, http.StatusRequestEntityTooLarge, types.CodeInvalidParameter, fmt.Sprintf("input is larger than %d bytes", s.cfg.MaxBodyBytes), nil)
		return
	}
	s.answerData(w, r, r.PathValue("path"), json.RawMessage(in[0]))
}

// handleDefault is OPA's default-decision endpoint: POST / with the input
// itself as the body, answered with the decision itself (no "result"
// wrapper), as OPA answers it for its default decision.
func (s *Server) handleDefault(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	if len(bytes.TrimSpace(body)) == 0 {
		writeError(w, http.StatusBadRequest, types.CodeInvalidParameter, "missing input: the body is the query", nil)
		return
	}
	eng, q, input, ok := s.query(w, body)
	if !ok {
		return
	}
	d, _ := s.decide(r.Context(), eng, q, input, r)
	writeJSON(w, decisionStatus(d), d)
}

// answerData validates the input as a query and answers the data path.
func (s *Server) answerData(w http.ResponseWriter, r *http.Request, path string, raw json.RawMessage) {
	path = strings.Trim(path, "/")
	if path != "padlock" && !strings.HasPrefix(path, "padlock/") {
		writeError(w, http.StatusNotFound, types.CodeResourceNotFound, "padlock serves data under /v1/data/padlock/", nil)
		return
	}
	eng, q, input, ok := s.query(w, raw)
	if !ok {
		return
	}
	if path == decisionPath {
		d, id := s.decide(r.Context(), eng, q, input, r)
		var result any = d
		writeJSON(w, decisionStatus(d), types.DataResponseV1{DecisionID: id, Result: &result})
		return
	}
	id := newDecisionID()
	result, defined, err := eng.EvalPath(r.Context(), path, input)
	if err != nil {
		writeError(w, http.StatusInternalServerError, types.CodeEvaluation, err.Error(), nil)
		return
	}
	s.logDecision(r.Context(), id, path, input, result, defined, r)
	resp := types.DataResponseV1{DecisionID: id}
	if defined {
		resp.Result = &result
	}
	writeJSON(w, http.StatusOK, resp)
}

// query validates a query (the body of /v1/decisions, the input of the
// Data API) with the engine serving now; an invalid one is answered with
// a 400 listing every problem.
func (s *Server) query(w http.ResponseWriter, raw []byte) (*engine.Engine, document.Query, any, bool) {
	eng := s.eng.Load()
	q, input, probs := eng.Validator().QueryJSON(raw)
	if len(probs) > 0 {
		s.metrics.validationFailures.WithLabelValues("query").Inc()
		writeError(w, http.StatusBadRequest, types.CodeInvalidParameter, "the query does not match schemas/query.json", probs)
		return nil, document.Query{}, nil, false
	}
	return eng, q, input, true
}

// decisionStatus: a deny is a 200; the fail-closed answer to an
// evaluation error is a 500 that still says allow: false.
func decisionStatus(d engine.Decision) int {
	if d.IsEvalError() {
		return http.StatusInternalServerError
	}
	return http.StatusOK
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

// whatIf answers a decision request with "whatIf": the decision before and
// after the changes, and what changed. Nothing is written.
func (s *Server) whatIf(w http.ResponseWriter, r *http.Request, eng *engine.Engine, q document.Query, raw []byte) {
	changes, _, probs := validate.InputJSON[document.Changes](eng.Validator(), schemas.WhatIfName, raw)
	if len(probs) > 0 {
		writeError(w, http.StatusBadRequest, types.CodeInvalidParameter, "whatIf does not match schemas/whatif.json", probs)
		return
	}
	res, probs, err := eng.WhatIf(r.Context(), q, changes)
	switch {
	case err != nil:
		writeError(w, http.StatusInternalServerError, types.CodeEvaluation, err.Error(), nil)
	case probs.HasErrors():
		writeError(w, http.StatusBadRequest, types.CodeInvalidParameter, "the world with these changes is invalid: nothing was evaluated", probs)
	default:
		writeJSON(w, decisionStatus(res.After), struct {
			engine.WhatIf
			DecisionID string `json:"decision_id"`
		}{res, newDecisionID()})
	}
}
