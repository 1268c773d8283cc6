package server

import (
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/world"
)

// metrics live in a registry of their own, one per server: no global state.
type metrics struct {
	reg                *prometheus.Registry
	decisions          *prometheus.CounterVec
	latency            *prometheus.HistogramVec
	validationFailures *prometheus.CounterVec
	documents          *prometheus.GaugeVec
	bundleActivations  prometheus.Counter
	reloads            *prometheus.CounterVec
	// cache counts the decision cache's answers, for every engine the
	// server builds (engine.WithCacheCounts).
	cache *engine.CacheCounts
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "padlock_decisions_total", Help: "Decisions by action and outcome (allow, deny, error).",
		}, []string{"action", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "padlock_decision_duration_seconds", Help: "Time to decide, validation excluded.",
			Buckets: []float64{1e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 5e-3, 1e-2},
		}, []string{"action"}),
		validationFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "padlock_validation_failures_total", Help: "Refused inputs by source (query, body, api, files).",
		}, []string{"source"}),
		documents: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "padlock_documents", Help: "Documents in the serving world, by kind.",
		}, []string{"kind"}),
		bundleActivations: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "padlock_bundle_activations_total", Help: "Policy bundles activated.",
		}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "padlock_document_reloads_total", Help: "Reloads of --docs by result (ok, refused).",
		}, []string{"result"}),
	}
	m.reg.MustRegister(m.decisions, m.latency, m.validationFailures, m.documents, m.bundleActivations, m.reloads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.cache = &engine.CacheCounts{}
	for result, n := range map[string]*atomic.Uint64{"hit": &m.cache.Hit, "miss": &m.cache.Miss, "changed": &m.cache.Changed} {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "padlock_decision_cache_total",
			Help:        "Decisions by how the decision cache answered: hit (kept), miss (not kept), changed (kept, but a write since changed what it read).",
			ConstLabels: prometheus.Labels{"result": result},
		}, func() float64 { return float64(n.Load()) }))
	}
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

func (m *metrics) observe(action string, d engine.Decision, took time.Duration) {
	outcome := "deny"
	switch {
	case d.Allow:
		outcome = "allow"
	case d.IsEvalError():
		outcome = "error"
	}
	m.decisions.WithLabelValues(action, outcome).Inc()
	m.latency.WithLabelValues(action).Observe(took.Seconds())
}

func (m *metrics) setCounts(w *world.World) {
	for _, k := range document.Kinds() {
		m.documents.WithLabelValues(string(k)).Set(float64(w.Counts()[k]))
	}
}
