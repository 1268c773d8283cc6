package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"

	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/load"
	"github.com/padlock/padlock/engine/validate"
	"github.com/padlock/padlock/engine/world"
)

// WhatIf is a decision before and after changes to the documents.
type WhatIf struct {
	Before Decision `json:"before"`
	After  Decision `json:"after"`
	// Changed says what differs, in words ("allow: false → true").
	Changed []string `json:"changed"`
}

// WhatIf answers a validated query over the world with the changes
// applied, validated as a whole, and says what that changes. Nothing is
// written: the changed world is written in a store transaction that is
// aborted after the evaluation, so that the policies' data (bundles,
// configuration) is exactly what decisions use. Invalid changes, or a world
// they make invalid, come back as problems.
func (e *Engine) WhatIf(ctx context.Context, q document.Query, changes document.Changes) (WhatIf, diag.List, error) {
	w, probs := e.applyChanges(changes)
	if w == nil {
		return WhatIf{}, probs, nil
	}
	before := e.Decide(ctx, q)
	txn, err := e.store.NewTransaction(ctx, storage.WriteParams)
	if err != nil {
		return WhatIf{}, probs, fmt.Errorf("what-if: %w", err)
	}
	defer e.store.Abort(ctx, txn)
	if err := e.store.Write(ctx, txn, storage.ReplaceOp, storage.MustParsePath("/world"), w.Data()); err != nil {
		return WhatIf{}, probs, fmt.Errorf("what-if: %w", err)
	}
	after := e.eval(ctx, queryInput(q), rego.EvalTransaction(txn))
	return WhatIf{Before: before, After: after, Changed: differences(before, after)}, probs, nil
}

// applyChanges builds the world with the changes, validating each changed
// document against its schema and the whole against the world's rules.
func (e *Engine) applyChanges(changes document.Changes) (*world.World, diag.List) {
	cur := e.World()
	var docs []validate.Typed
	add := func(kind document.Kind, v any) {
		docs = append(docs, validate.Typed{Source: load.Doc{File: "(the current world)", Index: -1}, Kind: kind, Value: v})
	}
	for _, f := range cur.Flows {
		add(document.KindDesktopFlow, f)
	}
	for _, s := range cur.Shares {
		add(document.KindShare, s)
	}
	for _, t := range cur.Teams {
		add(document.KindTeam, t)
	}
	for _, c := range cur.Connections {
		add(document.KindConnection, c)
	}
	for _, r := range cur.RoleAssignments {
		add(document.KindRoleAssignment, r)
	}
	var probs diag.List
	for i, c := range changes {
		t, ps := e.validator.Document(load.Generated(fmt.Sprintf("whatIf#/%d/document", i), c.Document))
		if len(ps) > 0 {
			probs = append(probs, ps...)
			continue
		}
		docs = applyChange(docs, c.Op, t)
	}
	if probs.HasErrors() {
		return nil, probs
	}
	w, more := validate.World(docs)
	return w, append(probs, more...)
}

// applyChange puts or deletes one document in the list.
func applyChange(docs []validate.Typed, op string, t validate.Typed) []validate.Typed {
	if share, ok := t.Value.(document.Share); ok {
		if op == "put" {
			return append(docs, t) // shares of one flow add up
		}
		remove := map[document.Grant]bool{}
		for _, g := range share.Grants {
			remove[g] = true
		}
		out := docs[:0:0]
		for _, d := range docs {
			s, ok := d.Value.(document.Share)
			if ok && s.Flow == share.Flow {
				if len(remove) == 0 {
					continue
				}
				s.Grants = slices.DeleteFunc(slices.Clone(s.Grants), func(g document.Grant) bool { return remove[g] })
				d.Value = s
			}
			out = append(out, d)
		}
		return out
	}
	_, id, _ := document.KeyOf(t.Value)
	out := slices.DeleteFunc(slices.Clone(docs), func(d validate.Typed) bool {
		kind, did, _ := document.KeyOf(d.Value)
		return kind == t.Kind && did == id
	})
	if op == "put" {
		out = append(out, t)
	}
	return out
}

// differences says what a change did to a decision.
func differences(before, after Decision) []string {
	out := []string{}
	if before.Allow != after.Allow {
		out = append(out, fmt.Sprintf("allow: %t → %t", before.Allow, after.Allow))
	}
	if before.Role != after.Role {
		out = append(out, fmt.Sprintf("role: %s → %s", before.Role, after.Role))
	}
	key := func(r Reason) string {
		if r.Reference != "" {
			return r.Code + " [" + r.Reference + "]"
		}
		return r.Code
	}
	had, has := map[string]bool{}, map[string]bool{}
	for _, r := range before.Reasons {
		had[key(r)] = true
	}
	for _, r := range after.Reasons {
		has[key(r)] = true
	}
	var gone, came []string
	for k := range had {
		if !has[k] {
			gone = append(gone, k)
		}
	}
	for k := range has {
		if !had[k] {
			came = append(came, k)
		}
	}
	slices.Sort(gone)
	slices.Sort(came)
	if len(gone) > 0 {
		out = append(out, "reasons lifted: "+strings.Join(gone, ", "))
	}
	if len(came) > 0 {
		out = append(out, "reasons added: "+strings.Join(came, ", "))
	}
	if before.BYOCDialog != after.BYOCDialog {
		out = append(out, fmt.Sprintf("bring-your-own-connection dialog: %t → %t", before.BYOCDialog, after.BYOCDialog))
	}
	for i := range min(len(before.Connections), len(after.Connections)) {
		b, a := before.Connections[i], after.Connections[i]
		if b.Source != a.Source || (b.Selected == nil) != (a.Selected == nil) || b.Selected != nil && *b.Selected != *a.Selected {
			out = append(out, fmt.Sprintf("connection of %s: %s → %s", a.Reference, useText(b), useText(a)))
		}
	}
	return out
}

func useText(c ConnectionUse) string {
	if c.Selected == nil {
		return c.Source + " (none)"
	}
	return c.Source + " " + *c.Selected
}
