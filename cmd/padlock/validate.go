package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/padlock/padlock/engine/diag"
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
Exit 0 valid, 1 invalid, 2 when a path cannot be read (missing, unreadable,
a folder with no documents) or no path is given.

Example:
   padlock validate fixtures/example/world`,
		Flags: []cli.Flag{formatFlag("text"), quietFlag()},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usageError("validate needs at least one PATH")
			}
			format, err := formatOf(c)
			if err != nil {
				return err
			}
			eng, err := newEngine(c)
			if err != nil {
				return err
			}
			w, probs := eng.LoadWorld(c.Context, c.Args().Slice()...)
			out := c.App.ErrWriter
			if format == render.JSON {
				out = c.App.Writer
			}
			if err := render.Problems(out, format, probs); err != nil {
				return err
			}
			if probs.HasUnreadable() {
				return cli.Exit("padlock: some input could not be read: nothing was validated in it", exitUnusable)
			}
			if w == nil {
				return cli.Exit("padlock: "+diag.Count(len(probs.Errors()), "error"), exitFindings)
			}
			if format == render.Text {
				n := 0
				for _, c := range w.Counts() {
					n += c
				}
				fmt.Fprintf(c.App.Writer, "valid: %s (%s, %s, %s, %s, %s), %s\n",
					diag.Count(n, "document"), diag.Count(len(w.Flows), "flow"), diag.Count(len(w.Shares), "share"), diag.Count(len(w.Teams), "team"),
					diag.Count(len(w.Connections), "connection"), diag.Count(len(w.RoleAssignments), "role assignment"), diag.Count(len(probs.Warnings()), "warning"))
			}
			return nil
		},
	}
}
