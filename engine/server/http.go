package server

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/open-policy-agent/opa/v1/server/types"

	"github.com/padlock/padlock/engine/diag"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}

// writeError answers with OPA's own error type (types.ErrorV1: {code,
// message, errors: [{code, message, location}]}), so that OPA's client
// SDKs parse padlock's errors. Each validation problem is one entry of
// errors, with padlock's JSON pointer and severity beside OPA's fields.
func writeError(w http.ResponseWriter, status int, code, msg string, probs diag.List) {
	body := types.NewErrorV1(code, "%s", msg)
	for _, p := range probs {
		body = body.WithError(problemError{p})
	}
	writeJSON(w, status, body)
}

// problemError is a validation problem in the shape of an entry of OPA's
// errors list (as ast.Error marshals).
type problemError struct{ p diag.Problem }

func (e problemError) Error() string { return e.p.String() }

// MarshalJSON writes {code, message, location: {file, row}} and padlock's
// pointer, document index and severity.
func (e problemError) MarshalJSON() ([]byte, error) {
	type location struct {
		File string `json:"file"`
		Row  int    `json:"row"`
		Col  int    `json:"col"`
	}
	code := "invalid_input"
	if e.p.Severity == diag.Warning {
		code = "invalid_input_warning"
	}
	return json.Marshal(struct {
		Code     string        `json:"code"`
		Message  string        `json:"message"`
		Location *location     `json:"location,omitempty"`
		Pointer  string        `json:"pointer"`
		Document int           `json:"document"`
		Severity diag.Severity `json:"severity"`
	}{code, e.p.Message, &location{File: e.p.File, Row: e.p.Line}, e.p.Pointer, e.p.Document, e.p.Severity})
}

// readBody reads a request body within the size limit and refuses JSON
// nested deeper than the limit before anything decodes it.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.metrics.validationFailures.WithLabelValues("body").Inc()
			writeError(w, http.StatusRequestEntityTooLarge, "invalid_parameter", fmt.Sprintf("request body is larger than %d bytes", s.cfg.MaxBodyBytes), nil)
			return nil, false
		}
		writeError(w, http.StatusBadRequest, "invalid_parameter", "read body: "+err.Error(), nil)
		return nil, false
	}
	if d := jsonDepth(body); d > s.cfg.MaxJSONDepth {
		s.metrics.validationFailures.WithLabelValues("body").Inc()
		writeError(w, http.StatusBadRequest, "invalid_parameter", fmt.Sprintf("JSON is nested deeper than %d levels", s.cfg.MaxJSONDepth), nil)
		return nil, false
	}
	if t := bytes.TrimSpace(body); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		if k, err := duplicateKey(t); err == nil && k != "" {
			s.metrics.validationFailures.WithLabelValues("body").Inc()
			writeError(w, http.StatusBadRequest, "invalid_parameter", fmt.Sprintf("duplicate key %q in the body: padlock refuses what a gateway might read differently", k), nil)
			return nil, false
		}
	}
	return body, true
}

// jsonDepth is the deepest nesting of arrays and objects in b, counted
// without decoding (brackets inside strings do not count).
func jsonDepth(b []byte) int {
	depth, deepest, inString, escaped := 0, 0, false, false
	for _, c := range b {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}

func newDecisionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40 // a version 4 UUID, as OPA's decision ids
	b[8] = (b[8] & 0x3f) | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
