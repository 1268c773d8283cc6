package report

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/padlock/padlock/engine"
)

// Write renders the report as one self-contained HTML file: no external
// script, style or font, so that it works offline and when mailed around.
// The matrix is drawn by the page's own script a page of flows and
// principals at a time, so that a world of 10,000 flows opens at once.
// The data is packed (compact), gzipped and written in base64: a browser
// reads a page's every byte before its script runs, and the report of
// 10,000 flows is 31 MB of JSON but 3.7 MB so (the page unzips it with
// the browser's own DecompressionStream). gzip writes the same bytes for
// the same data: the same world, the same page.
func Write(w io.Writer, d *Data) error {
	data, err := json.Marshal(compact(d))
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	if _, err := zw.Write(data); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	var b bytes.Buffer
	if err := page.Execute(&b, struct {
		Title, CSP string
		// base64 (A-Z, a-z, 0-9, +, /, =): nothing to escape; the
		// template would write + as &#43; in a script it does not run.
		Data template.HTML
	}{d.Title, CSP, template.HTML(base64.StdEncoding.EncodeToString(z.Bytes()))}); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	_, err = w.Write(b.Bytes())
	return err
}

// CSP is the report's content security policy, in the page itself (so that
// a report mailed around cannot load anything either) and in the header of
// the sidecar's GET /report: the page runs its own inline script and loads
// nothing else.
const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"

// Unpack returns the data a page written by Write carries, as JSON (the
// packed form: texts in a table that cells point into).
func Unpack(page []byte) ([]byte, error) {
	const open, end = `<script id="data" type="application/gzip+base64">`, `</script>`
	_, rest, ok := bytes.Cut(page, []byte(open))
	if !ok {
		return nil, fmt.Errorf("report: not a padlock report page: no data")
	}
	encoded, _, ok := bytes.Cut(rest, []byte(end))
	if !ok {
		return nil, fmt.Errorf("report: the page's data is cut short")
	}
	zipped, err := base64.StdEncoding.DecodeString(string(encoded))
	if err != nil {
		return nil, fmt.Errorf("report: the page's data: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped))
	if err != nil {
		return nil, fmt.Errorf("report: the page's data: %w", err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("report: the page's data: %w", err)
	}
	return data, nil
}

// packed is Data with every repeated text (roles, ways of holding them,
// plans, reasons, remedies, the lists of who can apply a remedy) written
// once in a table and cells pointing into it: a world of 10,000 flows
// repeats the same texts hundreds of thousands of times, and the browser
// must read and parse the whole page before it draws anything (about
// 40 ms a megabyte in Chromium, most of it before the page's script runs).
type packed struct {
	Title        string   `json:"title"`
	Environments []string `json:"environments"`
	Principals   []string `json:"principals"`
	Text         []string `json:"text"`
	// Lists are lists of texts (who may apply a remedy), each once.
	Lists [][]int      `json:"lists"`
	Flows []packedFlow `json:"flows"`
}

type packedFlow struct {
	Flow
	// The same names as Flow's fields: these are the ones written.
	Why      []int            `json:"why,omitempty"`
	Remedies [][]int          `json:"remedies,omitempty"`
	Cells    map[string][]any `json:"cells"`
}

// packer fills a packed's tables.
type packer struct {
	p     *packed
	texts map[string]int
	lists map[string]int
}

func (k *packer) text(s string) int {
	i, ok := k.texts[s]
	if !ok {
		i = len(k.p.Text)
		k.texts[s] = i
		k.p.Text = append(k.p.Text, s)
	}
	return i
}

func (k *packer) all(ss []string) []int {
	out := make([]int, len(ss))
	for i, s := range ss {
		out[i] = k.text(s)
	}
	return out
}

// list is the index of a list of texts in Lists.
func (k *packer) list(ss []string) int {
	key := strings.Join(ss, "\x00")
	i, ok := k.lists[key]
	if !ok {
		i = len(k.p.Lists)
		k.lists[key] = i
		k.p.Lists = append(k.p.Lists, k.all(ss))
	}
	return i
}

// remedies packs each remedy as [change, by (a list), note or -1]: what
// the page shows of it.
func (k *packer) remedies(rs []engine.Remedy) [][]int {
	out := make([][]int, len(rs))
	for i, r := range rs {
		note := -1
		if r.Note != "" {
			note = k.text(r.Note)
		}
		out[i] = []int{k.text(r.Change), k.list(r.By), note}
	}
	return out
}

// bit is a flag as the page reads it: 0 or 1, shorter than false or true.
func bit(b bool) int {
	if b {
		return 1
	}
	return 0
}

// compact packs a cell as [role, [via...], plan, byoc, [noConn...], invoke,
// [why...], [remedy...], problem], every text an index into Text and every
// flag 0 or 1, and a flow's reasons and remedies the same way; the page
// unpacks a cell or a flow when it draws it.
func compact(d *Data) packed {
	p := packed{Title: d.Title, Environments: d.Environments, Principals: d.Principals, Text: []string{}, Lists: [][]int{}}
	k := &packer{p: &p, texts: map[string]int{}, lists: map[string]int{}}
	for _, f := range d.Flows {
		pf := packedFlow{Flow: f, Why: k.all(f.Why), Remedies: k.remedies(f.Remedies), Cells: make(map[string][]any, len(f.Cells))}
		pf.Flow.Cells, pf.Flow.Why, pf.Flow.Remedies = nil, nil, nil
		for _, key := range slices.Sorted(maps.Keys(f.Cells)) { // in order: the same world, the same bytes
			c := f.Cells[key]
			pf.Cells[key] = []any{k.text(c.Role), k.all(c.Via), k.text(c.Plan), bit(c.BYOC), k.all(c.NoConnection), bit(c.Invoke), k.all(c.Why), k.remedies(c.Remedies), bit(c.Problem)}
		}
		p.Flows = append(p.Flows, pf)
	}
	return p
}

var page = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{.CSP}}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2430; }
header { padding: 12px 16px; background: #1d2430; color: #fff; }
header h1 { font-size: 18px; margin: 0 0 4px; }
#controls { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; padding: 10px 16px; background: #eef1f5; border-bottom: 1px solid #cfd6df; }
#controls label { display: flex; gap: 6px; align-items: center; }
#main { display: flex; align-items: flex-start; }
#matrix-wrap { overflow: auto; flex: 1; padding: 8px 16px; }
table { border-collapse: collapse; }
th, td { border: 1px solid #d5dbe3; padding: 3px 6px; white-space: nowrap; }
th.p { writing-mode: vertical-rl; transform: rotate(180deg); font-weight: normal; font-size: 12px; max-height: 220px; }
th.f { text-align: left; cursor: pointer; color: #0b57d0; font-weight: normal; }
th.f.problem::after { content: " ⚠"; color: #b3261e; }
td.c { text-align: center; cursor: pointer; min-width: 38px; font-size: 12px; }
td.c.none { background: #fafbfc; cursor: default; }
td.c.owner { background: #d7e8ff; } td.c.co-owner { background: #e3f0ff; } td.c.user { background: #f1f7e9; }
td.c.problem { box-shadow: inset 0 0 0 2px #e8a2a0; }
#panel { width: 380px; padding: 12px 16px; border-left: 1px solid #cfd6df; min-height: 300px; position: sticky; top: 0; }
#panel h2 { font-size: 15px; margin: 0 0 8px; }
#panel ul { padding-left: 18px; margin: 4px 0 10px; }
.pager button { margin: 0 2px; }
.muted { color: #667085; }
.bad { color: #b3261e; } .good { color: #146c2e; }
</style>
</head>
<body>
<header><h1>{{.Title}}</h1><div id="summary" class="muted"></div></header>
<div id="controls">
  <label>Environment <select id="env"></select></label>
  <label>Principal <input id="principal" type="search" placeholder="user:… or team:…"></label>
  <label>Search flows <input id="search" type="search" placeholder="name or id"></label>
  <label><input id="problems" type="checkbox"> only problems</label>
  <span class="pager">flows <button id="fprev">◀</button><span id="fpage"></span><button id="fnext">▶</button></span>
  <span class="pager">principals <button id="pprev">◀</button><span id="ppage"></span><button id="pnext">▶</button></span>
</div>
<div id="main">
  <div id="matrix-wrap"><table id="matrix"></table></div>
  <aside id="panel"><p class="muted">Click a flow or a cell: its references, who can start it, and for every cell the reasons and the remedies.</p>
  <p class="muted">Cells: O owner, C co-owner, U run-only user; ▶ may run, ☁ a cloud flow may start it (attended or unattended), ⚠ a run finds no compatible connection, ✕ a cloud flow may not start it.</p></aside>
</div>
<script id="data" type="application/gzip+base64">{{.Data}}</script>
<script>
"use strict";
let D;
(async () => {
// The data is gzipped JSON in base64 (page.go's Write).
const bin = atob(document.getElementById("data").textContent), bytes = new Uint8Array(bin.length);
for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
D = JSON.parse(await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text());
// Cells and flows arrive packed (page.go): unpack one when it is drawn.
const ts = a => a.map(x => D.text[x]);
const remediesOf = rs => rs.map(r => ({ change: D.text[r[0]], by: ts(D.lists[r[1]]), note: r[2] >= 0 ? D.text[r[2]] : "" }));
function cellAt(f, i) {
  const k = f.cells[i];
  if (!k) return null;
  if (!Array.isArray(k)) return k;
  const T = D.text;
  const c = { role: T[k[0]], via: ts(k[1]), plan: T[k[2]], byoc: !!k[3], noConn: k[4].length ? ts(k[4]) : null, invoke: !!k[5],
    why: ts(k[6]), remedies: remediesOf(k[7]), problem: !!k[8] };
  f.cells[i] = c;
  return c;
}
function flowDetails(f) {
  if (!f.unpacked) { f.why = ts(f.why || []); f.remedies = remediesOf(f.remedies || []); f.unpacked = true; }
  return f;
}
const FLOWS_PER_PAGE = 50, PRINCIPALS_PER_PAGE = 30;
const state = { env: D.environments[0] || "", principal: "", search: "", problems: false, fpage: 0, ppage: 0 };
const $ = id => document.getElementById(id);
const esc = s => String(s).replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));

for (const e of D.environments) { const o = document.createElement("option"); o.value = o.textContent = e; $("env").appendChild(o); }
$("summary").textContent = D.flows.length + " desktop flows, " + D.principals.length + " principals, " + D.environments.length + " environments";

function visibleFlows() {
  const q = state.search.toLowerCase();
  return D.flows.filter(f => f.env === state.env && (!q || f.name.toLowerCase().includes(q) || f.id.toLowerCase().includes(q)) &&
    (!state.problems || f.problem) && (!state.principal || principalIndexes().some(i => i in f.cells)));
}
let pcache = null;
function principalIndexes() {
  if (pcache && pcache.key === state.principal) return pcache.list;
  const q = state.principal.toLowerCase(), list = [];
  D.principals.forEach((p, i) => { if (!q || p.toLowerCase().includes(q)) list.push(i); });
  pcache = { key: state.principal, list };
  return list;
}
function visiblePrincipals(flows) {
  const seen = new Set();
  for (const f of flows) for (const k in f.cells) seen.add(Number(k));
  return principalIndexes().filter(i => seen.has(i)).sort((a, b) => D.principals[a] < D.principals[b] ? -1 : 1);
}
function cellText(c) {
  return ({owner: "O", "co-owner": "C", user: "U"}[c.role] || "?") + " ▶" + (c.invoke ? "☁" : "✕") + (c.noConn ? "⚠" : "");
}
function cellTitle(c, p, f) {
  let t = p + " on " + f.name + ": " + c.role + " (via " + c.via.join(", ") + ")\nrun: " + (c.plan || "no connections needed");
  t += "\ncloud flow: " + (c.invoke ? "may start it" : "may not:\n  " + (c.why || []).join("\n  "));
  if (c.remedies && c.remedies.length) t += "\nremedies:\n  " + c.remedies.map(r => r.change).join("\n  ");
  return t;
}
function draw() {
  const flows = visibleFlows();
  const fpages = Math.max(1, Math.ceil(flows.length / FLOWS_PER_PAGE));
  state.fpage = Math.min(state.fpage, fpages - 1);
  const rows = flows.slice(state.fpage * FLOWS_PER_PAGE, (state.fpage + 1) * FLOWS_PER_PAGE);
  const cols = visiblePrincipals(rows);
  const ppages = Math.max(1, Math.ceil(cols.length / PRINCIPALS_PER_PAGE));
  state.ppage = Math.min(state.ppage, ppages - 1);
  const shown = cols.slice(state.ppage * PRINCIPALS_PER_PAGE, (state.ppage + 1) * PRINCIPALS_PER_PAGE);
  $("fpage").textContent = " " + (state.fpage + 1) + "/" + fpages + " (" + flows.length + ") ";
  $("ppage").textContent = " " + (state.ppage + 1) + "/" + ppages + " (" + cols.length + ") ";
  const h = ["<thead><tr><th>flow</th>"];
  for (const i of shown) h.push('<th class="p" data-principal="' + esc(D.principals[i]) + '">' + esc(D.principals[i]) + "</th>");
  h.push("</tr></thead><tbody>");
  for (const f of rows) {
    h.push('<tr data-flow="' + esc(f.id) + '"><th class="f' + (f.problem ? " problem" : "") + '" data-flow="' + esc(f.id) + '">' + esc(f.name) + "</th>");
    for (const i of shown) {
      const c = cellAt(f, i);
      if (!c) { h.push('<td class="c none"></td>'); continue; }
      h.push('<td class="c ' + c.role + (c.problem ? " problem" : "") + '" data-flow="' + esc(f.id) + '" data-principal="' + esc(D.principals[i]) +
        '" data-i="' + i + '" title="' + esc(cellTitle(c, D.principals[i], f)) + '">' + cellText(c) + "</td>");
    }
    h.push("</tr>");
  }
  h.push("</tbody>");
  $("matrix").innerHTML = h.join("");
}
const byID = new Map(D.flows.map(f => [f.id, f]));
function list(items) { return items && items.length ? "<ul>" + items.map(x => "<li>" + esc(x) + "</li>").join("") + "</ul>" : '<p class="muted">none</p>'; }
function remedies(rs) { return list((rs || []).map(r => r.change + " — by " + (r.by.length ? r.by.join(", ") : "nobody in these documents"))); }
function showFlow(f) {
  flowDetails(f);
  $("panel").innerHTML = "<h2>" + esc(f.name) + '</h2><p class="muted">' + esc(f.id) + " · " + esc(f.env) + " · " + esc(f.schema) + " · owner " + esc(f.owner || "unknown") + "</p>" +
    "<h3>References</h3>" + list((f.refs || []).map(r => r.name + " (" + r.connector + ") owner " + (r.owner || "unknown") + (r.embedded ? ", embedded" : ", not embedded"))) +
    "<h3>Cloud flows</h3>" + (f.startable ? '<p class="good">A cloud flow can start it.</p>' : '<p class="bad">A cloud flow cannot start it:</p>' + list(f.why) + "<h4>Remedies</h4>" + remedies(f.remedies)) +
    "<p>Started by: " + (f.startedBy && f.startedBy.length ? esc(f.startedBy.join(", ")) : '<span class="muted">no cloud flow of the audited exports</span>') + "</p>" +
    "<h3>Audit findings</h3>" + list((f.findings || []).map(x => x.severity + " " + x.rule + ": " + x.message));
}
function showCell(f, i) {
  const c = cellAt(f, i), p = D.principals[i];
  $("panel").innerHTML = "<h2>" + esc(p) + "</h2><p>on <b>" + esc(f.name) + "</b> as " + esc(c.role) + " (via " + esc(c.via.join(", ")) + ")</p>" +
    "<h3>Console run</h3><p>" + esc(c.plan || "no connections needed") + "</p>" + (c.byoc ? "<p>The run asks for connections (BYOC).</p>" : "") +
    (c.noConn ? '<p class="bad">No compatible connection for: ' + esc(c.noConn.join(", ")) + "</p>" : "") +
    "<h3>Cloud flow</h3>" + (c.invoke ? '<p class="good">May start it, attended or unattended.</p>' : '<p class="bad">May not start it:</p>' + list(c.why)) +
    "<h3>Remedies</h3>" + remedies(c.remedies);
}
$("matrix").addEventListener("click", e => {
  const t = e.target.closest("[data-flow]");
  if (!t) return;
  const f = byID.get(t.dataset.flow);
  if (t.dataset.i !== undefined) showCell(f, Number(t.dataset.i)); else if (t.classList.contains("f")) showFlow(f);
});
const redraw = key => ev => { state[key] = ev.target.type === "checkbox" ? ev.target.checked : ev.target.value; state.fpage = 0; state.ppage = 0; draw(); };
$("env").addEventListener("change", redraw("env"));
$("principal").addEventListener("input", redraw("principal"));
$("search").addEventListener("input", redraw("search"));
$("problems").addEventListener("change", redraw("problems"));
$("fprev").onclick = () => { state.fpage = Math.max(0, state.fpage - 1); draw(); };
$("fnext").onclick = () => { state.fpage++; draw(); };
$("pprev").onclick = () => { state.ppage = Math.max(0, state.ppage - 1); draw(); };
$("pnext").onclick = () => { state.ppage++; draw(); };
draw();
document.body.dataset.ready = "true";
})().catch(e => { document.body.textContent = "This report could not be read: " + e; throw e; });
</script>
</body>
</html>
`))
