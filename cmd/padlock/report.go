package main

import (
	"bytes"
	"path/filepath"
	"runtime"

	"github.com/urfave/cli/v2"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/audit"
	"github.com/padlock/padlock/engine/render"
	"github.com/padlock/padlock/engine/report"
)

func reportCommand() *cli.Command {
	return &cli.Command{
		Name:  "report",
		Usage: "write the access report: who can run and start which flow, why not, and who can fix it",
		Description: `report writes one self-contained HTML file (no external script, style or
font: it works offline and mailed around): per environment, a matrix of
desktop flows and principals (role; may run; may a cloud flow start it;
runs that find no compatible connection), each cell with its reasons and
remedies; per flow its references, whether a cloud flow can start it and
what would fix it, the cloud flows of the audited exports that start it and
the audit's findings. Filters (environment, principal, only problems) and a
search box work without a server.

Example:
   padlock report --docs fixtures/example/world -o report.html
   padlock report --docs fixtures/audit/docs --audit fixtures/audit/pac-solution -e northwind-prod -o report.html`,
		Flags: []cli.Flag{
			docsFlag(),
			&cli.StringSliceFlag{Name: "audit", Usage: "also audit these exports (`EXPORT`, repeat for more): their findings and cloud flows join the report"},
			&cli.StringFlag{Name: "environment", Aliases: []string{"e"}, Value: "default", Usage: "with --audit, the environment the exports are or will be imported into"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "report.html", Usage: "write the report to `FILE` (- for standard output)"},
			&cli.StringFlag{Name: "title", Value: "padlock access report", Usage: "the report's title"},
			policiesFlag(),
			quietFlag(),
		},
		Action: func(c *cli.Context) error {
			var eng *engine.Engine
			var err error
			var aud *audit.Report
			exports := c.StringSlice("audit")
			if len(exports) == 0 {
				if eng, err = listEngine(c); err != nil {
					return err
				}
			} else {
				// The audit's world: the exported flows with --docs.
				if eng, err = newEngine(c); err != nil {
					return err
				}
				if aud, err = audit.Run(c.Context, eng, exports, audit.Options{Environment: c.String("environment"), Docs: c.StringSlice("docs")}); err != nil {
					return cli.Exit("padlock: audit: "+err.Error(), exitUnusable)
				}
				_ = render.Problems(c.App.ErrWriter, render.Text, append(aud.Problems, aud.Warnings...))
				if aud.Problems.HasErrors() {
					return cli.Exit("padlock: the audited exports or documents are unusable: no report was written", exitUnusable)
				}
			}
			data, err := report.Build(c.Context, eng, c.String("title"), aud, report.WithWorkers(runtime.GOMAXPROCS(0)), report.WithProgress(meter(c)))
			if err != nil {
				return cli.Exit("padlock: "+err.Error(), exitUnusable)
			}
			var b bytes.Buffer
			if err := report.Write(&b, data); err != nil {
				return cli.Exit("padlock: "+err.Error(), exitUnusable)
			}
			if out := c.String("output"); out != "-" {
				if err := render.WriteFiles(filepath.Dir(out), map[string][]byte{filepath.Base(out): b.Bytes()}); err != nil {
					return cli.Exit("padlock: write: "+err.Error(), exitUnusable)
				}
				return nil
			}
			_, err = c.App.Writer.Write(b.Bytes())
			return err
		},
	}
}
