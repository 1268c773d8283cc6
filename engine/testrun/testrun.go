// Package testrun runs everything a policy author tests in one go: the
// Rego unit tests (OPA's tester) and the fixture tables (through the whole
// engine, validation included), with optional coverage. Output formats live
// in their own files behind the Reporter interface.
package testrun

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/padlock/padlock/bundles"
	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/fixture"
	"github.com/padlock/padlock/engine/validate"
)

// Config says what to run.
type Config struct {
	// Paths are searched for .rego files (policies and their tests) and
	// *_test.yaml tables. Without .rego files the built-in policies run.
	Paths []string
	// Filter keeps the Rego tests and fixture cases whose name matches.
	Filter *regexp.Regexp
	// Coverage records which Rego lines the tests and cases evaluate.
	Coverage bool
	// Parallel bounds concurrent tables; 0 means GOMAXPROCS.
	Parallel int
}

// RegoResult is one Rego unit test.
type RegoResult struct {
	Package  string        `json:"package"`
	Name     string        `json:"name"`
	File     string        `json:"file"`
	Line     int           `json:"line"`
	Pass     bool          `json:"pass"`
	Error    string        `json:"error,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// Report is the outcome of a run.
type Report struct {
	Rego     []RegoResult     `json:"rego"`
	Fixtures []fixture.Result `json:"fixtures"`
	// Broken lists tables that could not run (a mistyped key, say).
	Broken   diag.List     `json:"broken,omitempty"`
	Coverage *cover.Report `json:"coverage,omitempty"`
}

// Passed reports whether every test and case passed and every table ran.
func (r *Report) Passed() bool {
	if len(r.Broken) > 0 {
		return false
	}
	for _, x := range r.Rego {
		if !x.Pass {
			return false
		}
	}
	for _, x := range r.Fixtures {
		if !x.Pass {
			return false
		}
	}
	return true
}

// Counts returns passed and failed totals (broken tables count as failed).
func (r *Report) Counts() (pass, fail int) {
	for _, x := range r.Rego {
		if x.Pass {
			pass++
		} else {
			fail++
		}
	}
	for _, x := range r.Fixtures {
		if x.Pass {
			pass++
		} else {
			fail++
		}
	}
	return pass, fail + len(r.Broken)
}

// Run runs the tests. An error means nothing could run: the policies do
// not parse or compile, or a path cannot be read.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	mods, tables, err := discover(cfg.Paths)
	if err != nil {
		return nil, err
	}
	policyMods, testMods := split(mods)
	compiler, err := engine.Compile(policyMods)
	if err != nil {
		return nil, fmt.Errorf("compile policies: %w", err)
	}
	var cov *cover.Cover
	if cfg.Coverage {
		cov = cover.New()
	}
	rep := &Report{}
	if rep.Rego, err = runRego(ctx, append(policyMods, testMods...), cfg.Filter, cov); err != nil {
		return nil, err
	}
	if err := runTables(ctx, rep, compiler, tables, cfg, cov); err != nil {
		return nil, err
	}
	if cov != nil {
		parsed, err := engine.ParseModules(policyMods)
		if err != nil {
			return nil, err
		}
		r := policyCoverage(cov.Report(parsed))
		rep.Coverage = &r
	}
	return rep, nil
}

// discover finds the modules and tables under the paths.
func discover(paths []string) ([]engine.Module, []string, error) {
	var mods []engine.Module
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, nil, err
		}
		var found []engine.Module
		if info.IsDir() {
			found, err = readModules(os.DirFS(p), p)
		} else if strings.HasSuffix(p, ".rego") {
			var b []byte
			b, err = os.ReadFile(p)
			found = []engine.Module{{Name: p, Source: string(b)}}
		}
		if err != nil {
			return nil, nil, err
		}
		mods = append(mods, found...)
	}
	if len(mods) == 0 {
		var err error
		if mods, err = engine.BuiltinModules(true); err != nil {
			return nil, nil, err
		}
	}
	tables, err := fixture.Find(paths...)
	return mods, tables, err
}

// readModules reads a folder's .rego files, named by their path on disk.
func readModules(fsys fs.FS, root string) ([]engine.Module, error) {
	var mods []engine.Module
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		mods = append(mods, engine.Module{Name: filepath.Join(root, p), Source: string(b)})
		return nil
	})
	return mods, err
}

func split(mods []engine.Module) (policy, tests []engine.Module) {
	for _, m := range mods {
		if strings.HasSuffix(m.Name, "_test.rego") {
			tests = append(tests, m)
		} else {
			policy = append(policy, m)
		}
	}
	return policy, tests
}

func runRego(ctx context.Context, mods []engine.Module, filter *regexp.Regexp, cov *cover.Cover) ([]RegoResult, error) {
	parsed, err := engine.ParseModules(mods)
	if err != nil {
		return nil, err
	}
	data, err := engine.ReadData(bundles.FS)
	if err != nil {
		return nil, err
	}
	r := tester.NewRunner().SetModules(parsed).SetStore(inmem.NewFromObject(data)).RaiseBuiltinErrors(true)
	if filter != nil {
		r = r.Filter(filter.String())
	}
	if cov != nil {
		r = r.SetCoverageQueryTracer(cov)
	} else {
		r = r.SetParallel(runtime.GOMAXPROCS(0))
	}
	ch, err := r.RunTests(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("run Rego tests: %w", err)
	}
	var out []RegoResult
	for res := range ch {
		rr := RegoResult{Package: strings.TrimPrefix(res.Package, "data."), Name: res.Name, Pass: !res.Fail && res.Error == nil, Duration: res.Duration}
		if res.Location != nil {
			rr.File, rr.Line = res.Location.File, res.Location.Row
		}
		if res.Error != nil {
			rr.Error = res.Error.Error()
		} else if res.Fail && res.FailedAt != nil {
			rr.Error = fmt.Sprintf("failed at %s: %s", res.FailedAt.Location, res.FailedAt.String())
		}
		out = append(out, rr)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Line < out[j].Line
	})
	return out, nil
}

func runTables(ctx context.Context, rep *Report, compiler *ast.Compiler, tables []string, cfg Config, cov *cover.Cover) error {
	v, err := validate.New()
	if err != nil {
		return err
	}
	runner := fixture.NewRunner(engine.WithCompiler(compiler))
	parallel := cfg.Parallel
	if parallel <= 0 {
		parallel = runtime.GOMAXPROCS(0)
	}
	if cov != nil {
		runner.Tracer = cov
		parallel = 1 // the coverage tracer is not safe for concurrent use
	}
	type outcome struct {
		results []fixture.Result
		broken  diag.List
		err     error
	}
	outs := make([]outcome, len(tables))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, path := range tables {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			t, probs := fixture.Load(v, path)
			if len(probs) > 0 {
				outs[i].broken = probs
				return
			}
			outs[i].results, outs[i].err = runner.Run(ctx, t, cfg.Filter)
		}()
	}
	wg.Wait()
	for _, o := range outs {
		if o.err != nil {
			return o.err
		}
		rep.Fixtures = append(rep.Fixtures, o.results...)
		rep.Broken = append(rep.Broken, o.broken...)
	}
	return nil
}

// policyCoverage keeps the policies' own files: a test covering itself
// says nothing. The total is recomputed over the lines that remain.
func policyCoverage(r cover.Report) cover.Report {
	covered, total := 0, 0
	for name, f := range r.Files {
		if strings.HasSuffix(name, "_test.rego") {
			delete(r.Files, name)
			continue
		}
		covered, total = covered+f.CoveredLines, total+f.CoveredLines+f.NotCoveredLines
	}
	r.CoveredLines, r.NotCoveredLines = covered, total-covered
	if total > 0 {
		r.Coverage = 100 * float64(covered) / float64(total)
	}
	return r
}
