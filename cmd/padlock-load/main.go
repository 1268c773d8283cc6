// Command padlock-load measures `padlock serve` against a plain OPA server
// (`opa run --server`, built from the OPA module version in go.mod) loaded
// with the same policies and data: the same fixed mix of real queries (run,
// invoke, embed, use over a generated world), from concurrent clients over
// loopback, for a fixed time, in the same run. It prints requests/s and
// p50/p99/p99.9 latency per server and round, and the medians.
//
//	go run ./cmd/padlock-load -flows 10000 -clients 16 -duration 10s -rounds 3
//
// With -writes R it measures padlock alone under writes instead: rounds of
// the mix without writes alternate with rounds where a writer PUTs a
// document R times a second through the documents API (-write-kind: a
// Share of a probe flow, a probe user's Connection, or the members of a
// probe team), and it prints the
// decision throughput of both, the writes' latency, the resident memory,
// and the stale answers: decisions asked after a write was acknowledged
// that do not reflect it (see writer.go).
//
//	go run ./cmd/padlock-load -flows 100000 -writes 10 -duration 10s -rounds 3
//	go run ./cmd/padlock-load -flows 10000 -writes 10 -write-kind connection
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
	"sync"
	"sync/atomic"
	"time"

	"github.com/padlock/padlock/bundles"
	"github.com/padlock/padlock/cmd/internal/stats"
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
		writes   = flag.Float64("writes", 0, "writes per second: measure padlock under writes instead of against OPA")
		kind     = flag.String("write-kind", "share", "with -writes, what the writer writes: share (a Share of a probe flow), connection (a probe user's Connection) or team (a probe team's members)")
		probes   = flag.Int("probes", 1000, "flows the writer writes and the clients check, with -writes")
		memLimit = flag.String("memory-limit", "", "GOMEMLIMIT for padlock (as padlock serve derives it from a container's limit), e.g. 900MiB")
	)
	flag.Parse()
	probe, ok := probeKinds[*kind]
	if !ok {
		fmt.Fprintf(os.Stderr, "padlock-load: -write-kind %q: want share, connection or team\n", *kind)
		os.Exit(2)
	}
	if err := run(*flows, *clients, *duration, *rounds, *mix, *cache, *padlock, *opa, *writes, probe, *probes, *memLimit); err != nil {
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

func run(flows, clients int, duration time.Duration, rounds, mix, cache int, padlockBin, opaBin string, writes float64, probe probeKind, probes int, memLimit string) error {
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
	if opaBin == "" && writes == 0 {
		opaBin = filepath.Join(dir, "opa")
		if err := goBuild(opaBin, "github.com/open-policy-agent/opa"); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "generating a world of %d flows\n", flows)
	w := synth.World(flows)
	docs := filepath.Join(dir, "world")
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
	var padEnv []string
	if memLimit != "" {
		padEnv = []string{"GOMEMLIMIT=" + memLimit}
	}
	pad, err := start(padEnv, padlockBin, padArgs...)
	if err != nil {
		return err
	}
	defer stop(pad)
	if writes > 0 {
		if err := waitHealthy("http://"+padAddr, 300*time.Second); err != nil {
			return fmt.Errorf("padlock: %w", err)
		}
		t := target{name: "padlock", url: "http://" + padAddr + "/v1/decisions", body: padlockBody}
		p := newProber("http://"+padAddr, probe, w, probes)
		if err := p.setup(); err != nil {
			return fmt.Errorf("probes: %w", err)
		}
		writeRounds(t, pad.Process.Pid, synth.Queries(flows, mix), clients, duration, rounds, writes, p)
		return nil
	}
	// plain OPA: the same policies as a bundle, the same world through the
	// Data API.
	opaAddr, err := freeAddr()
	if err != nil {
		return err
	}
	op, err := start(nil, opaBin, "run", "--server", "--addr", opaAddr, "--log-level", "error", "--bundle", bundlePath)
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
		{name: "padlock", url: "http://" + padAddr + "/v1/decisions", body: padlockBody},
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
			res := load(t, qs, clients, duration, nil)
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

func padlockBody(q document.Query) []byte { b, _ := json.Marshal(q); return b }

// load runs the mix from concurrent clients for d; with a prober, every
// fourth request of a client asks about a probe flow and is checked.
func load(t target, qs []document.Query, clients int, d time.Duration, p *prober) result {
	bodies := make([][]byte, len(qs))
	for i, q := range qs {
		bodies[i] = t.body(q)
	}
	var probeBodies [][]byte
	if p != nil {
		for k := range p.flows {
			probeBodies = append(probeBodies, p.query(k))
		}
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
				if p != nil && i%4 == 0 {
					k := (i/4*31 + c) % len(p.flows)
					if !p.check(client, t.url, k, probeBodies[k]) {
						fails.Add(1)
					}
					local = append(local, time.Since(start))
					continue
				}
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
	return result{target: t.name, requests: len(lats), fails: int(fails.Load()), rps: float64(len(lats)) / d.Seconds(), p50: pct(lats, 0.50), p99: pct(lats, 0.99), p999: pct(lats, 0.999)}
}

// median is the median of each figure on its own.
func median(rs []result) result {
	return result{
		target: rs[0].target,
		rps:    stats.Median(rs, func(r result) float64 { return r.rps }),
		p50:    stats.Median(rs, func(r result) time.Duration { return r.p50 }),
		p99:    stats.Median(rs, func(r result) time.Duration { return r.p99 }),
		p999:   stats.Median(rs, func(r result) time.Duration { return r.p999 }),
	}
}

// writeDocs writes the world as JSON arrays of documents into the folder
// dir, for --docs: in files of a few thousand documents, as a tenant's
// documents would be kept (one file would pass padlock's file size limit
// at 100,000 flows).
func writeDocs(dir string, w *world.World) error {
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
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	const perFile = 5000
	for i := 0; i < len(docs); i += perFile {
		b, err := json.Marshal(docs[i:min(len(docs), i+perFile)])
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("docs-%04d.json", i/perFile)), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func goBuild(out, pkg string) error {
	fmt.Fprintf(os.Stderr, "go build %s\n", pkg)
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Stderr = os.Stderr
	return cmd.Run()
}

// start runs bin with env added to the harness's environment.
func start(env []string, bin string, args ...string) (*exec.Cmd, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
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
