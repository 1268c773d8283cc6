package render

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/diag"
)

// PlanLine says in one line where a run gets each reference's connection:
// "nw_outlook: own conn-alice-outlook; nw_sharepoint: byoc, no compatible
// connection".
func PlanLine(plan []engine.ConnectionUse) string {
	parts := make([]string, len(plan))
	for i, c := range plan {
		switch {
		case c.Source == "byoc" && c.Selected == nil:
			parts[i] = fmt.Sprintf("%s: byoc, no compatible connection", c.Reference)
		case c.Source == "byoc":
			parts[i] = fmt.Sprintf("%s: byoc %s (%s)", c.Reference, *c.Selected, diag.Count(len(c.Candidates), "candidate"))
		case c.Selected != nil:
			parts[i] = fmt.Sprintf("%s: %s %s", c.Reference, c.Source, *c.Selected)
		default:
			parts[i] = fmt.Sprintf("%s: %s", c.Reference, c.Source)
		}
	}
	return strings.Join(parts, "; ")
}

// Principals writes a who-can answer.
func Principals(w io.Writer, f Format, action, flow string, list []engine.ListedPrincipal) error {
	if f == JSON {
		return writeIndented(w, map[string]any{"action": action, "flow": flow, "principals": list})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "who can %s %s: %s\n", action, flow, diag.Count(len(list), "principal"))
	for _, p := range list {
		fmt.Fprintf(&b, "  %-36s %-9s via %s", p.Principal, p.Role, strings.Join(p.Via, ", "))
		if len(p.Connections) > 0 {
			fmt.Fprintf(&b, "\n      %s", PlanLine(p.Connections))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Flows writes a what-can answer.
func Flows(w io.Writer, f Format, principal string, list []engine.ListedFlow) error {
	if f == JSON {
		return writeIndented(w, map[string]any{"principal": principal, "flows": list})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "what %s can do: %s\n", principal, diag.Count(len(list), "flow"))
	for _, fl := range list {
		fmt.Fprintf(&b, "  %s (%s, %s) as %s\n", fl.Flow, fl.Name, fl.Environment, fl.Role)
		for _, a := range fl.Actions {
			switch {
			case a.Reference != "":
				fmt.Fprintf(&b, "    %s %s\n", a.Action, a.Reference)
			case len(a.Connections) > 0:
				fmt.Fprintf(&b, "    %s: %s\n", a.Action, PlanLine(a.Connections))
			default:
				fmt.Fprintf(&b, "    %s\n", a.Action)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeIndented(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
