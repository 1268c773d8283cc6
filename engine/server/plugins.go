package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/plugins"
	"github.com/open-policy-agent/opa/v1/plugins/discovery"
	opaserver "github.com/open-policy-agent/opa/v1/server"
	"github.com/open-policy-agent/opa/v1/storage"
	"sigs.k8s.io/yaml"

	"github.com/padlock/padlock/bundles"
	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/live"
	"github.com/padlock/padlock/engine/load"
	"github.com/padlock/padlock/engine/validate"
	"github.com/padlock/padlock/engine/world"
)

// bundleName is the bundle --bundle configures.
const bundleName = "padlock"

const bundleProblem = "the active bundle has no " + engine.DecisionQuery + "; the previous policies keep serving"

// startPolicies builds the first engine: from the built-in policies, or,
// with --bundle or --config, through OPA's plugin manager, whose bundle
// plugin downloads, verifies and activates bundles (a bad or tampered one
// never replaces the last good one) and whose logs and status plugins ship
// decision logs and status wherever the configuration says.
func (s *Server) startPolicies(ctx context.Context) error {
	if s.cfg.Bundle == "" && len(s.cfg.OPAConfig) == 0 {
		eng, err := engine.New(ctx, s.cfg.EngineOptions...)
		if err != nil {
			return err
		}
		s.eng.Store(eng)
		return nil
	}
	conf, hasBundles, err := opaConfig(s.cfg.OPAConfig, s.cfg.Bundle)
	if err != nil {
		return err
	}
	data := map[string]any{"world": (&world.World{}).Data()}
	if !hasBundles { // decision logs or status only: the built-in policies and their data
		if data, err = engine.ReadData(bundles.FS); err != nil {
			return err
		}
		data["world"] = (&world.World{}).Data()
	}
	store := engine.NewStore(data)
	raw, err := json.Marshal(conf)
	if err != nil {
		return err
	}
	m, err := plugins.New(raw, s.cfg.ID, store, plugins.WithParserOptions(ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1}))
	if err != nil {
		return fmt.Errorf("OPA configuration: %w", err)
	}
	d, err := discovery.New(m, discovery.BootConfig(conf))
	if err != nil {
		return fmt.Errorf("OPA configuration: %w", err)
	}
	m.Register(discovery.Name, d)
	s.manager = m
	activated := make(chan struct{}, 1)
	if hasBundles {
		m.RegisterCompilerTrigger(func(storage.Transaction) {
			// Runs inside the activation's transaction: rebuild after it.
			go func() {
				if s.activate(ctx, store) {
					select {
					case activated <- struct{}{}:
					default:
					}
				}
			}()
		})
	} else {
		eng, err := engine.New(ctx, append(s.cfg.EngineOptions, engine.WithStore(store))...)
		if err != nil {
			return err
		}
		s.eng.Store(eng)
	}
	if hasBundles {
		// Until the first bundle is activated, every decision is denied
		// (EVAL_ERROR), but the server listens and /health answers, as
		// OPA's does: a bundle server that is down must not fail liveness
		// probes. /health?bundles says 500 until then.
		boot, err := bootEngine(ctx, s.cfg.EngineOptions)
		if err != nil {
			return err
		}
		s.eng.Store(boot)
		s.booting.Store(true)
		s.setHealth(healthBundles, "waiting for the first bundle: every decision is denied until one is activated", nil)
	}
	if err := m.Start(ctx); err != nil {
		return fmt.Errorf("start OPA plugins: %w", err)
	}
	if !hasBundles {
		return nil
	}
	select {
	case <-activated:
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(firstBundleWait):
		s.log.Warn("no bundle activated yet: serving, and denying every decision until one is", "problems", fmt.Sprint(pluginProblems(m)))
	}
	return nil
}

// firstBundleWait is how long start waits for the first bundle before it
// listens anyway (denying until one comes).
const firstBundleWait = 5 * time.Second

// bootModule is the policy before any bundle: deny, saying why.
const bootModule = `package padlock.authz

decision := {
	"allow": false,
	"role": "none",
	"reasons": [{"code": "EVAL_ERROR", "message": "no bundle has been activated yet: every decision is denied"}],
	"connections": [],
	"byocDialog": false,
	"remedies": [],
}
`

func bootEngine(ctx context.Context, opts []engine.Option) (*engine.Engine, error) {
	return engine.New(ctx, append(opts, engine.WithModules([]engine.Module{{Name: "boot.rego", Source: bootModule}}))...)
}

// activate builds an engine on the manager's newly compiled policies and
// swaps it in with the current world. A bundle without padlock's decision
// keeps the previous engine serving.
func (s *Server) activate(ctx context.Context, store storage.Store) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.manager.GetCompiler()
	if len(c.GetRules(ast.MustParseRef(engine.DecisionQuery))) == 0 {
		if s.booting.Load() {
			return false // the manager's first, empty compiler: no bundle yet
		}
		s.log.Error("the active bundle has no " + engine.DecisionQuery + "; the previous policies keep serving")
		s.setHealth(healthBundles, bundleProblem, nil)
		return false
	}
	own, err := engineStore(ctx, store)
	if err != nil {
		s.log.Error("bundle refused; the previous policies keep serving", "err", err)
		return false
	}
	eng, err := engine.New(ctx, append(s.cfg.EngineOptions, engine.WithCompiler(c), engine.WithStore(own))...)
	if err != nil {
		s.log.Error("bundle refused; the previous policies keep serving", "err", err)
		return false
	}
	// The bundle's documents (padlock bundle build --docs) are one source,
	// validated with the rest of the world before anything changes: an
	// invalid world bundle is refused like a tampered one.
	docs, probs := bundleDocuments(ctx, eng, store)
	next := s.docs.withBundle(docs)
	var l *live.Live
	if !probs.HasErrors() {
		var more diag.List
		l, more = assemble(next)
		probs = append(probs, more...)
	}
	if l == nil || probs.HasErrors() {
		s.log.Error("bundle refused: its documents are invalid; the previous policies and world keep serving", "problems", probs.Error())
		s.setHealth(healthBundles, "the active bundle's documents are invalid: the previous policies and world keep serving", probs)
		s.metrics.validationFailures.WithLabelValues("bundle").Inc()
		return false
	}
	if err := eng.SetWorld(ctx, l.World()); err != nil {
		s.log.Error("bundle refused; the previous policies keep serving", "err", err)
		return false
	}
	s.docs, s.live = next.kept(), l
	s.metrics.setCounts(l.World())
	s.eng.Store(eng)
	s.setHealth(healthBundles, "", nil)
	if s.booting.Swap(false) {
		// The documents were read before any policy: read them again, so
		// that what the policies decide about them (a dump's access
		// rights) comes from the bundle.
		go s.Reload(ctx)
	}
	s.metrics.bundleActivations.Inc()
	s.log.Info("bundle activated")
	return true
}

// engineStore copies the data the activated bundle put in the manager's
// store into a store of the engine's own, with an empty world (SetWorld
// fills it), leaving out the bundle's documents, which become part of the
// world instead. OPA's bundle plugin writes a bundle's data before padlock
// has checked its documents: had the serving engine read the manager's
// store, a bundle refused for an invalid world would still have changed
// what the previous policies decide (its padlock/config), and every
// activation would have shown the old policies the new data for a moment.
func engineStore(ctx context.Context, store storage.Store) (storage.Store, error) {
	v, err := storage.ReadOne(ctx, store, storage.RootPath)
	if err != nil {
		return nil, fmt.Errorf("read the bundle's data: %w", err)
	}
	// The store keeps Go values or OPA's (engine.NewStore); read it as
	// OPA's either way.
	av, err := ast.InterfaceToValue(v)
	if err != nil {
		return nil, fmt.Errorf("read the bundle's data: %w", err)
	}
	root, ok := av.(ast.Object)
	if !ok {
		return nil, fmt.Errorf("read the bundle's data: the store's root is %T, not an object", v)
	}
	docs := storage.MustParsePath(engine.DocumentsPath)
	data := map[string]any{}
	var copyErr error
	root.Foreach(func(k, val *ast.Term) {
		key, ok := k.Value.(ast.String)
		if !ok {
			copyErr = fmt.Errorf("read the bundle's data: key %v is not a string", k)
			return
		}
		if key == "world" {
			return
		}
		// A copy, in Go values as the engine's store keeps them: the bundle
		// plugin changes the manager's store in place when the next
		// bundle comes.
		cp, err := ast.JSON(without(val.Value, docs[1:], string(key) == docs[0]))
		if err != nil {
			copyErr = fmt.Errorf("read the bundle's data at %s: %w", key, err)
			return
		}
		data[string(key)] = cp
	})
	if copyErr != nil {
		return nil, copyErr
	}
	data["world"] = (&world.World{}).Data()
	return engine.NewStore(data), nil
}

// without is v less the value at path below it (when under is true and
// there is one).
func without(v ast.Value, path storage.Path, under bool) ast.Value {
	obj, ok := v.(ast.Object)
	if !under || !ok || len(path) == 0 {
		return v
	}
	out := ast.NewObject()
	obj.Foreach(func(k, val *ast.Term) {
		switch {
		case !ast.String(path[0]).Equal(k.Value):
			out.Insert(k, val)
		case len(path) > 1:
			out.Insert(k, ast.NewTerm(without(val.Value, path[1:], true)))
		}
	})
	return out
}

// bundleDocuments reads and schema-checks the documents a bundle carries
// at engine.DocumentsPath (none: an empty source).
func bundleDocuments(ctx context.Context, eng *engine.Engine, store storage.Store) ([]validate.Typed, diag.List) {
	v, err := storage.ReadOne(ctx, store, storage.MustParsePath(engine.DocumentsPath))
	if storage.IsNotFound(err) {
		return nil, nil
	}
	problem := func(msg string) diag.List {
		return diag.List{{Severity: diag.Error, File: "bundle", Document: -1, Pointer: engine.DocumentsPath, Message: msg}}
	}
	if err != nil {
		return nil, problem(err.Error())
	}
	if av, ok := v.(ast.Value); ok {
		if v, err = ast.JSON(av); err != nil {
			return nil, problem(err.Error())
		}
	}
	list, ok := v.([]any)
	if !ok {
		return nil, problem("not a list of documents")
	}
	docs := make([]load.Doc, len(list))
	for i, d := range list {
		docs[i] = load.Generated(fmt.Sprintf("bundle#%s/%d", engine.DocumentsPath, i), d)
	}
	typed, probs := eng.Validator().Documents(docs)
	validate.Compact(typed)
	return typed, probs
}

// opaConfig reads an OPA configuration (YAML or JSON) and adds the bundle
// of --bundle: a URL becomes a service polled like any bundle server, a
// path a file:// bundle.
func opaConfig(raw []byte, bundle string) (map[string]any, bool, error) {
	conf := map[string]any{}
	if len(raw) > 0 {
		j, err := yaml.YAMLToJSON(raw)
		if err != nil {
			return nil, false, fmt.Errorf("OPA configuration: %w", err)
		}
		if err := json.Unmarshal(j, &conf); err != nil || conf == nil {
			return nil, false, fmt.Errorf("OPA configuration: not an object")
		}
	}
	if bundle != "" {
		bundles, _ := conf["bundles"].(map[string]any)
		if bundles == nil {
			bundles = map[string]any{}
		}
		polling := map[string]any{"min_delay_seconds": 10, "max_delay_seconds": 20}
		if u, err := url.Parse(bundle); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
			services, _ := conf["services"].(map[string]any)
			if services == nil {
				services = map[string]any{}
			}
			services["padlock-bundle"] = map[string]any{"url": u.Scheme + "://" + u.Host}
			conf["services"] = services
			bundles[bundleName] = map[string]any{"service": "padlock-bundle", "resource": strings.TrimPrefix(u.RequestURI(), "/"), "polling": polling}
		} else {
			abs, err := filepath.Abs(bundle)
			if err != nil {
				return nil, false, err
			}
			bundles[bundleName] = map[string]any{"resource": "file://" + filepath.ToSlash(abs), "polling": polling}
		}
		conf["bundles"] = bundles
	}
	b, _ := conf["bundles"].(map[string]any)
	return conf, len(b) > 0, nil
}

func pluginProblems(m *plugins.Manager) string {
	var out []string
	for name, st := range m.PluginStatus() {
		if st != nil && st.State != plugins.StateOK {
			out = append(out, fmt.Sprintf("%s: %s %s", name, st.State, st.Message))
		}
	}
	return strings.Join(out, "; ")
}

// bundleRevisions names the active bundles' revisions, for decision logs.
func (s *Server) bundleRevisions(ctx context.Context) map[string]opaserver.BundleInfo {
	if s.manager == nil {
		return nil
	}
	store := s.manager.Store
	txn, err := store.NewTransaction(ctx)
	if err != nil {
		return nil
	}
	defer store.Abort(ctx, txn)
	names, err := bundle.ReadBundleNamesFromStore(ctx, store, txn)
	if err != nil {
		return nil
	}
	out := make(map[string]opaserver.BundleInfo, len(names))
	for _, n := range names {
		if rev, err := bundle.ReadBundleRevisionFromStore(ctx, store, txn, n); err == nil {
			out[n] = opaserver.BundleInfo{Revision: rev}
		}
	}
	return out
}
