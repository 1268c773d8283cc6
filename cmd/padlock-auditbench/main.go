// Command padlock-auditbench measures `padlock audit` against conftest on
// generated exports (engine/export/exporttest): for each size it writes
// the solutions (zip and unzipped), the documents that say who holds which
// role, and the same flows parsed into one JSON file each for conftest;
// checks that padlock and conftest (with the equivalent rules in
// conftest/audit.rego beside this file) report the same findings for the
// rules both have; then times both, one after the other, each size in
// turn in every round, and prints the median wall time and the peak
// resident memory of each process, and how they grow from size to size.
// padlock is also timed auditing the zips again with --cache, as a
// nightly job does the exports that did not change (after one run that
// fills the cache and a check that the cached audit says the same).
//
//	go run ./cmd/padlock-auditbench -flows 1000,10000,30000 -runs 3
//
// conftest is built from the module proxy (github.com/open-policy-agent/
// conftest at conftestVersion) unless -conftest names a binary.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/padlock/padlock/cmd/internal/stats"
	"github.com/padlock/padlock/engine/export/exporttest"
)

const conftestVersion = "v0.71.1"

type config struct {
	sizes       []int
	runs        int
	scriptLines int
	perSolution int
	conftest    string
	jobs        string
	keep        string
}

func main() {
	var c config
	flows := flag.String("flows", "1000,10000,30000", "comma-separated numbers of desktop flows")
	flag.IntVar(&c.runs, "runs", 3, "runs per size and tool; the median is reported")
	flag.IntVar(&c.scriptLines, "script-lines", 1500, "lines per flow script (botcreation's have about 1,500)")
	flag.IntVar(&c.perSolution, "per-solution", 500, "desktop flows per solution export")
	flag.StringVar(&c.conftest, "conftest", "", "a conftest binary (default: build "+conftestVersion+" from the module proxy)")
	flag.StringVar(&c.jobs, "jobs", "", "padlock audit --jobs (default: padlock's own default, every core)")
	flag.StringVar(&c.keep, "dir", "", "generate into this folder and keep it (default: a temporary folder, removed)")
	generate := flag.String("generate", "", "only generate the first -flows size into this `folder` (and check it, given -padlock and -conftest), and exit")
	padlock := flag.String("padlock", "", "with -generate: the padlock binary to check the generated flows with")
	flag.Parse()
	for _, f := range strings.Split(*flows, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "padlock-auditbench: -flows %q: want positive integers\n", *flows)
			os.Exit(2)
		}
		c.sizes = append(c.sizes, n)
	}
	if *generate != "" {
		// The harness generates and checks in a child process of its own:
		// a process the harness starts inherits its peak memory in Linux's
		// rusage accounting (os/exec starts children with vfork), so the
		// harness stays small for padlock's and conftest's peaks to be
		// theirs.
		if err := prepare(context.Background(), c, *generate, *padlock); err != nil {
			fmt.Fprintln(os.Stderr, "padlock-auditbench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(context.Background(), c); err != nil {
		fmt.Fprintln(os.Stderr, "padlock-auditbench:", err)
		os.Exit(1)
	}
}

// measurement is one process run: wall time, CPU time (user and system)
// and peak RSS.
type measurement struct {
	wall, cpu time.Duration
	rss       int64 // bytes
}

func run(ctx context.Context, c config) error {
	work := c.keep
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "padlock-auditbench-"); err != nil {
			return err
		}
		defer os.RemoveAll(work)
	}
	bin := filepath.Join(work, "bin")
	padlock := filepath.Join(bin, "padlock")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", padlock, "./cmd/padlock").CombinedOutput(); err != nil {
		return fmt.Errorf("build padlock: %v\n%s", err, out)
	}
	conftest, err := findConftest(ctx, c.conftest, bin)
	if err != nil {
		return err
	}
	policy, err := conftestPolicy()
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	// Every size is generated and checked first, then measured in rounds
	// that take each size in turn: the machine's speed drifts over
	// minutes, and a size measured only after another would carry the
	// drift into the growth from one to the next.
	rows := make([]row, len(c.sizes))
	for i, n := range c.sizes {
		dir := filepath.Join(work, fmt.Sprintf("flows-%d", n))
		gen := exec.CommandContext(ctx, self, "-generate", dir, "-flows", strconv.Itoa(n), "-per-solution", strconv.Itoa(c.perSolution),
			"-script-lines", strconv.Itoa(c.scriptLines), "-padlock", padlock, "-conftest", conftest, "-jobs", c.jobs)
		gen.Stderr = os.Stderr
		out, err := gen.Output()
		if err != nil {
			return fmt.Errorf("generate and check %d flows: %v", n, err)
		}
		os.Stdout.Write(out) // what the check found
		rows[i] = row{flows: n, layout: exporttest.LayoutOf(dir), cache: cacheDir(dir)}
		rows[i].zipBytes = dirSize(rows[i].layout.Zips)
	}
	for round := range c.runs {
		fmt.Fprintf(os.Stderr, "padlock-auditbench: round %d of %d\n", round+1, c.runs)
		for i := range rows {
			r := &rows[i]
			// The three one after the other, so that a noisy minute hurts
			// all three alike.
			m, err := measure(ctx, padlock, r.padArgs(c, r.layout.Zips), 1)
			if err != nil {
				return err
			}
			r.zip = append(r.zip, m)
			if m, err = measure(ctx, padlock, r.padArgs(c, r.layout.Unzipped), 1); err != nil {
				return err
			}
			r.unzipped = append(r.unzipped, m)
			if m, err = measure(ctx, padlock, withCache(r.padArgs(c, r.layout.Zips), r.cache), 1); err != nil {
				return err
			}
			r.cached = append(r.cached, m)
			if m, err = measure(ctx, conftest, r.confArgs(policy), 1); err != nil {
				return err
			}
			r.conftest = append(r.conftest, m)
		}
	}
	fmt.Printf("%d cores; scripts of %d lines; %d flows per solution; medians of %d\n\n", runtime.NumCPU(), c.scriptLines, c.perSolution, c.runs)
	fmt.Println("| desktop flows | export (zip) | padlock (zip) | padlock (unzipped) | padlock peak RSS | conftest | conftest peak RSS | conftest / padlock (zip) |")
	fmt.Println("| --- | --- | --- | --- | --- | --- | --- | --- |")
	for _, r := range rows {
		zip, unz, conf := median(r.zip), median(r.unzipped), median(r.conftest)
		fmt.Printf("| %d | %.0f MB | %.2f s | %.2f s | %.0f MB | %.2f s | %.0f MB | %.1f× |\n", r.flows, float64(r.zipBytes)/1e6,
			zip.wall.Seconds(), unz.wall.Seconds(), float64(max(zip.rss, unz.rss))/1e6, conf.wall.Seconds(), float64(conf.rss)/1e6,
			conf.wall.Seconds()/zip.wall.Seconds())
	}
	// conftest reads one file after another: its CPU time beside its wall
	// time shows how much of padlock's lead is its use of every core.
	fmt.Println("\n| desktop flows | padlock CPU (zip) | conftest CPU | conftest / padlock (CPU) |")
	fmt.Println("| --- | --- | --- | --- |")
	for _, r := range rows {
		zip, conf := median(r.zip), median(r.conftest)
		fmt.Printf("| %d | %.2f s | %.2f s | %.2f× |\n", r.flows, zip.cpu.Seconds(), conf.cpu.Seconds(), conf.cpu.Seconds()/zip.cpu.Seconds())
	}
	// The zips audited again with --cache: the rules run, nothing is parsed.
	fmt.Println("\n| desktop flows | padlock (zip, --cache, unchanged zips) | padlock CPU | peak RSS | conftest / padlock (--cache) |")
	fmt.Println("| --- | --- | --- | --- | --- |")
	for _, r := range rows {
		cached, conf := median(r.cached), median(r.conftest)
		fmt.Printf("| %d | %.2f s | %.2f s | %.0f MB | %.1f× |\n", r.flows, cached.wall.Seconds(), cached.cpu.Seconds(), float64(cached.rss)/1e6, conf.wall.Seconds()/cached.wall.Seconds())
	}
	if len(rows) > 1 {
		fmt.Println()
		for i := 1; i < len(rows); i++ {
			growth(rows[i-1], rows[i])
		}
		if len(rows) > 2 {
			growth(rows[0], rows[len(rows)-1])
		}
	}
	return nil
}

// prepare generates flows into dir and, given a padlock binary and
// c.conftest, checks that both report the same findings for them.
func prepare(ctx context.Context, c config, dir, padlock string) error {
	if _, err := exporttest.Write(dir, exporttest.Size{Flows: c.sizes[0], PerSolution: c.perSolution, ScriptLines: c.scriptLines}); err != nil {
		return err
	}
	if padlock == "" || c.conftest == "" {
		return nil
	}
	policy, err := conftestPolicy()
	if err != nil {
		return err
	}
	r := row{flows: c.sizes[0], layout: exporttest.LayoutOf(dir)}
	if err := agree(ctx, padlock, r.padArgs(c, r.layout.Unzipped), c.conftest, r.confArgs(policy)); err != nil {
		return fmt.Errorf("%d flows: %w", r.flows, err)
	}
	if err := cachedAgrees(ctx, padlock, r.padArgs(c, r.layout.Zips), cacheDir(dir)); err != nil {
		return fmt.Errorf("%d flows: %w", r.flows, err)
	}
	fmt.Fprintf(os.Stderr, "padlock-auditbench: %d flows generated; padlock and conftest agree, and so do padlock with and without --cache\n", r.flows)
	return nil
}

// cacheDir is the --cache folder of the flows generated into dir, filled
// when they are checked.
func cacheDir(dir string) string { return filepath.Join(dir, "padlock-cache") }

// conftestPolicy is the folder of the rules conftest is given.
func conftestPolicy() (string, error) {
	return filepath.Abs(filepath.Join("cmd", "padlock-auditbench", "conftest"))
}

// growth prints how time and peak memory grew from one size to another,
// padlock's (zip) beside conftest's.
func growth(from, to row) {
	ratio := func(a, b []measurement) float64 { return median(b).wall.Seconds() / median(a).wall.Seconds() }
	fmt.Printf("%d → %d flows (%.1f×): padlock time %.2f×, peak RSS %.2f×; conftest time %.2f×\n", from.flows, to.flows,
		float64(to.flows)/float64(from.flows), ratio(from.zip, to.zip),
		float64(median(to.zip).rss)/float64(median(from.zip).rss), ratio(from.conftest, to.conftest))
}

type row struct {
	flows                           int
	layout                          exporttest.Layout
	zipBytes                        int64
	cache                           string // the --cache folder, filled by prepare
	zip, unzipped, cached, conftest []measurement
}

// withCache is padlock's arguments with --cache dir before the input.
func withCache(args []string, dir string) []string {
	out := slices.Clone(args[:len(args)-1])
	return append(out, "--cache", dir, args[len(args)-1])
}

// cachedAgrees fills the cache with one audit, then checks that an
// audit from the cache writes the same bytes as one without.
func cachedAgrees(ctx context.Context, padlock string, args []string, cache string) error {
	plain, err := output(ctx, padlock, args)
	if err != nil {
		return err
	}
	for range 2 { // the first fills the cache, the second reads it
		cached, err := output(ctx, padlock, withCache(args, cache))
		if err != nil {
			return err
		}
		if !bytes.Equal(cached, plain) {
			return fmt.Errorf("padlock audit --cache writes other findings than without")
		}
	}
	return nil
}

// padArgs audits input as the administrator's nightly job would.
func (r row) padArgs(c config, input string) []string {
	a := []string{"audit", "--format", "json", "--environment", "env-prod", "--docs", r.layout.Docs, "--quiet"}
	if c.jobs != "" {
		a = append(a, "--jobs", c.jobs)
	}
	return append(a, input)
}

// confArgs tests the same flows, already parsed, with conftest.
func (r row) confArgs(policy string) []string {
	return []string{"test", "--no-color", "--output", "json", "--policy", policy, "--data", r.layout.ConftestData, r.layout.ConftestFlows}
}

// findConftest returns the given binary, or builds conftest into bin with
// `go install` outside this module (so that go.mod is not touched).
func findConftest(ctx context.Context, given, bin string) (string, error) {
	if given != "" {
		return given, nil
	}
	cmd := exec.CommandContext(ctx, "go", "install", "github.com/open-policy-agent/conftest@"+conftestVersion)
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GOBIN="+bin, "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build conftest %s: %v\n%s", conftestVersion, err, out)
	}
	return filepath.Join(bin, "conftest"), nil
}

// measure runs a command and reports its wall time and peak RSS. Exit 1
// is a run with findings (both tools), not a failure.
func measure(ctx context.Context, name string, args []string, okExit int) (measurement, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() <= okExit) {
		return measurement{}, fmt.Errorf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, tail(stderr.String()))
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss * 1024
	}
	return measurement{wall: wall, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), rss: rss}, nil
}

// median is the median of each figure on its own.
func median(ms []measurement) measurement {
	return measurement{
		wall: stats.Median(ms, func(m measurement) time.Duration { return m.wall }),
		cpu:  stats.Median(ms, func(m measurement) time.Duration { return m.cpu }),
		rss:  stats.Median(ms, func(m measurement) int64 { return m.rss }),
	}
}

// sharedRules are the rules both padlock and conftest/audit.rego have.
var sharedRules = map[string]bool{"PL001": true, "PL002": true, "PL003": true, "PL004": true, "PL005": true, "PL006": true, "PL007": true, "PL008": true, "PL009": true, "PL011": true, "PL012": true}

// agree runs both tools once and compares their findings of the shared
// rules: a benchmark of rules that disagree would measure nothing.
func agree(ctx context.Context, padlock string, padArgs []string, conftest string, confArgs []string) error {
	out, err := output(ctx, padlock, padArgs)
	if err != nil {
		return err
	}
	var rep struct {
		Findings []struct{ Rule, Flow, Message string }
		Flows    int
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		return fmt.Errorf("padlock's JSON: %w", err)
	}
	mine := map[string]bool{}
	for _, f := range rep.Findings {
		if sharedRules[f.Rule] {
			mine[exporttest.FindingKey(f.Flow, f.Rule, f.Message)] = true
		}
	}
	if out, err = output(ctx, conftest, confArgs); err != nil {
		return err
	}
	var results []struct {
		Filename string
		Failures []struct{ Msg string }
	}
	if err := json.Unmarshal(out, &results); err != nil {
		return fmt.Errorf("conftest's JSON: %w", err)
	}
	theirs := map[string]bool{}
	for _, r := range results {
		id := strings.TrimSuffix(filepath.Base(r.Filename), ".json")
		for _, f := range r.Failures {
			rule, msg, _ := strings.Cut(f.Msg, " ")
			theirs[exporttest.FindingKey(id, rule, msg)] = true
		}
	}
	var onlyMine, onlyTheirs []string
	for k := range mine {
		if !theirs[k] {
			onlyMine = append(onlyMine, k)
		}
	}
	for k := range theirs {
		if !mine[k] {
			onlyTheirs = append(onlyTheirs, k)
		}
	}
	if len(onlyMine)+len(onlyTheirs) > 0 {
		sort.Strings(onlyMine)
		sort.Strings(onlyTheirs)
		return fmt.Errorf("padlock and conftest disagree: %d findings only padlock reports (%s), %d only conftest (%s)",
			len(onlyMine), strings.Join(first(onlyMine, 3), "; "), len(onlyTheirs), strings.Join(first(onlyTheirs, 3), "; "))
	}
	fmt.Printf("<!-- %d flows: padlock and conftest agree on %d findings of the shared rules -->\n", rep.Flows, len(mine))
	return nil
}

func output(ctx context.Context, name string, args []string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		return nil, fmt.Errorf("%s: %v\n%s", filepath.Base(name), err, tail(stderr.String()))
	}
	return out, nil
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }

func tail(s string) string {
	if len(s) > 2000 {
		return "..." + s[len(s)-2000:]
	}
	return s
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return n
}
