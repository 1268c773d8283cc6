// Package report builds the access report: for each environment, a matrix
// of desktop flows and principals (role, run, cloud-initiated runs,
// connections) with the reasons and remedies behind each cell, and for each
// flow its references, whether a cloud flow can start it, the cloud flows
// that do, and the audit's findings. Every answer comes from the engine's
// list of a flow's access (padlock.lists.access, one query per flow); the
// report only gathers and renders the rows, as one self-contained HTML
// file (page.go).
package report

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/audit"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/progress"
	"github.com/padlock/padlock/engine/render"
)

// Data is everything the page shows; it is embedded in the page as JSON.
type Data struct {
	Title        string   `json:"title"`
	Environments []string `json:"environments"`
	Principals   []string `json:"principals"`
	Flows        []Flow   `json:"flows"`
}

// Flow is one row of the matrix and its panel.
type Flow struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Environment string      `json:"env"`
	Owner       string      `json:"owner,omitempty"`
	Schema      string      `json:"schema"`
	References  []Reference `json:"refs"`
	// Startable: a cloud flow can start it (some principal may invoke it).
	Startable bool `json:"startable"`
	// Why it cannot be started from a cloud flow, and what would fix it
	// (remedies without their what-if).
	Why       []string         `json:"why,omitempty"`
	Remedies  []engine.Remedy  `json:"remedies,omitempty"`
	StartedBy []string         `json:"startedBy,omitempty"`
	Findings  []Finding        `json:"findings,omitempty"`
	Cells     map[string]*Cell `json:"cells"` // by principal index
	Problem   bool             `json:"problem"`
}

// Reference is one connection reference of a flow.
type Reference struct {
	Name      string `json:"name"`
	Connector string `json:"connector"`
	Owner     string `json:"owner,omitempty"`
	Embedded  bool   `json:"embedded"`
}

// Finding is an audit finding about a flow.
type Finding struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
}

// Cell is what one principal may do with one flow; there is a cell only
// for a principal who may run it.
type Cell struct {
	Role string   `json:"role"`
	Via  []string `json:"via"`
	// Plan says where a console run gets each connection, in one line.
	Plan string `json:"plan,omitempty"`
	BYOC bool   `json:"byoc"`
	// NoConnection lists references a run would find no compatible
	// connection for.
	NoConnection []string `json:"noConn,omitempty"`
	// Invoke: a cloud flow may start it for this principal (attended and
	// unattended alike: padlock's rules do not tell them apart).
	Invoke   bool            `json:"invoke"`
	Why      []string        `json:"why,omitempty"`
	Remedies []engine.Remedy `json:"remedies,omitempty"`
	Problem  bool            `json:"problem"`
}

// Build asks the engine about every flow of its world, on a snapshot of it
// (engine.Snapshot): who may run it (with their plans), and for each
// whether a cloud flow may start it for them, with the invoke decision's
// reasons and remedies where not. aud, when given, adds the audit's
// findings and the cloud flows that start each flow.
func Build(ctx context.Context, eng *engine.Engine, title string, aud *audit.Report, opts ...Option) (*Data, error) {
	cfg := config{workers: 1}
	for _, o := range opts {
		o(&cfg)
	}
	if !cfg.rows.of(eng) {
		return nil, fmt.Errorf("report: rows kept for another engine")
	}
	// Every row from one world, however long the report takes and
	// whatever is written meanwhile.
	eng, err := eng.Snapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	w := eng.World()
	d := &Data{Title: title}
	index := map[string]int{}
	envs := map[string]bool{}
	startedBy := map[string][]string{}
	findings := map[string][]Finding{}
	if aud != nil {
		for _, cf := range aud.CloudFlowRuns {
			for _, r := range cf.Runs {
				startedBy[r.DesktopFlow] = append(startedBy[r.DesktopFlow], cf.Name)
			}
		}
		for f, err := range aud.Findings.All() {
			if err != nil {
				return nil, err
			}
			findings[f.Flow] = append(findings[f.Flow], Finding{Rule: f.Rule, Severity: f.Severity, Message: f.Message})
		}
	}
	flows := append([]document.DesktopFlow(nil), w.Flows...)
	sort.Slice(flows, func(i, j int) bool {
		if flows[i].Environment != flows[j].Environment {
			return flows[i].Environment < flows[j].Environment
		}
		return flows[i].Name+flows[i].ID < flows[j].Name+flows[j].ID
	})
	// Flows are asked about by the workers; principals are numbered after,
	// in the flows' order, so that the page is the same whatever the order
	// the answers came in.
	rows := make([]*Flow, len(flows))
	cells := make([][]principalCell, len(flows))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(cfg.workers)
	cfg.progress.Track(flowsReported)
	var reused atomic.Int64
	for i, f := range flows {
		g.Go(func() (err error) {
			defer cfg.progress.Add(flowsReported, 1)
			var ok bool
			if rows[i], cells[i], ok = cfg.rows.take(f.ID, eng.Version()); ok {
				reused.Add(1)
				return nil
			}
			var reads engine.Reads
			if rows[i], cells[i], reads, err = buildFlow(gctx, eng, f); err == nil {
				cfg.rows.keep(f.ID, eng.Version(), rows[i], cells[i], reads)
			}
			return err
		})
	}
	err = g.Wait()
	cfg.progress.Done()
	if err != nil {
		return nil, err
	}
	ids := make(map[string]bool, len(flows))
	for _, f := range flows {
		ids[f.ID] = true
	}
	cfg.rows.done(ids, int(reused.Load()))
	for i, f := range flows {
		envs[f.Environment] = true
		row := rows[i]
		for _, c := range cells[i] {
			n, ok := index[c.principal]
			if !ok {
				n = len(d.Principals)
				index[c.principal] = n
				d.Principals = append(d.Principals, c.principal)
			}
			row.Cells[strconv.Itoa(n)] = c.cell
		}
		row.StartedBy = startedBy[f.ID]
		row.Findings = findings[f.ID]
		for _, fi := range row.Findings {
			row.Problem = row.Problem || fi.Severity != "info"
		}
		d.Flows = append(d.Flows, *row)
	}
	for e := range envs {
		d.Environments = append(d.Environments, e)
	}
	sort.Strings(d.Environments)
	return d, nil
}

// flowsReported is what the progress meter counts.
const flowsReported = "desktop flows reported"

// Option configures Build.
type Option func(*config)

type config struct {
	workers  int
	progress *progress.Meter
	rows     *Rows
}

// WithWorkers asks about n flows at a time (default 1: a sidecar keeps its
// other cores for decisions; the report command uses every core).
func WithWorkers(n int) Option { return func(c *config) { c.workers = max(n, 1) } }

// WithProgress counts the flows asked about on m (a report of 10,000 flows
// takes minutes).
func WithProgress(m *progress.Meter) Option { return func(c *config) { c.progress = m } }

// principalCell is a cell before its principal has a number.
type principalCell struct {
	principal string
	cell      *Cell
}

// buildFlow asks about one flow: its row, the cells of who may run it in
// the order of the list, and what of the world the row was read from.
func buildFlow(ctx context.Context, eng *engine.Engine, f document.DesktopFlow) (*Flow, []principalCell, engine.Reads, error) {
	row := &Flow{ID: f.ID, Name: f.Name, Environment: f.Environment, Owner: string(f.Owner), Schema: f.SchemaVersion, Cells: map[string]*Cell{}}
	for _, r := range f.ConnectionReferences {
		row.References = append(row.References, Reference{Name: r.LogicalName, Connector: document.ShortConnector(r.Connector), Owner: string(r.Owner), Embedded: r.Embedded})
	}
	access, reads, err := eng.ListAccessReads(ctx, f.ID)
	if err != nil {
		return nil, nil, reads, fmt.Errorf("report: who can run %s: %w", f.ID, err)
	}
	var cells []principalCell
	for _, p := range access {
		row.Startable = row.Startable || p.Invoke
		cell := &Cell{Role: p.Role, Via: p.Via, Plan: render.PlanLine(p.Connections), Invoke: p.Invoke, Remedies: shown(p.Remedies)}
		for _, c := range p.Connections {
			if c.Source == "byoc" {
				cell.BYOC = true
				if c.Selected == nil {
					cell.NoConnection = append(cell.NoConnection, c.Reference)
				}
			}
		}
		for _, r := range p.Reasons {
			cell.Why = append(cell.Why, r.Code+": "+r.Message)
		}
		// Why a cloud flow cannot start the flow at all: as its owner is
		// told, or else the first runner.
		if row.Why == nil || p.Role == "owner" {
			row.Why, row.Remedies = cell.Why, cell.Remedies
		}
		cell.Problem = !cell.Invoke || len(cell.NoConnection) > 0
		row.Problem = row.Problem || len(cell.NoConnection) > 0
		cells = append(cells, principalCell{p.Principal, cell})
	}
	if row.Startable {
		row.Why, row.Remedies = nil, nil
	} else {
		row.Problem = true
		if row.Why == nil {
			row.Why = []string{"nobody holds a role on this flow"}
		}
	}
	return row, cells, reads, nil
}

// shown are remedies as the report shows them: the change and who may make
// it, without the what-if that makes it. Some what-ifs are a whole flow
// document, one for each cell of the flow: kept, they were two thirds of a
// large report's memory, for a page that does not show them (the decision
// API has them).
func shown(rs []engine.Remedy) []engine.Remedy {
	out := make([]engine.Remedy, len(rs))
	for i, r := range rs { // a copy: rs is the list cache's
		r.WhatIf = nil
		out[i] = r
	}
	return out
}
