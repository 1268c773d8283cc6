package main

import (
	"runtime"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/padlock/padlock/engine/audit"
	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/export"
	"github.com/padlock/padlock/engine/render"
)

func auditCommand() *cli.Command {
	return &cli.Command{
		Name:      "audit",
		Usage:     "audit exported desktop flows before they are shared or imported",
		ArgsUsage: "INPUT...",
		Description: `audit reads solution exports (the .zip, the same unzipped, and pac solution
unpack folders), Dataverse Web API dumps of the workflow table and padlock
documents, folders searched recursively; turns every desktop flow into a
validated DesktopFlow document; links the cloud flows that start them; and
runs the audit rules of policies/padlock/audit. Exports carry no owners or
shares: give them with --docs. A file that cannot be read is reported and
the audit goes on. Exit 0 when no finding is at or above --fail-on, 1 when
one is, 2 when the run failed, an input could not be audited, or the inputs
hold no flow at all (unless --allow-empty).

Example:
   padlock audit --environment contoso-prod ../shared/real-exports
   padlock audit --docs shares/ --format sarif --fail-on warning solution.zip > padlock.sarif
   padlock audit --docs tenant-dump/ --cache /var/cache/padlock exports/ > nightly.txt   # unchanged zips are not parsed again`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "environment", Aliases: []string{"e"}, Value: "default", Usage: "the environment the solution is or will be imported into"},
			docsFlag(),
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "text", Usage: "text, json, sarif or junit"},
			&cli.StringFlag{Name: "fail-on", Value: "error", Usage: "exit 1 when a finding is at or above this severity: info, warning or error"},
			policiesFlag(),
			allowEmptyFlag(),
			quietFlag(),
			&cli.IntFlag{Name: "jobs", Aliases: []string{"j"}, Value: runtime.GOMAXPROCS(0), Usage: "read and audit this many inputs and flows at once; the output is the same for any"},
			&cli.StringFlag{Name: "cache", Usage: "keep what each solution zip yields in `DIR`, so that the next audit of the same zip (same bytes, path, --environment and padlock binary) runs the rules without parsing it again; entries unused for 30 days are removed"},
			&cli.Int64Flag{Name: "max-export-bytes", Value: export.DefaultLimits().MaxTotalBytes, Usage: "the most an export (a zip's entries together, or customizations.xml) may expand to, in `BYTES`; a zip entry compressed more than 200 times is refused as a zip bomb"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usageError("audit needs at least one INPUT")
			}
			rep, err := audit.ReporterFor(c.String("format"))
			if err != nil {
				return usageError("%v", err)
			}
			failOn, err := audit.ParseSeverity(c.String("fail-on"))
			if err != nil {
				return usageError("--fail-on: %v", err)
			}
			if c.Int("jobs") < 1 {
				return usageError("--jobs: want 1 or more, got %d", c.Int("jobs"))
			}
			var cache *export.Cache
			if dir := c.String("cache"); dir != "" {
				if cache, err = export.OpenCache(dir); err != nil {
					return cli.Exit("padlock: --cache: "+err.Error(), exitUnusable)
				}
			}
			eng, err := newEngine(c)
			if err != nil {
				return err
			}
			report, err := audit.Run(c.Context, eng, c.Args().Slice(), audit.Options{Environment: c.String("environment"), Docs: c.StringSlice("docs"), FailOn: failOn, Progress: meter(c), Limits: limits(c), Jobs: c.Int("jobs"), Cache: cache})
			if err != nil {
				return cli.Exit("padlock: "+err.Error(), exitUnusable)
			}
			if err := rep.Report(c.App.Writer, report); err != nil {
				return err
			}
			if c.String("format") != "text" { // the text report has them already
				_ = render.Problems(c.App.ErrWriter, render.Text, report.Warnings)
			}
			if len(report.Problems) > 0 {
				return cli.Exit("padlock: "+diag.Count(len(report.Problems), "input")+" could not be audited", exitUnusable)
			}
			if report.Flows == 0 && report.CloudFlows == 0 && !c.Bool("allow-empty") {
				return cli.Exit("padlock: no desktop or cloud flow found in "+strings.Join(c.Args().Slice(), ", ")+": is the path right? (--allow-empty accepts an empty audit)", exitUnusable)
			}
			if n := report.AtLeast(failOn); n > 0 {
				return cli.Exit("", exitFindings)
			}
			return nil
		},
	}
}

// limits are the export limits, with the total from --max-export-bytes.
func limits(c *cli.Context) export.Limits {
	l := export.DefaultLimits()
	l.MaxTotalBytes = c.Int64("max-export-bytes")
	return l
}
