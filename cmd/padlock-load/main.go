// Command padlock-load measures `padlock serve` against a plain OPA server
// (`opa run --server`, built from the OPA module version in go.mod) loaded
// with the same policies and data: the same fixed mix of real queries (run,
// invoke, embed, use over a generated world), from concurrent clients over
// loopback, for a fixed time, in the same run. It prints requests/s and
// p50/p99/p99.9 latency per server and round, and the medians.
//
//	go run ./cmd/padlock-load -flows 10000 -clients 16 -duration 10s -rounds 3
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/padlock/padlock/bundles"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/pack"
	"github.com/padlock/padlock/engine/synth"
	"github.com/padlock/padlock/engine/world"
	"github.com/padlock/padlock/policies"
)

func main() {
	var (
		flows    = flag.Int("flows", 10000, "flows in the generated world")
		clients  = flag.Int("clients", 16, "concurrent clients")
		duration = flag.Duration("duration", 10*time.Second, "load time per server and round")
		rounds   = flag.Int("rounds", 3, "rounds, alternating the servers")
		mix      = flag.Int("queries", 4096, "distinct queries in the mix")
		cache    = flag.Int("decision-cache", -1, "padlock's --decision-cache (-1: its default)")
		padlock  = flag.String("padlock", "", "padlock binary (default: go build ./cmd/padlock)")
		opa      = flag.String("opa", "", "opa binary (default: go build github.com/open-policy-agent/opa)")
	)
	flag.Parse()
	if err := run(*flows, *clients, *duration, *rounds, *mix, *cache, *padlock, *opa); err != nil {
		fmt.Fprintln(os.Stderr, "padlock-load:", err)
		os.Exit(1)
	}
}

type result struct {
	target          string
	requests, fails int
	rps             float64
	p50, p99, p999  time.Duration
}

func run(flows, clients int, duration time.Duration, rounds, mix, cache int, padlockBin, opaBin string) error {
	dir, err := os.MkdirTemp("", "padlock-load")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if padlockBin == "" {
		padlockBin = filepath.Join(dir, "padlock")
		if err := goBuild(padlockBin, "./cmd/padlock"); err != nil {
			return err
		}
	}
	if opaBin == "" {
		opaBin = filepath.Join(dir, "opa")
		if err := goBuild(opaBin, "github.com/open-policy-agent/opa"); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "generating a world of %d flows\n", flows)
	w := synth.World(flows)
	docs := filepath.Join(dir, "world.json")
	if err := writeDocs(docs, w); err != nil {
		return err
	}
	b, err := pack.Build(context.Background(), pack.BuildOptions{Policies: policies.FS, Data: bundles.FS, Revision: "load"})
	if err != nil {
		return err
	}
	bundlePath := filepath.Join(dir, "bundle.tar.gz")
	f, err := os.Create(bundlePath)
	if err != nil {
		return err
	}
	if err := pack.Write(f, b); err != nil {
		return err
	}
	f.Close()
	worldData, err := json.Marshal(w.Data())
	if err != nil {
		return err
	}

	// padlock: its documents, its validation of every input.
	padAddr, err := freeAddr()
	if err != nil {
		return err
	}
	padArgs := []string{"serve", "--addr", padAddr, "--docs", docs}
	if cache >= 0 {
		padArgs = append(padArgs, "--decision-cache", fmt.Sprint(cache))
	}
	pad, err := start(padlockBin, padArgs...)
	if err != nil {
		return err
	}
	defer stop(pad)
	// plain OPA: the same policies as a bundle, the same world through the
	// Data API.
	opaAddr, err := freeAddr()
	if err != nil {
		return err
	}
	op, err := start(opaBin, "run", "--server", "--addr", opaAddr, "--log-level", "error", "--bundle", bundlePath)
	if err != nil {
		return err
	}
	defer stop(op)
	if err := waitHealthy("http://"+padAddr, 120*time.Second); err != nil {
		return fmt.Errorf("padlock: %w", err)
	}
	if err := waitHealthy("http://"+opaAddr, 60*time.Second); err != nil {
		return fmt.Errorf("opa: %w", err)
	}
	req, _ := http.NewRequest(http.MethodPut, "http://"+opaAddr+"/v1/data/world", bytes.NewReader(worldData))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("load the world into OPA: %v %v", err, resp)
	}

	qs := synth.Queries(flows, mix)
	targets := []target{
		{name: "padlock", url: "http://" + padAddr + "/v1/decisions", body: func(q document.Query) []byte { b, _ := json.Marshal(q); return b }},
		{name: "opa", url: "http://" + opaAddr + "/v1/data/padlock/authz/decision", body: func(q document.Query) []byte {
			b, _ := json.Marshal(map[string]any{"input": q})
			return b
		}},
	}
	if err := sameAnswers(targets, qs[:min(200, len(qs))]); err != nil {
		return err
	}
	all := map[string][]result{}
	for r := 0; r < rounds; r++ {
		for _, t := range targets {
			res := load(t, qs, clients, duration)
			all[t.name] = append(all[t.name], res)
			fmt.Printf("round %d  %-8s %9.0f req/s  p50 %8s  p99 %8s  p99.9 %8s  (%d requests, %d failed)\n",
				r+1, t.name, res.rps, res.p50, res.p99, res.p999, res.requests, res.fails)
		}
	}
	pm, om := median(all["padlock"]), median(all["opa"])
	fmt.Printf("\nmedians over %d rounds, %d flows, %d clients, %s each:\n", rounds, flows, clients, duration)
	fmt.Printf("| server | requests/s | p50 | p99 | p99.9 |\n| --- | --- | --- | --- | --- |\n")
	for _, m := range []result{pm, om} {
		fmt.Printf("| %s | %.0f | %s | %s | %s |\n", m.target, m.rps, m.p50, m.p99, m.p999)
	}
	fmt.Printf("\npadlock / opa: %.2fx the requests/s, p99 %.2fx\n", pm.rps/om.rps, float64(pm.p99)/float64(om.p99))
	return nil
}

type target struct {
	name string
	url  string
	body func(document.Query) []byte
}

// sameAnswers checks that both servers give the same decisions, so that
// the comparison is between equals.
func sameAnswers(ts []target, qs []document.Query) error {
	for _, q := range qs {
		var answers []string
		for _, t := range ts {
			resp, err := http.Post(t.url, "application/json", bytes.NewReader(t.body(q)))
			if err != nil {
				return err
			}
			var out map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			if r, ok := out["result"]; ok {
				out = r.(map[string]any)
			}
			delete(out, "decision_id")
			b, _ := json.Marshal(out)
			answers = append(answers, string(b))
		}
		if answers[0] != answers[1] {
			return fmt.Errorf("the servers disagree on %+v:\n%s\n%s", q, answers[0], answers[1])
		}
	}
	return nil
}

func load(t target, qs []document.Query, clients int, d time.Duration) result {
	bodies := make([][]byte, len(qs))
	for i, q := range qs {
		bodies[i] = t.body(q)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients}}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		lats  []time.Duration
		fails atomic.Int64
	)
	deadline := time.Now().Add(d)
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			local := make([]time.Duration, 0, 1<<16)
			for i := c * 7; time.Now().Before(deadline); i++ {
				start := time.Now()
				resp, err := client.Post(t.url, "application/json", bytes.NewReader(bodies[i%len(bodies)]))
				if err != nil {
					fails.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					fails.Add(1)
				}
				local = append(local, time.Since(start))
			}
			mu.Lock()
			lats = append(lats, local...)
			mu.Unlock()
		}(c)
	}
	wg.Wait()
	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	pct := func(p float64) time.Duration {
		if len(lats) == 0 {
			return 0
		}
		return lats[min(len(lats)-1, int(p*float64(len(lats))))].Round(time.Microsecond)
	}
	return result{target: t.name, requests: len(lats), fails: int(fails.Load()), rps: float64(len(lats)) / d.Seconds(), p50: pct(0.50), p99: pct(0.99), p999: pct(0.999)}
}

func median(rs []result) result {
	pick := func(f func(result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		sort.Float64s(v)
		return v[len(v)/2]
	}
	return result{
		target: rs[0].target,
		rps:    pick(func(r result) float64 { return r.rps }),
		p50:    time.Duration(pick(func(r result) float64 { return float64(r.p50) })),
		p99:    time.Duration(pick(func(r result) float64 { return float64(r.p99) })),
		p999:   time.Duration(pick(func(r result) float64 { return float64(r.p999) })),
	}
}

// writeDocs writes the world as one JSON array of documents, for --docs.
func writeDocs(path string, w *world.World) error {
	var docs []any
	for _, x := range w.Teams {
		docs = append(docs, x)
	}
	for _, x := range w.RoleAssignments {
		docs = append(docs, x)
	}
	for _, x := range w.Flows {
		docs = append(docs, x)
	}
	for _, x := range w.Shares {
		docs = append(docs, x)
	}
	for _, x := range w.Connections {
		docs = append(docs, x)
	}
	b, err := json.Marshal(docs)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

func goBuild(out, pkg string) error {
	fmt.Fprintf(os.Stderr, "go build %s\n", pkg)
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Stderr = os.Stderr
	return cmd.Run()
}

func start(bin string, args ...string) (*exec.Cmd, error) {
	cmd := exec.Command(bin, args...)
	cmd.Stderr = io.Discard
	cmd.Stdout = io.Discard
	return cmd, cmd.Start()
}

func stop(cmd *exec.Cmd) {
	cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
	}
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitHealthy(base string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(base + "/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("not healthy after %s", limit)
}
