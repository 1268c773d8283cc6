package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/padlock/padlock/engine/render"
)

func validateCommand() *cli.Command {
	return &cli.Command{
		Name:      "validate",
		Usage:     "check documents against their schemas and each other",
		ArgsUsage: "PATH...",
		Description: `validate reads every document under the paths (files or folders, searched
recursively for .json, .yaml and .yml), checks each against its kind's JSON
Schema and all of them against each other (unique ids, shares of known flows,
known teams), and prints every problem with file, line, document and JSON
pointer. Warnings (an action naming a reference its flow lacks) do not fail.
Exit 0 valid, 1 invalid, 2 unusable (no paths).

Example:
   padlock validate fixtures/example/world`,
		Flags: []cli.Flag{formatFlag("text")},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usageError("validate needs at least one PATH")
			}
			format, err := render.ParseFormat(c.String("format"))
			if err != nil {
				return usageError("%v", err)
			}
			eng, err := newEngine(c)
			if err != nil {
				return err
			}
			w, probs := eng.LoadWorld(c.Args().Slice()...)
			out := c.App.ErrWriter
			if format == render.JSON {
				out = c.App.Writer
			}
			if err := render.Problems(out, format, probs); err != nil {
				return err
			}
			if w == nil {
				return cli.Exit(fmt.Sprintf("padlock: %d errors", len(probs.Errors())), exitFindings)
			}
			if format == render.Text {
				n := 0
				for _, c := range w.Counts() {
					n += c
				}
				fmt.Fprintf(c.App.Writer, "valid: %d documents (%d flows, %d shares, %d teams, %d connections, %d role assignments), %d warnings\n",
					n, len(w.Flows), len(w.Shares), len(w.Teams), len(w.Connections), len(w.RoleAssignments), len(probs.Warnings()))
			}
			return nil
		},
	}
}
