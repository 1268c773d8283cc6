package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"
	"sigs.k8s.io/yaml"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/progress"
	"github.com/padlock/padlock/engine/render"
	"github.com/padlock/padlock/engine/validate"
	"github.com/padlock/padlock/schemas"
)

// Flags are built fresh per command: urfave/cli flags hold their values,
// so commands (and tests running several) must not share one.

func docsFlag() *cli.StringSliceFlag {
	return &cli.StringSliceFlag{Name: "docs", Aliases: []string{"d"}, Usage: "documents: a file or folder (searched recursively); repeat for more"}
}

func allowEmptyFlag() *cli.BoolFlag {
	return &cli.BoolFlag{Name: "allow-empty", Usage: "go on when there is nothing to work on (no documents, no export) instead of exiting 2"}
}

func quietFlag() *cli.BoolFlag {
	return &cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress on a terminal"}
}

// meter shows progress on stderr when it is a terminal, unless --quiet.
func meter(c *cli.Context) *progress.Meter {
	f, ok := c.App.ErrWriter.(*os.File)
	if !ok {
		return nil
	}
	return progress.ForTerminal(f, c.Bool("quiet"))
}

func policiesFlag() *cli.StringFlag {
	return &cli.StringFlag{Name: "policies", Usage: "evaluate the .rego files under `DIR` instead of the built-in policies"}
}

// formatOf reads --format as decisions and problems are written: json or
// text; a bad name is a usage error.
func formatOf(c *cli.Context) (render.Format, error) {
	f, err := render.ParseFormat(c.String("format"))
	if err != nil {
		return "", usageError("%v", err)
	}
	return f, nil
}

func formatFlag(def string) *cli.StringFlag {
	return &cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: def, Usage: "output format: json or text"}
}

func decideCommand() *cli.Command {
	return &cli.Command{
		Name:      "decide",
		Usage:     "answer one query over a set of documents",
		ArgsUsage: "[--docs PATH]... --input FILE|-",
		Description: `decide loads and validates the documents, validates the query, evaluates
the built-in policies and prints the decision: allow, role, every reason to
deny, the connection each reference would use, and whether the
bring-your-own-connection dialog shows. Exit 0 with a decision (1 with --fail
when it denies), 2 when the documents or the query are unusable.

--explain names, for each reason, the Rego rule behind it; --trace notes,
fails or full adds OPA's trace of the evaluation.

Example:
   padlock decide --docs fixtures/example/world \
     --input fixtures/example/queries/frank-runs-invoice-sync.json --format text
   echo '{"action":"invoke","principal":"user:bob@northwind.example","flow":"flow-invoice-sync","mode":"unattended"}' |
     padlock decide --docs fixtures/example/world --input -`,
		Flags: []cli.Flag{
			docsFlag(),
			&cli.StringFlag{Name: "input", Aliases: []string{"i"}, Required: true, Usage: "the query: a JSON `FILE`, or - for standard input"},
			formatFlag("json"),
			policiesFlag(),
			&cli.BoolFlag{Name: "fail", Usage: "exit 1 when the decision denies"},
			allowEmptyFlag(),
			quietFlag(),
			&cli.BoolFlag{Name: "explain", Usage: "show, for each reason, the rule that produced it (package, rule, file, line)"},
			&cli.StringFlag{Name: "trace", Usage: "with the explanation, OPA's trace: notes, fails or full"},
			&cli.StringFlag{Name: "what-if", Usage: "decide also over the documents changed by `FILE` (a JSON or YAML list of {op: put|delete, document}); nothing is written"},
		},
		Action: func(c *cli.Context) error {
			format, err := formatOf(c)
			if err != nil {
				return err
			}
			eng, err := newEngine(c)
			if err != nil {
				return err
			}
			paths := append(c.StringSlice("docs"), c.Args().Slice()...)
			if len(paths) == 0 && !c.Bool("allow-empty") {
				return usageError("decide needs documents (--docs PATH): without them every flow is unknown; --allow-empty decides over an empty world")
			}
			if err := loadWorld(c, eng, paths); err != nil {
				return err
			}
			q, _, err := readQuery(c, eng, c.String("input"))
			if err != nil {
				return err
			}
			var d engine.Decision
			if file := c.String("what-if"); file != "" {
				res, err := whatIf(c, eng, q, file)
				if err != nil {
					return err
				}
				if err := render.WhatIf(c.App.Writer, format, res); err != nil {
					return err
				}
				d = res.After
			} else if c.Bool("explain") || c.IsSet("trace") {
				ex, err := eng.Explain(c.Context, q, engine.TraceMode(c.String("trace")))
				if err != nil {
					return usageError("%v", err)
				}
				d = ex.Decision
				if err := render.Explanation(c.App.Writer, format, ex); err != nil {
					return err
				}
			} else {
				d = eng.Decide(c.Context, q)
				if err := render.Decision(c.App.Writer, format, d); err != nil {
					return err
				}
			}
			if !d.Allow && c.Bool("fail") {
				return cli.Exit("", exitFindings)
			}
			return nil
		},
	}
}

// newEngine builds the engine with the built-in or the given policies.
func newEngine(c *cli.Context) (*engine.Engine, error) {
	opts := []engine.Option{engine.WithProgress(meter(c))}
	if dir := c.String("policies"); dir != "" {
		opts = append(opts, engine.WithPolicies(os.DirFS(dir)))
	}
	eng, err := engine.New(c.Context, opts...)
	if err != nil {
		return nil, cli.Exit("padlock: "+err.Error(), exitUnusable)
	}
	return eng, nil
}

// loadWorld loads and installs the documents; warnings go to stderr, errors
// stop the command.
func loadWorld(c *cli.Context, eng *engine.Engine, paths []string) error {
	if len(paths) == 0 {
		return nil
	}
	w, probs := eng.LoadWorld(c.Context, paths...)
	_ = render.Problems(c.App.ErrWriter, render.Text, probs)
	if w == nil {
		return cli.Exit("padlock: invalid documents: nothing was evaluated", exitUnusable)
	}
	if err := eng.SetWorld(c.Context, w); err != nil {
		return cli.Exit("padlock: "+err.Error(), exitUnusable)
	}
	return nil
}

// readQuery reads and validates the query of --input; problems go to
// stderr with the file's name.
func readQuery(c *cli.Context, eng *engine.Engine, name string) (document.Query, any, error) {
	body, err := readInput(c.App.Reader, name)
	if err != nil {
		return document.Query{}, nil, usageError("read input: %v", err)
	}
	q, value, probs := eng.Validator().QueryJSON(body)
	if len(probs) > 0 {
		_ = render.Problems(c.App.ErrWriter, render.Text, withFile(probs, name))
		return document.Query{}, nil, cli.Exit("padlock: invalid query", exitUnusable)
	}
	return q, value, nil
}

func readInput(stdin io.Reader, name string) ([]byte, error) {
	const maxInput = 1 << 20
	var r io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxInput {
		return nil, fmt.Errorf("the query is larger than %d bytes", maxInput)
	}
	return b, nil
}

func withFile(probs diag.List, file string) diag.List {
	out := make(diag.List, len(probs))
	for i, p := range probs {
		p.File = file
		p.Document = 0
		out[i] = p
	}
	return out
}

// whatIf reads the changes of --what-if and decides before and after them.
func whatIf(c *cli.Context, eng *engine.Engine, q document.Query, file string) (engine.WhatIf, error) {
	raw, err := readInput(c.App.Reader, file)
	if err != nil {
		return engine.WhatIf{}, usageError("--what-if: %v", err)
	}
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] != '[' {
		if raw, err = yaml.YAMLToJSON(raw); err != nil {
			return engine.WhatIf{}, usageError("--what-if %s: %v", file, err)
		}
	}
	changes, _, probs := validate.InputJSON[document.Changes](eng.Validator(), schemas.WhatIfName, raw)
	if len(probs) > 0 {
		_ = render.Problems(c.App.ErrWriter, render.Text, withFile(probs, file))
		return engine.WhatIf{}, cli.Exit("padlock: invalid --what-if", exitUnusable)
	}
	res, probs, err := eng.WhatIf(c.Context, q, changes)
	if err != nil {
		return engine.WhatIf{}, cli.Exit("padlock: "+err.Error(), exitUnusable)
	}
	_ = render.Problems(c.App.ErrWriter, render.Text, probs)
	if probs.HasErrors() {
		return engine.WhatIf{}, cli.Exit("padlock: the changed world is invalid: nothing was evaluated", exitUnusable)
	}
	return res, nil
}
