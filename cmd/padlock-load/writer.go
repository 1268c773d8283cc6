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

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/padlock/padlock/cmd/internal/stats"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/world"
)

// The probe principals appear in no file: what a decision about them
// says depends only on the documents the writer puts through the API.
const (
	probeA = document.Principal("user:probe-a@example.com")
	probeB = document.Principal("user:probe-b@example.com")
)

// probeKind is what the writer flips for each probe flow, and how a
// decision about that flow shows it.
type probeKind interface {
	// principal is who the clients ask about for probe flow f.
	principal(k int) document.Principal
	// setup is written once, before the rounds.
	setup(k int, f document.DesktopFlow) []any
	// doc is the write that turns probe k on or off.
	doc(k int, f document.DesktopFlow, on bool) any
	// shows reports whether decision d shows probe k on.
	shows(d probeDecision, f document.DesktopFlow) bool
}

// probeDecision is what the probes read of a decision.
type probeDecision struct {
	Role        string `json:"role"`
	Connections []struct {
		Reference string  `json:"reference"`
		Selected  *string `json:"selected"`
	} `json:"connections"`
}

// shareProbe flips a Share of the flow between probeA and probeB: probeA
// holds the user role exactly when it is on. It reaches the decisions
// about that flow.
type shareProbe struct{}

func (shareProbe) principal(int) document.Principal      { return probeA }
func (shareProbe) setup(int, document.DesktopFlow) []any { return nil }
func (shareProbe) shows(d probeDecision, _ document.DesktopFlow) bool {
	return d.Role == document.RoleUser
}
func (shareProbe) doc(_ int, f document.DesktopFlow, on bool) any {
	who := probeB
	if on {
		who = probeA
	}
	return document.Share{Kind: document.KindShare, Flow: f.ID, Grants: []document.Grant{{Principal: who, Role: document.RoleUser}}}
}

// connectionProbe gives probe flow k a run-only user of its own (a Share,
// once) and flips that user's connection for the flow's first reference
// between Connected and Error: the run's plan selects it exactly when it
// is on. It reaches the decisions that read that user's connections.
type connectionProbe struct{}

func (connectionProbe) principal(k int) document.Principal { return probeUser(k) }

func (c connectionProbe) setup(k int, f document.DesktopFlow) []any {
	return []any{document.Share{Kind: document.KindShare, Flow: f.ID, Grants: []document.Grant{{Principal: c.principal(k), Role: document.RoleUser}}}}
}

func (c connectionProbe) doc(k int, f document.DesktopFlow, on bool) any {
	status := "Error"
	if on {
		status = "Connected"
	}
	return document.Connection{Kind: document.KindConnection, ID: fmt.Sprintf("probe-conn-%d", k), Connector: f.ConnectionReferences[0].Connector,
		Environment: f.Environment, Owner: c.principal(k), Account: fmt.Sprintf("probe-%d@example.com", k), Status: status}
}

func (connectionProbe) shows(d probeDecision, f document.DesktopFlow) bool {
	for _, c := range d.Connections {
		if c.Reference == f.ConnectionReferences[0].LogicalName {
			return c.Selected != nil
		}
	}
	return false
}

// teamProbe shares probe flow k with a team of its own (once) and flips
// the membership of that flow's probe user: they hold the user role
// exactly when they are a member. It reaches the decisions that read that
// user's teams.
type teamProbe struct{}

func (teamProbe) principal(k int) document.Principal { return probeUser(k) }

func (teamProbe) team(k int) document.Principal {
	return document.Principal(fmt.Sprintf("team:probe-%d", k))
}

func (t teamProbe) setup(k int, f document.DesktopFlow) []any {
	return []any{
		t.doc(k, f, false),
		document.Share{Kind: document.KindShare, Flow: f.ID, Grants: []document.Grant{{Principal: t.team(k), Role: document.RoleUser}}},
	}
}

func (t teamProbe) doc(k int, _ document.DesktopFlow, on bool) any {
	// Never empty: the member who stays is another user of the probe's.
	members := []document.Principal{document.Principal(fmt.Sprintf("user:probe-%d-stays@example.com", k))}
	if on {
		members = append(members, t.principal(k))
	}
	return document.Team{Kind: document.KindTeam, ID: string(t.team(k)), Members: members}
}

func (teamProbe) shows(d probeDecision, _ document.DesktopFlow) bool {
	return d.Role == document.RoleUser
}

// probeUser is probe flow k's own user, for the probes that need one.
func probeUser(k int) document.Principal {
	return document.Principal(fmt.Sprintf("user:probe-%d@example.com", k))
}

// probeKinds are the -write-kind values.
var probeKinds = map[string]probeKind{"share": shareProbe{}, "connection": connectionProbe{}, "team": teamProbe{}}

// probeState is what the writer has acknowledged about one probe flow:
// writes begun and acknowledged, and whether the last acknowledged write
// turned the probe on. It is replaced whole, never changed, so that a
// client reads a consistent triple.
type probeState struct {
	started, acked uint64
	on             bool
}

// prober writes documents of the probe flows (a probeKind) through the
// documents API at a fixed rate, and checks decisions about them: a
// decision asked after a write was acknowledged (and before the next write
// of that flow began) must reflect it. Anything else is a stale answer.
type prober struct {
	base    string
	kind    probeKind
	flows   []document.DesktopFlow
	state   []atomic.Pointer[probeState]
	checked atomic.Int64
	stale   atomic.Int64
}

func newProber(base string, kind probeKind, w *world.World, count int) *prober {
	p := &prober{base: base, kind: kind, state: make([]atomic.Pointer[probeState], count)}
	for i := 0; i < count; i++ {
		p.flows = append(p.flows, w.Flows[i*len(w.Flows)/count])
		p.state[i].Store(&probeState{})
	}
	return p
}

// setup writes what the probes need before the rounds, in one write.
func (p *prober) setup() error {
	var docs []any
	for k, f := range p.flows {
		docs = append(docs, p.kind.setup(k, f)...)
	}
	if len(docs) == 0 {
		return nil
	}
	return p.put(&http.Client{}, docs)
}

// put writes documents through the API.
func (p *prober) put(client *http.Client, doc any) error {
	body, _ := json.Marshal(doc)
	req, _ := http.NewRequest(http.MethodPut, p.base+"/v1/documents", bytes.NewReader(body))
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("PUT /v1/documents: %s: %s", resp.Status, msg)
	}
	return nil
}

// query is the decision the clients ask about probe flow k.
func (p *prober) query(k int) []byte {
	b, _ := json.Marshal(document.Query{Action: document.ActionRun, Principal: p.kind.principal(k), Flow: p.flows[k].ID, Mode: "console"})
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
	var d probeDecision
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
	if p.kind.shows(d, p.flows[k]) != before.on {
		p.stale.Add(1)
		fmt.Fprintf(os.Stderr, "stale: %s after write %d (on: %v) answered %+v\n", p.flows[k].ID, before.acked, before.on, d)
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
		on := !st.on
		p.state[k].Store(&probeState{started: st.started + 1, acked: st.acked, on: st.on})
		start := time.Now()
		if err := p.put(client, p.kind.doc(k, p.flows[k], on)); err != nil {
			fmt.Fprintf(os.Stderr, "write of %s: %v\n", p.flows[k].ID, err)
			fails++
			continue // the flow stays "in flight": never checked again
		}
		lats = append(lats, time.Since(start))
		p.state[k].Store(&probeState{started: st.started + 1, acked: st.started + 1, on: on})
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
	same := func(v float64) float64 { return v }
	mq, mb := stats.Median(quiet, same), stats.Median(busy, same)
	fmt.Printf("\nmedians over %d rounds, %s each, %d clients:\n", rounds, duration, clients)
	fmt.Printf("| writes/s | decisions/s | ratio | PUT p50 | p99 | stale answers / checked | RSS steady | RSS peak |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	fmt.Printf("| 0 | %.0f | | | | | %d MiB | |\n", mq, rssStart>>20)
	fmt.Printf("| %.0f | %.0f | %.2f | %s | %s | %d / %d | %d MiB | %d MiB |\n", rate, mb, mb/mq,
		pct(writeLats, 0.5), pct(writeLats, 0.99), p.stale.Load(), p.checked.Load(), rss>>20, peak>>20)
	if writeFails > 0 {
		fmt.Printf("%d writes failed\n", writeFails)
	}
	fmt.Printf("decision cache over all rounds: %s\n", p.cacheCounts())
}

// cacheCounts reads how the sidecar's decision cache answered from its
// metrics (padlock_decision_cache_total), as result=count pairs.
func (p *prober) cacheCounts() string {
	resp, err := http.Get(p.base + "/metrics")
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return "metrics: " + err.Error()
	}
	var out []string
	for _, m := range families["padlock_decision_cache_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "result" {
				out = append(out, fmt.Sprintf("%s=%.0f", l.GetValue(), m.GetCounter().GetValue()))
			}
		}
	}
	return strings.Join(out, " ")
}

func pct(lats []time.Duration, p float64) time.Duration {
	if len(lats) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), lats...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(p*float64(len(s))))].Round(10 * time.Microsecond)
}
