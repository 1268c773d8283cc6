package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// urfave/cli v2 stops reading flags at the first positional argument, so
// `padlock audit export.zip --format json` would read "--format" as a path.
// opa and conftest accept flags anywhere; permuteArgs gives padlock the
// same: it finds the command an invocation names and moves its flags (with
// their values) before its positional arguments. "--" still ends the
// flags: everything after it stays positional.

// permuteArgs returns args (program name first) with each command's flags
// before its positional arguments, and the command path it found (nil
// when args name no command).
func permuteArgs(cmds []*cli.Command, args []string) ([]string, []*cli.Command) {
	if len(args) < 2 {
		return args, nil
	}
	out := []string{args[0]}
	var path []*cli.Command
	i := 1
	for i < len(args) {
		cmd := findCommand(cmds, args[i])
		if cmd == nil {
			break
		}
		path = append(path, cmd)
		out = append(out, args[i])
		i++
		if len(cmd.Subcommands) == 0 {
			return append(out, permuteFlags(cmd.Flags, args[i:])...), path
		}
		// A command with subcommands: its own flags come before the
		// subcommand's name, as in `padlock bundle build`.
		cmds = cmd.Subcommands
	}
	return append(out, args[i:]...), path
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// permuteFlags puts the flags of rest first, then "--" and the positional
// arguments, so that urfave/cli reads every flag and no positional
// argument as one.
func permuteFlags(flags []cli.Flag, rest []string) []string {
	takesValue := map[string]bool{}
	for _, f := range flags {
		dg, ok := f.(cli.DocGenerationFlag)
		for _, n := range f.Names() {
			takesValue[n] = ok && dg.TakesValue()
		}
	}
	var fl, pos []string
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		switch {
		case a == "--":
			pos = append(pos, rest[i+1:]...)
			i = len(rest)
		case len(a) > 1 && a[0] == '-':
			fl = append(fl, a)
			name := strings.TrimLeft(a, "-")
			if strings.Contains(name, "=") {
				continue
			}
			if takesValue[name] && i+1 < len(rest) {
				i++
				fl = append(fl, rest[i])
			}
		default:
			pos = append(pos, a)
		}
	}
	if len(pos) == 0 {
		return fl
	}
	for _, f := range fl {
		if f == "-h" || f == "--help" || f == "-help" {
			// urfave/cli reads arguments after --help as a help topic:
			// `padlock check policies --help` means the help of check.
			return fl
		}
	}
	return append(append(fl, "--"), pos...)
}
