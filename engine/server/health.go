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

// Where a degraded state comes from: each source of the world (and the
// policies) is healthy or not on its own, so that the files reloading fine
// does not hide an import that keeps failing.
const (
	healthFiles   = "files"
	healthImport  = "import"
	healthBundles = "bundles"
	healthDataDir = "data-dir"
	healthWatch   = "watch"
)

// setHealth records one source's state (nil problems: healthy) and
// publishes the whole: ok only when every source is. Callers hold s.mu.
func (s *Server) setHealth(source, message string, probs diag.List) {
	if s.degraded == nil {
		s.degraded = map[string]healthState{}
	}
	if message == "" {
		delete(s.degraded, source)
	} else {
		s.degraded[source] = healthState{Status: "degraded", Message: message, Errors: probs}
	}
	h := healthState{Status: "ok"}
	for _, src := range []string{healthBundles, healthFiles, healthImport, healthDataDir, healthWatch} {
		d, ok := s.degraded[src]
		if !ok {
			continue
		}
		h.Status = "degraded"
		if h.Message != "" {
			h.Message += "; "
		}
		h.Message += d.Message
		h.Errors = append(h.Errors, d.Errors...)
	}
	s.health.Store(&h)
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
