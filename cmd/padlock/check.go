package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"
	"github.com/urfave/cli/v2"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/diag"
)

func checkCommand() *cli.Command {
	return &cli.Command{
		Name:      "check",
		Usage:     "compile policies strictly, type-checked against the document schemas",
		ArgsUsage: "[DIR]",
		Description: `check compiles the .rego files under DIR (default: policies) in strict mode,
with padlock's generated JSON Schemas given to OPA's type checker, so that a
rule reading a field the documents or the query do not have fails here. Each
problem is printed as file:line:column. Exit 0 clean, 1 problems.

Example:
   padlock check policies`,
		Action: func(c *cli.Context) error {
			dir := c.Args().First()
			if dir == "" {
				dir = "policies"
			}
			mods, err := readDir(dir, false)
			if err != nil {
				return cli.Exit("padlock: "+err.Error(), exitUnusable)
			}
			if _, err := engine.Compile(mods); err != nil {
				printRegoErrors(c, err)
				return cli.Exit("", exitFindings)
			}
			fmt.Fprintf(c.App.Writer, "%s compile cleanly (strict, type-checked)\n", diag.Count(len(mods), "policy file"))
			return nil
		},
	}
}

// printRegoErrors prints OPA's errors as file:line:column: message.
func printRegoErrors(c *cli.Context, err error) {
	var errs ast.Errors
	if !errors.As(err, &errs) {
		fmt.Fprintln(c.App.ErrWriter, err)
		return
	}
	for _, e := range errs {
		if e.Location != nil {
			fmt.Fprintf(c.App.ErrWriter, "%s:%d:%d: %s: %s\n", e.Location.File, e.Location.Row, e.Location.Col, e.Code, e.Message)
		} else {
			fmt.Fprintf(c.App.ErrWriter, "%s: %s\n", e.Code, e.Message)
		}
	}
}

// readDir reads the .rego files under dir, named by their path on disk.
func readDir(dir string, tests bool) ([]engine.Module, error) {
	mods, err := engine.ReadModules(os.DirFS(dir), tests)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	for i := range mods {
		mods[i].Name = filepath.Join(dir, mods[i].Name)
	}
	return mods, nil
}

func fmtCommand() *cli.Command {
	return &cli.Command{
		Name:      "fmt",
		Usage:     "format Rego as opa fmt does",
		ArgsUsage: "[PATH...]",
		Description: `fmt formats the .rego files under the paths (default: policies) as opa fmt
does, for Rego v1. Without flags it prints the names of files that need
formatting; --diff shows the changes, --write rewrites the files, --fail
exits 1 when any file needs formatting (for CI).

Example:
   padlock fmt --fail policies
   padlock fmt --write policies`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "diff", Aliases: []string{"d"}, Usage: "show the changes"},
			&cli.BoolFlag{Name: "write", Aliases: []string{"w"}, Usage: "rewrite the files"},
			&cli.BoolFlag{Name: "fail", Usage: "exit 1 when a file needs formatting"},
		},
		Action: func(c *cli.Context) error {
			paths := c.Args().Slice()
			if len(paths) == 0 {
				paths = []string{"policies"}
			}
			changed := 0
			for _, p := range paths {
				err := filepath.WalkDir(p, func(name string, d os.DirEntry, err error) error {
					if err != nil || d.IsDir() || !strings.HasSuffix(name, ".rego") {
						return err
					}
					src, err := os.ReadFile(name)
					if err != nil {
						return err
					}
					out, err := format.SourceWithOpts(name, src, format.Opts{RegoVersion: ast.RegoV1})
					if err != nil {
						return fmt.Errorf("%s: %w", name, err)
					}
					if bytes.Equal(src, out) {
						return nil
					}
					changed++
					fmt.Fprintln(c.App.Writer, name)
					if c.Bool("diff") {
						fmt.Fprint(c.App.Writer, lineDiff(string(src), string(out)))
					}
					if c.Bool("write") {
						return os.WriteFile(name, out, 0o644)
					}
					return nil
				})
				if err != nil {
					return cli.Exit("padlock: "+err.Error(), exitUnusable)
				}
			}
			if changed > 0 && c.Bool("fail") {
				return cli.Exit("padlock: formatting needed in "+diag.Count(changed, "file"), exitFindings)
			}
			return nil
		},
	}
}

// lineDiff is a minimal line diff (longest common subsequence) for fmt --diff.
func lineDiff(a, b string) string {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	n, m := len(x), len(y)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && x[i] == y[j]:
			i, j = i+1, j+1
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			fmt.Fprintf(&out, "+%s\n", y[j])
			j++
		default:
			fmt.Fprintf(&out, "-%s\n", x[i])
			i++
		}
	}
	return out.String()
}
