package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/dataverse"
	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/load"
	"github.com/padlock/padlock/engine/render"
	"github.com/padlock/padlock/engine/source"
	docworld "github.com/padlock/padlock/engine/world"
)

func importCommand() *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "read who holds which role from a tenant's Dataverse and connection dumps, into padlock documents",
		ArgsUsage: "[DUMP...]",
		Description: `import reads dumps of a tenant (one folder per environment): the Dataverse
Web API collections workflows, principalobjectaccessset, systemusers, teams,
teammemberships, roles, systemuserrolescollection, teamrolescollection and
connectionreferences (files named by entity set, or recognised by their
@odata.context; pages as separate files), and the Power Platform admin API's
connection list (connections.json). It joins them into DesktopFlow, Share,
Team, RoleAssignment and Connection documents, validates them like any
others and writes one file per kind. Which access rights make a co-owner or a
run-only user is policy data (padlock.config.accessMaskRoles). Every row it
cannot map is reported with its file and row, and counted.

--url and --connections-url fetch the same collections live instead (a
bearer token from a file, e.g. az account get-access-token); a fetch that
fails anywhere writes nothing. The same dumps work directly as --docs of
decide, audit and serve.

Exit 0 written (warnings for rows not mapped), 2 when a dump cannot be read
or fetched, or the documents it gives are invalid: then nothing is written.

Example:
   padlock import -o world/ fixtures/dataverse/northwind-prod
   padlock import --environment contoso-prod --url https://contoso.crm.dynamics.com --token-file token \
     --connections-url "https://api.bap.microsoft.com/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments/ENV/connections?api-version=2016-11-01" \
     --connections-token-file bap-token -o world/`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "environment", Aliases: []string{"e"}, Usage: "the environment's name in the documents (default: the organisation of each dump's @odata.context)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write one file per kind into `DIR` (default: one YAML stream on standard output)"},
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "yaml", Usage: "yaml or json"},
			&cli.StringFlag{Name: "url", Usage: "fetch the Dataverse collections live from `https://ORG.crm.dynamics.com`"},
			&cli.StringFlag{Name: "token-file", Usage: "the bearer token for --url (`FILE`)"},
			&cli.StringFlag{Name: "connections-url", Usage: "fetch the connection list live from the admin API (`URL`)"},
			&cli.StringFlag{Name: "connections-token-file", Usage: "the bearer token for --connections-url (`FILE`)"},
			&cli.DurationFlag{Name: "timeout", Value: time.Minute, Usage: "time limit of each request"},
			policiesFlag(),
			quietFlag(),
		},
		Action: func(c *cli.Context) error {
			format := render.Format(c.String("format"))
			if format != render.YAML && format != render.JSON {
				return usageError("--format %q: want yaml or json", format)
			}
			fetch, err := fetchFromFlags(c, importFlags)
			if err != nil {
				return err
			}
			paths := c.Args().Slice()
			if len(paths) == 0 && fetch == nil {
				return usageError("import needs a DUMP folder, or --url / --connections-url to fetch one")
			}
			eng, err := newEngine(c)
			if err != nil {
				return err
			}
			if fetch != nil {
				dir, err := os.MkdirTemp("", "padlock-import-")
				if err != nil {
					return cli.Exit("padlock: "+err.Error(), exitUnusable)
				}
				defer os.RemoveAll(dir)
				if err := fetch.To(c.Context, dir); err != nil {
					return cli.Exit("padlock: fetch failed, nothing was written: "+err.Error(), exitUnusable)
				}
				paths = append(paths, dir)
			}
			src := eng.Sources()
			src.Dataverse.Environment = c.String("environment")
			docs, w, probs := readValid(c, eng, src, paths)
			if w == nil {
				return cli.Exit("padlock: the dump gives invalid or unreadable documents: nothing was written", exitUnusable)
			}
			if dir := c.String("output"); dir != "" {
				err = render.WriteDir(dir, func(create func(string) (io.Writer, error)) error {
					return render.WriteDocuments(docs, format, create)
				})
			} else {
				err = render.WriteDocuments(docs, format, streamTo(c.App.Writer, format))
			}
			if err != nil {
				return cli.Exit("padlock: write: "+err.Error(), exitUnusable)
			}
			fmt.Fprintln(c.App.ErrWriter, importSummary(w.Counts(), probs.Warnings()))
			return nil
		},
	}
}

// readValid reads documents through src and validates them as one world,
// printing every problem to stderr; the world is nil when any is an error.
func readValid(c *cli.Context, eng *engine.Engine, src source.Reader, paths []string) ([]load.Doc, *docworld.World, diag.List) {
	docs, probs := src.Paths(c.Context, paths...)
	w, more := eng.Assemble(docs)
	probs = append(probs, more...)
	_ = render.Problems(c.App.ErrWriter, render.Text, probs)
	if probs.HasErrors() {
		w = nil
	}
	return docs, w, probs
}

// fetchFlags name the flags of a live fetch: import's own, and serve's
// --import-* ones.
type fetchFlags struct{ url, token, connURL, connToken, timeout string }

var importFlags = fetchFlags{"url", "token-file", "connections-url", "connections-token-file", "timeout"}

// fetchFromFlags builds the live fetch, or nil without a URL. Tokens come
// from files only: a token on the command line would end up in shell
// histories and process lists.
func fetchFromFlags(c *cli.Context, n fetchFlags) (*dataverse.Fetch, error) {
	if c.String(n.url) == "" && c.String(n.connURL) == "" {
		return nil, nil
	}
	f := &dataverse.Fetch{URL: c.String(n.url), ConnectionsURL: c.String(n.connURL), Timeout: c.Duration(n.timeout)}
	// The files are read again at every fetch (a sidecar outlives a
	// token); here they are only checked, so that a typo fails at once.
	tokenFile := func(flag, url string) (string, error) {
		if url == "" {
			return "", nil
		}
		name := c.String(flag)
		if name == "" {
			return "", usageError("--%s is needed to fetch %s", flag, url)
		}
		b, err := os.ReadFile(name)
		if err != nil {
			return "", usageError("--%s: %v", flag, err)
		}
		if strings.TrimSpace(string(b)) == "" {
			return "", usageError("--%s: the file is empty", flag)
		}
		return name, nil
	}
	var err error
	if f.TokenFile, err = tokenFile(n.token, f.URL); err != nil {
		return nil, err
	}
	if f.ConnectionsTokenFile, err = tokenFile(n.connToken, f.ConnectionsURL); err != nil {
		return nil, err
	}
	return f, nil
}

// streamTo writes every kind's file to w, one after the other, as one
// YAML stream (or one JSON array per kind).
func streamTo(w io.Writer, format render.Format) func(string) (io.Writer, error) {
	files := 0
	return func(string) (io.Writer, error) {
		files++
		if files > 1 && format == render.YAML {
			if _, err := io.WriteString(w, "---\n"); err != nil {
				return nil, err
			}
		}
		return w, nil
	}
}

// importSummary says what was written and what was not, by reason.
func importSummary(counts map[document.Kind]int, warnings diag.List) string {
	var b strings.Builder
	fmt.Fprintf(&b, "imported: %s, %s, %s, %s, %s", diag.Count(counts[document.KindDesktopFlow], "desktop flow"),
		diag.Count(counts[document.KindShare], "share"), diag.Count(counts[document.KindTeam], "team"),
		diag.Count(counts[document.KindRoleAssignment], "role assignment"), diag.Count(counts[document.KindConnection], "connection"))
	reasons := map[string]int{}
	for _, w := range warnings {
		reason, _, _ := strings.Cut(w.Message, ":")
		reasons[reason]++
	}
	if len(reasons) == 0 {
		b.WriteString("; every row mapped")
		return b.String()
	}
	keys := make([]string, 0, len(reasons))
	for k := range reasons {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(&b, "; not mapped (%s):", diag.Count(len(warnings), "warning"))
	for _, k := range keys {
		fmt.Fprintf(&b, "\n  %4d  %s", reasons[k], k)
	}
	return b.String()
}
