package server

import (
	"errors"
	"net/http"

	"github.com/open-policy-agent/opa/v1/server/types"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/validate"
	"github.com/padlock/padlock/schemas"
)

// listResponse is one page of a list.
type listResponse[T any] struct {
	Result []T `json:"result"`
	// Continuation, when set, asks for the next page.
	Continuation string `json:"continuation,omitempty"`
}

// handleListPrincipals is POST /v1/lists/principals: who may do an action
// on a flow.
func (s *Server) handleListPrincipals(w http.ResponseWriter, r *http.Request) {
	eng, q, ok := listInput[document.PrincipalsQuery](s, w, r, schemas.PrincipalsName)
	if !ok {
		return
	}
	list, err := eng.ListPrincipals(r.Context(), q)
	if errors.Is(err, engine.ErrUnknownFlow) {
		writeError(w, http.StatusNotFound, types.CodeResourceNotFound, err.Error(), nil)
		return
	}
	writePage(w, list, err, func(p engine.ListedPrincipal) string { return p.Principal }, q.Page)
}

// handleListFlows is POST /v1/lists/flows: what a principal may do.
func (s *Server) handleListFlows(w http.ResponseWriter, r *http.Request) {
	eng, q, ok := listInput[document.FlowsQuery](s, w, r, schemas.FlowsName)
	if !ok {
		return
	}
	list, err := eng.ListFlows(r.Context(), q)
	writePage(w, list, err, func(f engine.ListedFlow) string { return f.Flow }, q.Page)
}

// listInput reads and validates a list query's body against its schema.
func listInput[T any](s *Server, w http.ResponseWriter, r *http.Request, schema string) (*engine.Engine, T, bool) {
	var zero T
	body, ok := s.readBody(w, r)
	if !ok {
		return nil, zero, false
	}
	eng := s.eng.Load()
	q, _, probs := validate.InputJSON[T](eng.Validator(), schema, body)
	if len(probs) > 0 {
		s.metrics.validationFailures.WithLabelValues("list").Inc()
		writeError(w, http.StatusBadRequest, types.CodeInvalidParameter, "the query does not match schemas/"+schema+".json", probs)
		return nil, zero, false
	}
	return eng, q, true
}

func writePage[T any](w http.ResponseWriter, list []T, err error, key func(T) string, p document.Page) {
	if err != nil {
		writeError(w, http.StatusInternalServerError, types.CodeEvaluation, err.Error(), nil)
		return
	}
	page, next, err := engine.Paginate(list, key, p)
	if err != nil {
		writeError(w, http.StatusBadRequest, types.CodeInvalidParameter, err.Error(), nil)
		return
	}
	if page == nil {
		page = []T{}
	}
	writeJSON(w, http.StatusOK, listResponse[T]{Result: page, Continuation: next})
}
