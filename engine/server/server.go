// Package server is `padlock serve`: the authorization sidecar. It answers
// decisions over loopback HTTP (padlock's API and OPA's Data API), keeps
// the world current from watched files and document writes, and, with an
// OPA configuration, takes its policies from bundles and sends decision
// logs through OPA's own plugin manager.
package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/plugins"
	"github.com/open-policy-agent/opa/v1/server/types"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/live"
	"github.com/padlock/padlock/engine/progress"
	"github.com/padlock/padlock/engine/validate"
)

// Config is everything `padlock serve` is told.
type Config struct {
	Addr string // default 127.0.0.1:8181
	// Docs are document files or folders; folders are watched.
	Docs []string
	// Bundle is a bundle path or URL to take the policies from.
	Bundle string
	// OPAConfig is an OPA configuration file's contents (services,
	// bundles, keys, decision_logs, status).
	OPAConfig []byte
	TLSCert   string
	TLSKey    string
	// Token, when set, is required as "Authorization: Bearer <token>" on
	// every endpoint but /health.
	Token string
	// Authorization "basic" asks the administrative policy
	// (data.system.authz.allow, as OPA's --authorization=basic) about
	// every request but /health; "" or "off": no policy.
	Authorization string
	MaxBodyBytes  int64 // default 1 MiB
	MaxJSONDepth  int   // default 64
	// Logger receives operational logs (reloads, refusals).
	Logger *slog.Logger
	// ID names this instance in decision logs and status reports.
	ID string
	// EngineOptions are given to every engine the server builds (for
	// example engine.WithDecisionCache).
	EngineOptions []engine.Option
	// DocsRescan rescans --docs for changes the watcher missed (default
	// 30 s; negative: never). DocsSettle is how long the files must stay
	// unchanged before a change is applied (default 300 ms).
	DocsRescan, DocsSettle time.Duration
	// DocsReadTimeout bounds each reread of --docs (default 30 s): a file
	// on a hung mount fails the reload, which keeps the last good world,
	// instead of stopping every later one.
	DocsReadTimeout time.Duration
	// DataDir, when set, keeps the documents API's writes across restarts
	// (an embedded database, fsync'd before every 2xx); without it they
	// live in memory only, as OPA's do.
	DataDir string
	// Import, when set, keeps the world in step with the tenant.
	Import *ImportConfig
	// Progress shows the start-up's reading of --docs (nil: silent).
	Progress *progress.Meter
}

func (c *Config) defaults() {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8181"
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 1 << 20
	}
	if c.DocsRescan == 0 {
		c.DocsRescan = 30 * time.Second
	}
	if c.DocsSettle <= 0 {
		c.DocsSettle = 300 * time.Millisecond
	}
	if c.MaxJSONDepth <= 0 {
		c.MaxJSONDepth = 64
	}
	if c.DocsReadTimeout <= 0 {
		c.DocsReadTimeout = 30 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if c.ID == "" {
		host, _ := os.Hostname()
		c.ID = "padlock-" + host
	}
}

// Server is a running sidecar's state. Writes (reloads, document writes,
// bundle activations) are serialised by mu; queries read the current
// engine without locks.
type Server struct {
	cfg     Config
	log     *slog.Logger
	metrics *metrics
	manager *plugins.Manager // nil without --bundle/--config

	mu       sync.Mutex // serialises changes to docs and the engine
	reloadMu sync.Mutex // serialises reloads of the files, which read without mu
	docs     docSet
	live     *live.Live // the world built from docs, with its indexes
	eng      atomic.Pointer[engine.Engine]
	health   atomic.Pointer[healthState]
	// degraded holds each unhealthy source's state (guarded by mu).
	degraded map[string]healthState
	durable  *apiStore // nil without --data-dir
	// read rereads --docs (readDocs; a test stands in a hung read).
	read  func(ctx context.Context) ([]validate.Typed, diag.List)
	ready atomic.Bool
	// booting: no bundle activated yet; the engine denies everything.
	booting atomic.Bool
	reports *reportPages
}

// writeTimeout bounds the writing of a response (GET /report's page
// extends it for the time its build takes).
const writeTimeout = 30 * time.Second

// New loads the policies and documents. An invalid document set at start
// is an error: there is no last good world to fall back on.
func New(ctx context.Context, cfg Config) (*Server, error) {
	cfg.defaults()
	m := newMetrics()
	cfg.EngineOptions = append(slices.Clip(cfg.EngineOptions), engine.WithCacheCounts(m.cache))
	s := &Server{cfg: cfg, log: cfg.Logger, metrics: m, live: live.Build(nil), reports: newReportPages()}
	s.read = func(ctx context.Context) ([]validate.Typed, diag.List) { return s.readDocs(ctx, nil) }
	s.health.Store(&healthState{Status: "ok"})
	if cfg.Import != nil {
		// Until the tenant has been read once, flows it holds are unknown
		// (and denied): say so rather than "ok".
		s.setHealth(healthImport, "waiting for the first import from the tenant", nil)
	}
	if err := s.startPolicies(ctx); err != nil {
		return nil, err
	}
	if cfg.DataDir != "" {
		st, err := openAPIStore(cfg.DataDir)
		if err != nil {
			return nil, err
		}
		api, order, probs := st.load(s.eng.Load().Validator())
		if probs.HasErrors() {
			st.close()
			return nil, fmt.Errorf("--data-dir %s: %w", cfg.DataDir, probs.Err())
		}
		s.durable, s.docs.api, s.docs.order = st, api, order
		s.log.Info("API writes are kept in the data dir", "dir", cfg.DataDir, "documents", len(order))
	} else {
		s.log.Info("API writes live in memory only: a restart loses them (--data-dir keeps them)")
	}
	if err := s.loadFiles(ctx); err != nil {
		s.durable.close()
		return nil, err
	}
	// Reading the documents took several times the memory the world keeps
	// (each document's parsed forms): give it back to the system now
	// rather than let the process stay at its start-up peak.
	debug.FreeOSMemory()
	s.ready.Store(true)
	return s, nil
}

// Engine returns the engine serving now.
func (s *Server) Engine() *engine.Engine { return s.eng.Load() }

// Handler is the HTTP API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/decisions", s.handleDecision)
	mux.HandleFunc("POST /v1/data/{path...}", s.handleData)
	mux.HandleFunc("GET /v1/data/{path...}", s.handleDataGet)
	mux.HandleFunc("POST /{$}", s.handleDefault)
	mux.HandleFunc("POST /v1/lists/principals", s.handleListPrincipals)
	mux.HandleFunc("POST /v1/lists/flows", s.handleListFlows)
	mux.HandleFunc("GET /report", s.handleReport)
	mux.HandleFunc("PUT /v1/documents", s.handlePutDocuments)
	mux.HandleFunc("GET /v1/documents", s.handleListDocuments)
	mux.HandleFunc("GET /v1/documents/{kind}/{id}", s.handleGetDocument)
	mux.HandleFunc("DELETE /v1/documents/{kind}/{id}", s.handleDeleteDocument)
	mux.HandleFunc("GET /health", s.handleHealth)
	mux.Handle("GET /metrics", s.metrics.handler())
	return s.authenticate(s.authorize(mux))
}

// AuthzPath is the administrative policy's decision, as OPA's.
const AuthzPath = "system/authz/allow"

// authorize asks the administrative policy about every request but
// /health (liveness probes carry no token, and it says nothing about the
// world) when --authorization basic is on. Anything but a true answer (an
// undefined rule, an error, a policy not loaded yet) refuses the request,
// as OPA does.
func (s *Server) authorize(next http.Handler) http.Handler {
	if s.cfg.Authorization != "basic" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/health" {
			v, defined, err := s.eng.Load().EvalPath(r.Context(), AuthzPath, authzInput(r))
			if err != nil || !defined || v != true {
				if err != nil {
					s.log.Warn("the administrative policy failed; request refused", "err", err)
				}
				writeError(w, http.StatusUnauthorized, types.CodeUnauthorized, types.MsgUnauthorizedError, nil)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// authzInput is what the administrative policy is asked (schema
// authzinput): the bearer token as identity, the method, the path's
// segments, the query parameters and the headers, in OPA's shape.
func authzInput(r *http.Request) map[string]any {
	lists := func(m map[string][]string) map[string]any {
		out := make(map[string]any, len(m))
		for k, vs := range m {
			l := make([]any, len(vs))
			for i, v := range vs {
				l[i] = v
			}
			out[k] = l
		}
		return out
	}
	path := []any{}
	for _, seg := range strings.Split(strings.Trim(r.URL.Path, "/"), "/") {
		path = append(path, seg)
	}
	in := map[string]any{"method": r.Method, "path": path, "params": lists(r.URL.Query()), "headers": lists(r.Header)}
	if token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		in["identity"] = token
	}
	return in
}

// authenticate requires the bearer token, when one is configured, on
// everything but /health; the comparison takes constant time. Without a
// token, only loopback callers that are not a browser page of another site
// get through (see sameSite).
func (s *Server) authenticate(next http.Handler) http.Handler {
	if s.cfg.Token == "" {
		return s.sameSite(next)
	}
	want := []byte("Bearer " + s.cfg.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/health" && subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="padlock"`)
			writeError(w, http.StatusUnauthorized, "unauthorized", "a valid bearer token is required", nil)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Run serves until ctx ends, then shuts down gracefully: the listener
// closes, in-flight requests finish (up to 30 s), plugins stop (flushing
// decision logs).
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go s.watch(watchCtx)
	go s.importLoop(watchCtx)

	errc := make(chan error, 1)
	go func() {
		var err error
		if s.cfg.TLSCert != "" {
			err = srv.ServeTLS(ln, s.cfg.TLSCert, s.cfg.TLSKey)
		} else {
			err = srv.Serve(ln)
		}
		errc <- err
	}()
	s.log.Info("serving", "addr", ln.Addr().String(), "tls", s.cfg.TLSCert != "", "auth", s.cfg.Token != "")
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if s.manager != nil {
		s.manager.Stop(shutdownCtx)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := s.durable.close(); err != nil {
		s.log.Warn("closing the data dir", "err", err)
	}
	s.log.Info("stopped")
	return nil
}

// Listen opens the configured address, warning when it is not loopback
// and nothing protects it.
func (s *Server) Listen() (net.Listener, error) {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return nil, err
	}
	if host, _, _ := net.SplitHostPort(s.cfg.Addr); !isLoopback(host) && (s.cfg.TLSCert == "" || (s.cfg.Token == "" && s.cfg.Authorization != "basic")) {
		s.log.Warn("listening beyond loopback without both TLS and a token (or --authorization basic)", "addr", s.cfg.Addr)
	}
	return ln, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// sameSite guards a sidecar that has no token: nothing but the network
// stands between it and a browser on the same machine. A page of another
// site could reach it through DNS rebinding (its own name resolving to
// 127.0.0.1: the Host header still names that site) or by a cross-site
// request (the browser sends Origin and Sec-Fetch-Site). Both are refused;
// plain clients (curl, OPA's SDKs, services) send neither and pass.
func (s *Server) sameSite(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" {
			next.ServeHTTP(w, r)
			return
		}
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if !s.ownHost(host) {
			writeError(w, http.StatusForbidden, types.CodeUnauthorized, fmt.Sprintf("host %q is not this server's: without --token-file only loopback names are served (a DNS-rebinding page would name its own site)", r.Host), nil)
			return
		}
		if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
			writeError(w, http.StatusForbidden, types.CodeUnauthorized, "a cross-site browser request: without --token-file padlock answers no other site's page", nil)
			return
		}
		if o := r.Header.Get("Origin"); o != "" {
			u, err := url.Parse(o)
			if err != nil || u.Host != r.Host {
				writeError(w, http.StatusForbidden, types.CodeUnauthorized, fmt.Sprintf("origin %q is not this server's: without --token-file padlock answers no other site's page", o), nil)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// ownHost: a loopback name or address, or the host of --addr.
func (s *Server) ownHost(host string) bool {
	host = strings.Trim(host, "[]")
	if isLoopback(strings.ToLower(host)) {
		return true
	}
	if h, _, err := net.SplitHostPort(s.cfg.Addr); err == nil && h != "" && strings.EqualFold(strings.Trim(h, "[]"), host) {
		return true
	}
	return false
}
