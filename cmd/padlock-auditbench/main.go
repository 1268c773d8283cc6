// Command padlock-auditbench measures `padlock audit` against conftest on
// generated exports (engine/export/exporttest): for each size it writes
// the solutions (zip and unzipped), the documents that say who holds which
// role, and the same flows parsed into one JSON file each for conftest;
// checks that padlock and conftest (with the equivalent rules in
// conftest/audit.rego beside this file) report the same findings for the
// rules both have; then times both, one after the other, and prints the
// median wall time and the peak resident memory of each process.
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
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

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
	generate := flag.String("generate", "", "only generate the first -flows size into this `folder`, and exit")
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
		// The harness generates in a child process of its own: a process
		// the harness starts inherits its peak memory in Linux's rusage
		// accounting (os/exec starts children with vfork), so the harness
		// stays small for padlock's and conftest's peaks to be theirs.
		if _, err := exporttest.Write(*generate, exporttest.Size{Flows: c.sizes[0], PerSolution: c.perSolution, ScriptLines: c.scriptLines}); err != nil {
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

// measurement is one process run: wall time and peak RSS.
type measurement struct {
	wall time.Duration
	rss  int64 // bytes
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
	policy, err := filepath.Abs(filepath.Join("cmd", "padlock-auditbench", "conftest"))
	if err != nil {
		return err
	}
	fmt.Printf("%d cores; scripts of %d lines; %d flows per solution; medians of %d\n\n", runtime.NumCPU(), c.scriptLines, c.perSolution, c.runs)
	fmt.Println("| desktop flows | export (zip) | padlock (zip) | padlock (unzipped) | padlock peak RSS | conftest | conftest peak RSS | conftest / padlock (zip) |")
	fmt.Println("| --- | --- | --- | --- | --- | --- | --- | --- |")
	var rows []row
	for _, n := range c.sizes {
		dir := filepath.Join(work, fmt.Sprintf("flows-%d", n))
		self, err := os.Executable()
		if err != nil {
			return err
		}
		gen := exec.CommandContext(ctx, self, "-generate", dir, "-flows", strconv.Itoa(n), "-per-solution", strconv.Itoa(c.perSolution), "-script-lines", strconv.Itoa(c.scriptLines))
		if out, err := gen.CombinedOutput(); err != nil {
			return fmt.Errorf("generate %d flows: %v\n%s", n, err, out)
		}
		l := exporttest.LayoutOf(dir)
		padArgs := func(input string) []string {
			a := []string{"audit", "--format", "json", "--environment", "env-prod", "--docs", l.Docs, "--quiet"}
			if c.jobs != "" {
				a = append(a, "--jobs", c.jobs)
			}
			return append(a, input)
		}
		confArgs := []string{"test", "--no-color", "--output", "json", "--policy", policy, "--data", l.ConftestData, l.ConftestFlows}
		if err := agree(ctx, padlock, padArgs(l.Unzipped), conftest, confArgs); err != nil {
			return fmt.Errorf("%d flows: %w", n, err)
		}
		r := row{flows: n, zipBytes: dirSize(l.Zips)}
		for range c.runs { // interleaved, so that a noisy minute hurts all three alike
			m, err := measure(ctx, padlock, padArgs(l.Zips), 1)
			if err != nil {
				return err
			}
			r.zip = append(r.zip, m)
			if m, err = measure(ctx, padlock, padArgs(l.Unzipped), 1); err != nil {
				return err
			}
			r.unzipped = append(r.unzipped, m)
			if m, err = measure(ctx, conftest, confArgs, 1); err != nil {
				return err
			}
			r.conftest = append(r.conftest, m)
		}
		rows = append(rows, r)
		zip, unz, conf := median(r.zip), median(r.unzipped), median(r.conftest)
		fmt.Printf("| %d | %.0f MB | %.2f s | %.2f s | %.0f MB | %.2f s | %.0f MB | %.1f× |\n", n, float64(r.zipBytes)/1e6,
			zip.wall.Seconds(), unz.wall.Seconds(), float64(max(zip.rss, unz.rss))/1e6, conf.wall.Seconds(), float64(conf.rss)/1e6,
			conf.wall.Seconds()/zip.wall.Seconds())
		if c.keep == "" {
			_ = os.RemoveAll(dir)
		}
	}
	if len(rows) > 1 {
		first, last := rows[0], rows[len(rows)-1]
		fmt.Printf("\n%d → %d flows (%.1f×): padlock time %.2f×, peak RSS %.2f×; conftest time %.2f×\n", first.flows, last.flows,
			float64(last.flows)/float64(first.flows), median(last.zip).wall.Seconds()/median(first.zip).wall.Seconds(),
			float64(median(last.zip).rss)/float64(median(first.zip).rss), median(last.conftest).wall.Seconds()/median(first.conftest).wall.Seconds())
	}
	return nil
}

type row struct {
	flows                   int
	zipBytes                int64
	zip, unzipped, conftest []measurement
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
	return measurement{wall: wall, rss: rss}, nil
}

func median(ms []measurement) measurement {
	s := append([]measurement(nil), ms...)
	sort.Slice(s, func(i, j int) bool { return s[i].wall < s[j].wall })
	m := s[len(s)/2]
	rss := append([]measurement(nil), ms...)
	sort.Slice(rss, func(i, j int) bool { return rss[i].rss < rss[j].rss })
	m.rss = rss[len(rss)/2].rss
	return m
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
