package main

import (
	"fmt"
	"regexp"

	"github.com/urfave/cli/v2"

	"github.com/padlock/padlock/engine/testrun"
)

func testCommand() *cli.Command {
	return &cli.Command{
		Name:      "test",
		Usage:     "run the Rego unit tests and the fixture tables",
		ArgsUsage: "[PATH...]",
		Description: `test runs, in one go, the Rego unit tests (*_test.rego) of the policies and
every fixture table (*_test.yaml) through the whole engine, validation
included. PATHs are searched for both (default: policies and fixtures); when
they hold no .rego file, the built-in policies are tested. A failing case
shows its table, name, input and what differs. Exit 0 all pass, 1 any fail,
2 could not run (policies that do not compile, unreadable paths, bad flags).

Example:
   padlock test
   padlock test --run 'embed|NOT_EMBEDDED' --coverage --threshold 90 policies fixtures
   padlock test --format junit > report.xml`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "run", Usage: "only the Rego tests and fixture cases whose name matches `REGEX`"},
			&cli.BoolFlag{Name: "coverage", Usage: "report per-file and total Rego coverage, with the uncovered lines"},
			&cli.Float64Flag{Name: "threshold", Usage: "with --coverage, fail below `N` percent"},
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "text", Usage: "text (also called pretty, as in opa test), json or junit"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "list passing tests too (text)"},
		},
		Action: func(c *cli.Context) error {
			rep, err := testrun.ReporterFor(c.String("format"), c.Bool("verbose"))
			if err != nil {
				return usageError("%v", err)
			}
			cfg := testrun.Config{Paths: c.Args().Slice(), Coverage: c.Bool("coverage") || c.IsSet("threshold")}
			if len(cfg.Paths) == 0 {
				cfg.Paths = []string{"policies", "fixtures"}
			}
			if re := c.String("run"); re != "" {
				if cfg.Filter, err = regexp.Compile(re); err != nil {
					return usageError("--run: %v", err)
				}
			}
			report, err := testrun.Run(c.Context, cfg)
			if err != nil {
				return cli.Exit("padlock: "+err.Error(), exitUnusable)
			}
			if err := rep.Report(c.App.Writer, report); err != nil {
				return err
			}
			if !report.Passed() {
				return cli.Exit("", exitFindings)
			}
			if t := c.Float64("threshold"); c.IsSet("threshold") && report.Coverage.Coverage < t {
				return cli.Exit(fmt.Sprintf("padlock: coverage %.2f%% is below the threshold of %.2f%%", report.Coverage.Coverage, t), exitFindings)
			}
			return nil
		},
	}
}
