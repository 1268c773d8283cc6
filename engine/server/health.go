package server

import (
	"net/http"

	"github.com/open-policy-agent/opa/v1/plugins"

	"github.com/padlock/padlock/engine/diag"
)

type healthState struct {
	Status  string    `json:"status"` // ok or degraded
	Message string    `json:"message,omitempty"`
	Errors  diag.List `json:"errors,omitempty"`
}

// handleHealth answers 200 once policies and documents are loaded. A
// refused reload shows as "degraded" with its errors, still 200: the last
// good world is serving. With ?bundles, as in OPA, 200 only once every
// configured bundle is activated.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		writeJSON(w, http.StatusInternalServerError, healthState{Status: "starting"})
		return
	}
	h := *s.health.Load()
	if _, ok := r.URL.Query()["bundles"]; ok && s.manager != nil {
		for name, st := range s.manager.PluginStatus() {
			if st == nil || st.State != plugins.StateOK {
				msg := "plugin " + name + " is not ready"
				if st != nil && st.Message != "" {
					msg += ": " + st.Message
				}
				writeJSON(w, http.StatusInternalServerError, healthState{Status: "bundles not ready", Message: msg})
				return
			}
		}
	}
	writeJSON(w, http.StatusOK, h)
}
