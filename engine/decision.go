package engine

import (
	"encoding/json"
	"fmt"

	"github.com/padlock/padlock/engine/document"
)

// Reason codes, the catalogue of policies/README.md.
const (
	CodeEvalError = "EVAL_ERROR"
)

// Decision is the answer to one query; its JSON form is padlock's contract.
type Decision struct {
	Allow bool `json:"allow"`
	// Role is the principal's strongest role: owner, co-owner, user or none.
	Role string `json:"role"`
	// Reasons lists every reason to deny; never empty on a deny.
	Reasons []Reason `json:"reasons"`
	// Connections has one entry per connection reference for run and invoke.
	Connections []ConnectionUse `json:"connections"`
	// BYOCDialog says whether a console run shows the bring-your-own-connection dialog.
	BYOCDialog bool `json:"byocDialog"`
	// Remedies say, for each reason and each reference without a
	// connection, the smallest change that lifts it and who may make it.
	Remedies []Remedy `json:"remedies"`
}

// Remedy is one change that would lift a reason to deny (or give a run a
// connection it lacks), and who may make it.
type Remedy struct {
	Code      string   `json:"code"`
	Reference string   `json:"reference,omitempty"`
	Change    string   `json:"change"`
	By        []string `json:"by"`
	// WhatIf is the change as documents, where it is one: what
	// `decide --what-if` takes.
	WhatIf []document.Change `json:"whatIf,omitempty"`
	// Note says what the change alone does not do.
	Note string `json:"note,omitempty"`
}

// Reason is one reason a decision denies.
type Reason struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Reference string `json:"reference,omitempty"`
}

// ConnectionUse says where a run gets the connection of one reference.
type ConnectionUse struct {
	Reference string `json:"reference"`
	Connector string `json:"connector"`
	// Source is own, embedded or byoc.
	Source string `json:"source"`
	// Selected is the connection used: the first candidate for byoc, the
	// reference's own connection otherwise; nil when there is none.
	Selected   *string  `json:"selected"`
	Candidates []string `json:"candidates"`
}

// Codes returns the decision's reason codes in order.
func (d Decision) Codes() []string {
	out := make([]string, len(d.Reasons))
	for i, r := range d.Reasons {
		out[i] = r.Code
	}
	return out
}

// IsEvalError reports whether the decision is the fail-closed answer to
// an error, as opposed to a deny by the rules.
func (d Decision) IsEvalError() bool {
	return !d.Allow && len(d.Reasons) > 0 && d.Reasons[0].Code == CodeEvalError
}

// Deny is the fail-closed decision: an error never allows.
func Deny(code, format string, args ...any) Decision {
	return Decision{
		Role:        "none",
		Reasons:     []Reason{{Code: code, Message: fmt.Sprintf(format, args...)}},
		Connections: []ConnectionUse{},
		Remedies:    []Remedy{},
	}
}

// decisionFromResult converts the policy's decision document. Any shape it
// does not expect is an evaluation error, so a broken policy denies.
func decisionFromResult(v any) (Decision, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return Decision{}, fmt.Errorf("decision is %T, want an object", v)
	}
	var d Decision
	var err error
	if d.Allow, err = field[bool](m, "allow"); err != nil {
		return d, err
	}
	if d.Role, err = field[string](m, "role"); err != nil {
		return d, err
	}
	if d.BYOCDialog, err = field[bool](m, "byocDialog"); err != nil {
		return d, err
	}
	reasons, err := field[[]any](m, "reasons")
	if err != nil {
		return d, err
	}
	d.Reasons = make([]Reason, 0, len(reasons))
	for i, r := range reasons {
		rm, ok := r.(map[string]any)
		if !ok {
			return d, fmt.Errorf("reasons[%d] is %T, want an object", i, r)
		}
		var reason Reason
		if reason.Code, err = field[string](rm, "code"); err != nil {
			return d, fmt.Errorf("reasons[%d]: %w", i, err)
		}
		if reason.Message, err = field[string](rm, "message"); err != nil {
			return d, fmt.Errorf("reasons[%d]: %w", i, err)
		}
		reason.Reference, _ = rm["reference"].(string)
		d.Reasons = append(d.Reasons, reason)
	}
	conns, err := field[[]any](m, "connections")
	if err != nil {
		return d, err
	}
	d.Connections = make([]ConnectionUse, 0, len(conns))
	for i, c := range conns {
		cm, ok := c.(map[string]any)
		if !ok {
			return d, fmt.Errorf("connections[%d] is %T, want an object", i, c)
		}
		var cu ConnectionUse
		cu.Reference, _ = cm["reference"].(string)
		cu.Connector, _ = cm["connector"].(string)
		if cu.Source, err = field[string](cm, "source"); err != nil {
			return d, fmt.Errorf("connections[%d]: %w", i, err)
		}
		if s, ok := cm["selected"].(string); ok {
			cu.Selected = &s
		}
		cands, _ := cm["candidates"].([]any)
		cu.Candidates = make([]string, 0, len(cands))
		for _, x := range cands {
			if s, ok := x.(string); ok {
				cu.Candidates = append(cu.Candidates, s)
			}
		}
		d.Connections = append(d.Connections, cu)
	}
	if d.Remedies, err = remediesFrom(m); err != nil {
		return d, err
	}
	// The policy's own invariant, enforced again here: an allow carries no
	// reason, and a deny always carries one.
	if d.Allow && len(d.Reasons) > 0 {
		return d, fmt.Errorf("policy allowed with %d reasons to deny", len(d.Reasons))
	}
	if !d.Allow && len(d.Reasons) == 0 {
		return d, fmt.Errorf("policy denied without a reason")
	}
	return d, nil
}

func field[T any](m map[string]any, k string) (T, error) {
	var zero T
	v, ok := m[k]
	if !ok {
		return zero, fmt.Errorf("decision has no %q", k)
	}
	t, ok := v.(T)
	if !ok {
		return zero, fmt.Errorf("decision field %q is %T, want %T", k, v, zero)
	}
	return t, nil
}

// remediesFrom reads the decision's remedies; a policy without them (an
// older bundle) gives none.
func remediesFrom(m map[string]any) ([]Remedy, error) {
	out := []Remedy{}
	raw, ok := m["remedies"]
	if !ok {
		return out, nil
	}
	if list, ok := raw.([]any); ok && len(list) == 0 {
		return out, nil // most decisions: no round trip on the hot path
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("remedies: %w", err)
	}
	return out, nil
}
