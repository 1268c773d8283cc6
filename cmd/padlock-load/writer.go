package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/synth"
)

// The probe principals appear in no file: whether they may run a probe
// flow depends only on the API's share of that flow, which the writer
// flips between them.
const (
	probeA = document.Principal("user:probe-a@example.com")
	probeB = document.Principal("user:probe-b@example.com")
)

// probeState is what the writer has acknowledged about one probe flow:
// writes begun and acknowledged, and who the last acknowledged write
// granted. It is replaced whole, never changed, so that a client reads a
// consistent triple.
type probeState struct {
	started, acked uint64
	grantedA       bool
}

// prober writes Shares of the probe flows through the documents API at a
// fixed rate, and checks decisions about them: a decision asked after a
// write was acknowledged (and before the next write of that flow began)
// must reflect it. Anything else is a stale answer.
type prober struct {
	base    string
	flows   []string
	state   []atomic.Pointer[probeState]
	checked atomic.Int64
	stale   atomic.Int64
}

func newProber(base string, n, count int) *prober {
	p := &prober{base: base, state: make([]atomic.Pointer[probeState], count)}
	for i := 0; i < count; i++ {
		p.flows = append(p.flows, synth.FlowID(i*n/count))
		p.state[i].Store(&probeState{})
	}
	return p
}

// query is the decision the clients ask about probe flow k.
func (p *prober) query(k int) []byte {
	b, _ := json.Marshal(document.Query{Action: document.ActionRun, Principal: probeA, Flow: p.flows[k], Mode: "console"})
	return b
}

// check asks about probe flow k over client and counts a stale answer.
// It returns false when the request itself failed.
func (p *prober) check(client *http.Client, url string, k int, body []byte) bool {
	before := p.state[k].Load()
	resp, err := client.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var d struct {
		Role string `json:"role"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&d) != nil {
		return false
	}
	after := p.state[k].Load()
	// Only a decision asked with no write of the flow in flight, and
	// answered before the next one began, has one right answer.
	if before.started != before.acked || after.started != before.started {
		return true
	}
	p.checked.Add(1)
	if (d.Role == document.RoleUser) != before.grantedA {
		p.stale.Add(1)
		fmt.Fprintf(os.Stderr, "stale: %s after write %d (granted A: %v) answered role %q\n", p.flows[k], before.acked, before.grantedA, d.Role)
	}
	return true
}

// write runs the writer for d at rate writes per second and returns the
// latencies of the acknowledged writes and the count of failed ones.
func (p *prober) write(rate float64, d time.Duration, next *int) (lats []time.Duration, fails int) {
	client := &http.Client{}
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer tick.Stop()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		<-tick.C
		k := *next % len(p.flows)
		*next++
		st := p.state[k].Load()
		grantA := !st.grantedA
		p.state[k].Store(&probeState{started: st.started + 1, acked: st.acked, grantedA: st.grantedA})
		who := probeB
		if grantA {
			who = probeA
		}
		body, _ := json.Marshal(document.Share{Kind: document.KindShare, Flow: p.flows[k], Grants: []document.Grant{{Principal: who, Role: document.RoleUser}}})
		req, _ := http.NewRequest(http.MethodPut, p.base+"/v1/documents", bytes.NewReader(body))
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			fails++
			continue // the flow stays "in flight": never checked again
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			fails++
			continue
		}
		lats = append(lats, time.Since(start))
		p.state[k].Store(&probeState{started: st.started + 1, acked: st.started + 1, grantedA: grantA})
	}
	return lats, fails
}

// memory reads a process's resident set and its peak (VmRSS, VmHWM) in
// bytes from /proc; zero where the system has no /proc.
func memory(pid int) (rss, peak int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb << 10
		case "VmHWM:":
			peak = kb << 10
		}
	}
	return rss, peak
}

// writeRounds alternates padlock under the query mix alone and under the
// mix with writes (each first in every other round), and prints throughput, write latency, stale answers and
// memory.
func writeRounds(t target, pid int, qs []document.Query, clients int, duration time.Duration, rounds int, rate float64, p *prober) {
	var quiet, busy []float64
	var writeLats []time.Duration
	writeFails, next := 0, 0
	rssStart, _ := memory(pid)
	for r := 0; r < rounds; r++ {
		var q, b result
		var lats []time.Duration
		var fails int
		withWrites := func() {
			done := make(chan struct{})
			go func() { lats, fails = p.write(rate, duration, &next); close(done) }()
			b = load(t, qs, clients, duration, p)
			<-done
		}
		// Alternate which goes first, so that neither gains from warming up.
		if r%2 == 0 {
			q = load(t, qs, clients, duration, p)
			withWrites()
		} else {
			withWrites()
			q = load(t, qs, clients, duration, p)
		}
		quiet = append(quiet, q.rps)
		busy = append(busy, b.rps)
		writeLats = append(writeLats, lats...)
		writeFails += fails
		rss, _ := memory(pid)
		fmt.Printf("round %d  no writes %9.0f req/s  |  %.0f writes/s %9.0f req/s (%.2fx)  writes p50 %s  (%d written, %d failed)  rss %d MiB\n",
			r+1, q.rps, rate, b.rps, b.rps/q.rps, pct(lats, 0.5), len(lats), fails, rss>>20)
	}
	rss, peak := memory(pid)
	mq, mb := medianOf(quiet), medianOf(busy)
	fmt.Printf("\nmedians over %d rounds, %s each, %d clients:\n", rounds, duration, clients)
	fmt.Printf("| writes/s | decisions/s | ratio | Share PUT p50 | p99 | stale answers / checked | RSS steady | RSS peak |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	fmt.Printf("| 0 | %.0f | | | | | %d MiB | |\n", mq, rssStart>>20)
	fmt.Printf("| %.0f | %.0f | %.2f | %s | %s | %d / %d | %d MiB | %d MiB |\n", rate, mb, mb/mq,
		pct(writeLats, 0.5), pct(writeLats, 0.99), p.stale.Load(), p.checked.Load(), rss>>20, peak>>20)
	if writeFails > 0 {
		fmt.Printf("%d writes failed\n", writeFails)
	}
}

func pct(lats []time.Duration, p float64) time.Duration {
	if len(lats) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), lats...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(p*float64(len(s))))].Round(10 * time.Microsecond)
}

func medianOf(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}
