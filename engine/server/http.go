package server

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/render"
)

// errorBody is the shape of every error answer, as OPA's server writes
// them ({"code", "message"}), plus the validation problems where there are.
type errorBody struct {
	Code     string    `json:"code"`
	Message  string    `json:"message"`
	Errors   diag.List `json:"errors,omitempty"`
	Warnings diag.List `json:"warnings,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string, probs diag.List) {
	body := errorBody{Code: code, Message: msg}
	if probs != nil {
		pj := render.ProblemsJSON(probs)
		body.Errors, body.Warnings = pj["errors"], pj["warnings"]
	}
	writeJSON(w, status, body)
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
