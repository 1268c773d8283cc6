package main

import (
	"encoding/json"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/padlock/padlock/engine/render"
)

func evalCommand() *cli.Command {
	return &cli.Command{
		Name:      "eval",
		Usage:     "evaluate a Rego query over the policies and documents, as opa eval does",
		ArgsUsage: "[--docs PATH]... [--input FILE|-] QUERY",
		Description: `eval loads and validates the documents like decide, then evaluates any Rego
query against padlock's policies and the indexed world: the way to ask a
rule a question of its own. The input, when given, is a query and is
validated like one. JSON output is opa eval's; text prints each result's
values, one per line. Exit 0 with a result, 1 when the query is undefined,
2 when documents, input or query are unusable.

Example:
   padlock eval --docs fixtures/example/world \
     'data.padlock.roles.role(data.world.flows["flow-invoice-sync"], "user:frank@northwind.example")'
   padlock eval --docs fixtures/example/world --input fixtures/example/queries/bob-invokes-invoice-sync.json data.padlock.authz.deny`,
		Flags: []cli.Flag{
			docsFlag(),
			&cli.StringFlag{Name: "input", Aliases: []string{"i"}, Usage: "the input: a query as a JSON `FILE`, or - for standard input"},
			formatFlag("json"),
			policiesFlag(),
			quietFlag(),
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageError("eval needs one QUERY (quote it for the shell)")
			}
			format, err := formatOf(c)
			if err != nil {
				return err
			}
			eng, err := newEngine(c)
			if err != nil {
				return err
			}
			if err := loadWorld(c, eng, c.StringSlice("docs")); err != nil {
				return err
			}
			var input any
			if name := c.String("input"); name != "" {
				if _, input, err = readQuery(c, eng, name); err != nil {
					return err
				}
			}
			rs, err := eng.Eval(c.Context, c.Args().First(), input)
			if err != nil {
				return cli.Exit("padlock: "+err.Error(), exitUnusable)
			}
			if format == render.JSON {
				enc := json.NewEncoder(c.App.Writer)
				enc.SetIndent("", "  ")
				var out any = struct{}{} // undefined prints {}, as opa eval does
				if len(rs) > 0 {
					out = map[string]any{"result": rs}
				}
				if err := enc.Encode(out); err != nil {
					return err
				}
			} else {
				for _, r := range rs {
					for _, e := range r.Expressions {
						b, _ := json.Marshal(e.Value)
						fmt.Fprintln(c.App.Writer, string(b))
					}
				}
			}
			if len(rs) == 0 {
				fmt.Fprintln(c.App.ErrWriter, "undefined")
				return cli.Exit("", exitFindings)
			}
			return nil
		},
	}
}
