package main

import (
	"encoding/json"
	"errors"

	"github.com/urfave/cli/v2"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/render"
	"github.com/padlock/padlock/engine/validate"
	"github.com/padlock/padlock/schemas"
)

func whoCanCommand() *cli.Command {
	return &cli.Command{
		Name:      "who-can",
		Usage:     "list every principal who may do an action on a flow",
		ArgsUsage: "ACTION FLOW",
		Description: `who-can lists every principal a decision would allow ACTION on FLOW, with
their role, how they hold it (owner, share, team, security role), and for
run and invoke the connection each reference would use. Teams are listed
and expanded to their members; --principal narrows the list to the ones
named. The rules are padlock.lists, which ask the decision's own reason
functions. Exit 0 with the list (empty included), 2
when the documents or the query are unusable or the flow is unknown.

Example:
   padlock who-can --docs fixtures/example/world run flow-invoice-sync
   padlock who-can --docs fixtures/example/world invoke flow-invoice-sync --mode unattended`,
		Flags: []cli.Flag{
			docsFlag(),
			&cli.StringFlag{Name: "mode", Usage: "console for run (the default), attended or unattended for invoke"},
			&cli.StringFlag{Name: "reference", Usage: "the reference's logical name, for embed, unembed and use"},
			&cli.StringSliceFlag{Name: "principal", Usage: "only this principal (repeat for more): which of these may"},
			formatFlag("text"),
			policiesFlag(),
			quietFlag(),
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return usageError("who-can needs ACTION and FLOW")
			}
			q := map[string]any{"action": c.Args().Get(0), "flow": c.Args().Get(1)}
			if m := c.String("mode"); m != "" {
				q["mode"] = m
			} else if q["action"] == document.ActionRun {
				q["mode"] = "console"
			}
			if r := c.String("reference"); r != "" {
				q["reference"] = r
			}
			if ps := c.StringSlice("principal"); len(ps) > 0 {
				q["principals"] = ps
			}
			format, err := formatOf(c)
			if err != nil {
				return err
			}
			eng, err := listEngine(c)
			if err != nil {
				return err
			}
			pq, err := listQuery[document.PrincipalsQuery](c, eng, schemas.PrincipalsName, q)
			if err != nil {
				return err
			}
			list, err := eng.ListPrincipals(c.Context, pq)
			if errors.Is(err, engine.ErrUnknownFlow) {
				return usageError("%v", err)
			}
			if err != nil {
				return cli.Exit("padlock: "+err.Error(), exitUnusable)
			}
			return render.Principals(c.App.Writer, format, pq.Action, pq.Flow, list)
		},
	}
}

func whatCanCommand() *cli.Command {
	return &cli.Command{
		Name:      "what-can",
		Usage:     "list every flow and action a principal may",
		ArgsUsage: "PRINCIPAL",
		Description: `what-can lists every flow on which a decision would allow PRINCIPAL an
action, with their role and each allowed action (per reference for embed,
unembed and use; with the connection plan for run and invoke). --action
narrows the actions asked about, --flow the flows. Exit 0 with the list, 2 when the documents
or the principal are unusable.

Example:
   padlock what-can --docs fixtures/example/world frank@northwind.example
   padlock what-can --docs fixtures/example/world user:bob@northwind.example --action invoke --action embed`,
		Flags: []cli.Flag{
			docsFlag(),
			&cli.StringSliceFlag{Name: "action", Usage: "only this action (repeat for more)"},
			&cli.StringSliceFlag{Name: "flow", Usage: "only this flow (repeat for more): which of these flows"},
			formatFlag("text"),
			policiesFlag(),
			quietFlag(),
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageError("what-can needs one PRINCIPAL")
			}
			q := map[string]any{"principal": c.Args().First()}
			if acts := c.StringSlice("action"); len(acts) > 0 {
				q["actions"] = acts
			}
			if flows := c.StringSlice("flow"); len(flows) > 0 {
				q["flows"] = flows
			}
			format, err := formatOf(c)
			if err != nil {
				return err
			}
			eng, err := listEngine(c)
			if err != nil {
				return err
			}
			fq, err := listQuery[document.FlowsQuery](c, eng, schemas.FlowsName, q)
			if err != nil {
				return err
			}
			list, err := eng.ListFlows(c.Context, fq)
			if err != nil {
				return cli.Exit("padlock: "+err.Error(), exitUnusable)
			}
			return render.Flows(c.App.Writer, format, string(fq.Principal), list)
		},
	}
}

// listEngine builds the engine over --docs, which a list needs.
func listEngine(c *cli.Context) (*engine.Engine, error) {
	if len(c.StringSlice("docs")) == 0 {
		return nil, usageError("%s needs documents (--docs PATH)", c.Command.Name)
	}
	eng, err := newEngine(c)
	if err != nil {
		return nil, err
	}
	return eng, loadWorld(c, eng, c.StringSlice("docs"))
}

// listQuery validates a list query built from flags against its schema, as
// the sidecar validates its body.
func listQuery[T any](c *cli.Context, eng *engine.Engine, schema string, q map[string]any) (T, error) {
	var zero T
	body, err := json.Marshal(q)
	if err != nil {
		return zero, err
	}
	t, _, probs := validate.InputJSON[T](eng.Validator(), schema, body)
	if len(probs) > 0 {
		for i := range probs { // the query was built from flags: it has no lines
			probs[i].Line = 0
		}
		_ = render.Problems(c.App.ErrWriter, render.Text, probs)
		return zero, cli.Exit("padlock: invalid query", exitUnusable)
	}
	return t, nil
}
