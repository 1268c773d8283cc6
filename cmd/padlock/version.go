package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	opaversion "github.com/open-policy-agent/opa/v1/version"
	"github.com/urfave/cli/v2"
)

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print padlock's version, the OPA version it embeds and the Go version",
		Description: `version prints padlock's own version (the module version, or the commit
it was built from), the version of OPA whose evaluator and bundle format it
embeds, and the Go version it was built with.

Example:
   padlock version`,
		Action: func(c *cli.Context) error {
			fmt.Fprintf(c.App.Writer, "padlock %s\nOPA %s\nGo %s %s/%s\n", padlockVersion(), opaversion.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}

// padlockVersion is the main module's version as the go command stamped
// it: a release tag for `go install ...@vX`, else the VCS revision.
func padlockVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	if v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	switch {
	case rev == "":
		return "devel"
	case dirty:
		return "devel " + rev[:min(12, len(rev))] + " (modified)"
	}
	return "devel " + rev[:min(12, len(rev))]
}
