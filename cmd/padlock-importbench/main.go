// Command padlock-importbench measures `padlock import` on generated
// tenants: it writes deterministic dumps (engine/dataverse/dataversetest),
// builds padlock, runs the import over each a few times and prints the
// median wall time and the peak resident memory of the process, so that
// time and memory can be read against the number of rows.
//
//	go run ./cmd/padlock-importbench -flows 10000 -users 2000 -shares 50000 -scale 1,2,4 -runs 3
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/padlock/padlock/engine/dataverse/dataversetest"
)

func main() {
	flows := flag.Int("flows", 10000, "desktop flows")
	users := flag.Int("users", 2000, "system users")
	shares := flag.Int("shares", 50000, "principalobjectaccess rows")
	scale := flag.String("scale", "1", "comma-separated multipliers of the record access rows (memory must stay flat in rows)")
	runs := flag.Int("runs", 3, "runs per size; the median is reported")
	generate := flag.String("generate", "", "only write the dump of -flows, -users and -shares into this `folder`, and exit")
	flag.Parse()
	if *generate != "" {
		// Dumps are written by a child process of the harness: a process
		// the harness starts inherits its peak memory in Linux's rusage
		// accounting (os/exec starts children with vfork), so the harness
		// stays small for padlock's peak to be padlock's own.
		if err := dataversetest.Write(*generate, dataversetest.Size{Flows: *flows, Users: *users, Shares: *shares}); err != nil {
			fmt.Fprintln(os.Stderr, "padlock-importbench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*flows, *users, *shares, *scale, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "padlock-importbench:", err)
		os.Exit(1)
	}
}

func run(flows, users, shares int, scale string, runs int) error {
	work, err := os.MkdirTemp("", "padlock-importbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	bin := filepath.Join(work, "padlock")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/padlock").CombinedOutput(); err != nil {
		return fmt.Errorf("build padlock: %v\n%s", err, out)
	}
	fmt.Printf("| desktop flows | users | record access rows | dump size | padlock import (median of %d) | peak RSS |\n| --- | --- | --- | --- | --- | --- |\n", runs)
	for _, f := range strings.Split(scale, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || k < 1 {
			return fmt.Errorf("-scale %q: want positive integers", scale)
		}
		dump := filepath.Join(work, fmt.Sprintf("dump-%d", k))
		size := dataversetest.Size{Flows: flows, Users: users, Shares: shares * k}
		self, err := os.Executable()
		if err != nil {
			return err
		}
		gen := exec.Command(self, "-generate", dump, "-flows", strconv.Itoa(size.Flows), "-users", strconv.Itoa(size.Users), "-shares", strconv.Itoa(size.Shares))
		if out, err := gen.CombinedOutput(); err != nil {
			return fmt.Errorf("generate the dump: %v\n%s", err, out)
		}
		var times []time.Duration
		var rss int64
		for r := 0; r < runs; r++ {
			out := filepath.Join(work, "out")
			os.RemoveAll(out)
			cmd := exec.Command(bin, "import", "--quiet", "-o", out, dump)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			start := time.Now()
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("padlock import: %v\n%s", err, tail(stderr.String()))
			}
			times = append(times, time.Since(start))
			if u, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				rss = max(rss, u.Maxrss) // kilobytes on Linux
			}
		}
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		fmt.Printf("| %d | %d | %d | %.0f MB | %.2f s | %.0f MB |\n", size.Flows, size.Users, size.Shares, dirMB(dump), times[len(times)/2].Seconds(), float64(rss)/1024)
	}
	return nil
}

func dirMB(dir string) float64 {
	var n int64
	_ = filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return float64(n) / (1 << 20)
}

func tail(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return strings.Join(lines, "\n")
}
