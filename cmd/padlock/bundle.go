package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/padlock/padlock/bundles"
	"github.com/padlock/padlock/engine/diag"
	"github.com/padlock/padlock/engine/pack"
	"github.com/padlock/padlock/policies"
)

func bundleCommand() *cli.Command {
	return &cli.Command{
		Name:  "bundle",
		Usage: "build, sign and verify OPA bundles of the policies",
		Subcommands: []*cli.Command{
			{
				Name:  "build",
				Usage: "pack the policies and their static data into an OPA bundle",
				Description: `build packs the policies (without their tests) and the static data under
bundles/ into an OPA bundle: a .tar.gz with a .manifest (revision, roots
["padlock", "system/authz"]) that opa run --server --bundle accepts as it is. The policies
are compiled first: a bundle that would not compile is never written. With
--signing-key the bundle is signed as opa build signs (.signatures.json).

Example:
   padlock bundle build -o padlock.tar.gz
   padlock bundle build -o padlock.tar.gz --signing-key private.pem --signing-alg RS256`,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "bundle.tar.gz", Usage: "write the bundle to `FILE` (- for standard output)"},
					&cli.StringFlag{Name: "policies", Usage: "pack the .rego files under `DIR` (default: the built-in policies)"},
					&cli.StringFlag{Name: "data", Usage: "pack the data.json files under `DIR` (default: the built-in bundles/ data)"},
					&cli.StringSliceFlag{Name: "docs", Usage: "pack the documents under `PATH` (files, folders, dumps; repeatable), validated as one world, at padlock/documents: sidecars that activate the bundle decide over them"},
					&cli.StringFlag{Name: "revision", Usage: "the manifest's revision (default: build time)"},
					&cli.StringFlag{Name: "signing-key", Usage: "sign with this PEM private key or HMAC secret (`FILE` or value)"},
					&cli.StringFlag{Name: "signing-alg", Value: "RS256", Usage: "signing algorithm (RS256, ES256, HS256, ...)"},
					&cli.StringFlag{Name: "key-id", Usage: "the key id written in the signature (default: \"default\")"},
				},
				Action: func(c *cli.Context) error {
					opts := pack.BuildOptions{Policies: policies.FS, Data: bundles.FS, Revision: c.String("revision"),
						SigningKey: c.String("signing-key"), SigningAlg: c.String("signing-alg"), KeyID: c.String("key-id")}
					if d := c.String("policies"); d != "" {
						opts.Policies = os.DirFS(d)
					}
					if d := c.String("data"); d != "" {
						opts.Data = os.DirFS(d)
					}
					if opts.Revision == "" {
						opts.Revision = time.Now().UTC().Format("20060102T150405Z")
					}
					if paths := c.StringSlice("docs"); len(paths) > 0 {
						eng, err := newEngine(c)
						if err != nil {
							return err
						}
						docs, w, _ := readValid(c, eng, eng.Sources(), paths)
						if w == nil {
							return cli.Exit("padlock: the documents are invalid or unreadable: no bundle was written", exitUnusable)
						}
						for _, d := range docs {
							opts.Documents = append(opts.Documents, d.Generic())
						}
					}
					b, err := pack.Build(c.Context, opts)
					if err != nil {
						return cli.Exit("padlock: "+err.Error(), exitUnusable)
					}
					var w io.Writer = c.App.Writer
					if out := c.String("output"); out != "-" {
						f, err := os.Create(out)
						if err != nil {
							return cli.Exit("padlock: "+err.Error(), exitUnusable)
						}
						defer f.Close()
						w = f
						defer fmt.Fprintf(c.App.ErrWriter, "wrote %s (revision %s, %s, signed: %t)\n", out, b.Manifest.Revision, diag.Count(len(b.Modules), "module"), opts.SigningKey != "")
					}
					if err := pack.Write(w, b); err != nil {
						return cli.Exit("padlock: "+err.Error(), exitUnusable)
					}
					return nil
				},
			},
			{
				Name:      "verify",
				Usage:     "check a bundle's signature",
				ArgsUsage: "FILE",
				Description: `verify reads a bundle and checks its .signatures.json with the key, as OPA
does before it activates a bundle: a file changed after signing, a missing
signature or the wrong key is refused. Exit 0 valid, 1 refused, 2 unusable.

Example:
   padlock bundle verify --verification-key public.pem padlock.tar.gz`,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "verification-key", Required: true, Usage: "PEM public key or HMAC secret (`FILE` or value)"},
					&cli.StringFlag{Name: "verification-alg", Value: "RS256", Usage: "signature algorithm"},
					&cli.StringFlag{Name: "key-id", Usage: "the key's id (default: \"default\"; the bundle's own key id is not needed)"},
				},
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return usageError("verify needs one bundle FILE")
					}
					if err := pack.CheckKey(c.String("verification-key"), c.String("verification-alg")); err != nil {
						return cli.Exit("padlock: --verification-key: "+err.Error(), exitUnusable)
					}
					b, err := pack.ReadFile(c.Args().First(), &pack.VerifyOptions{Key: c.String("verification-key"), Alg: c.String("verification-alg"), KeyID: c.String("key-id")})
					if err != nil {
						return cli.Exit("padlock: refused: "+err.Error(), exitFindings)
					}
					fmt.Fprintf(c.App.Writer, "%s: signature verified (revision %s, %s)\n", c.Args().First(), b.Manifest.Revision, diag.Count(len(b.Modules), "module"))
					return nil
				},
			},
		},
	}
}
