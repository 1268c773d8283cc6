// Command padlock decides who may run, embed and invoke Power Automate
// desktop flows that contain cloud connector actions. This package only
// wires flags to the engine's packages.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"
)

// Exit codes shared by every command.
const (
	exitOK       = 0
	exitFindings = 1 // invalid documents, denied decision with --fail, failing tests
	exitUnusable = 2 // the command could not do its job: bad flags or input
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := newApp(stdin, stdout, stderr)
	args, path := permuteArgs(app.Commands, args)
	if len(args) > 1 && len(path) == 0 && !isHelp(args[1]) && !strings.HasPrefix(args[1], "-") {
		fmt.Fprintf(stderr, "padlock: unknown command %q: see padlock help\n", args[1])
		return exitUnusable
	}
	if len(args) > 2 && isHelp(args[1]) && !strings.HasPrefix(args[2], "-") && findCommand(app.Commands, args[2]) == nil {
		fmt.Fprintf(stderr, "padlock: no help for unknown command %q: see padlock help\n", args[2])
		return exitUnusable
	}
	err := app.RunContext(ctx, args)
	if err == nil {
		return exitOK
	}
	var ec cli.ExitCoder
	if errors.As(err, &ec) {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(stderr, msg)
		}
		return ec.ExitCode()
	}
	fmt.Fprintln(stderr, "padlock:", err)
	return exitUnusable
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	return &cli.App{
		Name:  "padlock",
		Usage: "decide who may run, embed and invoke Power Automate desktop flows with cloud connector actions",
		Description: `padlock states the sharing rules of desktop flows that contain cloud connector
actions as Rego policies, validates flow, share, team and connection documents
against JSON Schemas, and answers queries with a decision and its reasons.

Example:
   padlock decide --docs fixtures/example/world --input fixtures/example/queries/frank-runs-invoice-sync.json`,
		Reader:                    stdin,
		Writer:                    stdout,
		ErrWriter:                 stderr,
		DisableSliceFlagSeparator: true,
		ExitErrHandler:            func(*cli.Context, error) {}, // run() maps errors to exit codes
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return cli.Exit("padlock: "+err.Error(), exitUnusable)
		},
		Commands: []*cli.Command{
			decideCommand(),
			validateCommand(),
			schemaCommand(),
			testCommand(),
			checkCommand(),
			fmtCommand(),
			bundleCommand(),
			serveCommand(),
			auditCommand(),
			evalCommand(),
			whoCanCommand(),
			whatCanCommand(),
			reportCommand(),
			importCommand(),
			versionCommand(),
		},
	}
}

func isHelp(arg string) bool { return arg == "help" || arg == "h" }

// usageError reports a bad flag or argument.
func usageError(format string, args ...any) error {
	return cli.Exit("padlock: "+fmt.Sprintf(format, args...), exitUnusable)
}
