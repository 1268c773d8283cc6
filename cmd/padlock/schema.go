package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/padlock/padlock/schemas"
)

func schemaCommand() *cli.Command {
	return &cli.Command{
		Name:      "schema",
		Usage:     "print the JSON Schema of a document kind or of the query input",
		ArgsUsage: "[KIND]",
		Description: `schema prints the JSON Schema (draft 2020-12) padlock validates a kind
against: DesktopFlow, Share, Team, Connection, RoleAssignment or query.
Without KIND it lists them. --write DIR regenerates every schema from the Go
types into DIR (what go generate ./schemas runs).

Example:
   padlock schema DesktopFlow`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "write", Usage: "regenerate every schema into `DIR`"},
		},
		Action: func(c *cli.Context) error {
			if dir := c.String("write"); dir != "" {
				files, err := schemas.Generate()
				if err != nil {
					return cli.Exit("padlock: "+err.Error(), exitUnusable)
				}
				for name, b := range files {
					if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
						return cli.Exit("padlock: "+err.Error(), exitUnusable)
					}
				}
				return nil
			}
			if c.NArg() == 0 {
				var names []string
				for _, s := range schemas.Sources() {
					names = append(names, s.Name)
				}
				sort.Strings(names)
				_, err := c.App.Writer.Write([]byte(strings.Join(names, "\n") + "\n"))
				return err
			}
			b, err := schemas.Read(strings.ToLower(c.Args().First()))
			if err != nil {
				return usageError("unknown kind %q: run padlock schema to list them", c.Args().First())
			}
			_, err = c.App.Writer.Write(b)
			return err
		},
	}
}
