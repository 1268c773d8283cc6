package main

import (
	"fmt"
	"log/slog"
	"math"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/KimMachineGun/automemlimit/memlimit"

	"github.com/urfave/cli/v2"

	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/server"
)

// serveGCPercent is the sidecar's garbage collection target: collect when
// the heap has grown by this much of what survived the last collection.
const serveGCPercent = 50

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "run the authorization sidecar (loopback HTTP, OPA-compatible)",
		Description: fmt.Sprintf(`serve answers decisions over HTTP before services start, edit or share a flow:
   POST /v1/decisions                  the query in, the decision out
   POST /v1/data/padlock/authz/decision OPA's Data API ({"input": ...} -> {"result": ...})
   PUT  /v1/documents                  write documents, all or nothing
   GET|DELETE /v1/documents/KIND/ID
   GET  /health[?bundles]   GET /metrics (Prometheus)
With no flags it listens on 127.0.0.1:8181 with the built-in policies and no
documents: every query is denied with a reason. --docs folders are watched
and SIGHUP reloads; an invalid change is refused and the last good world
keeps serving. --bundle and --config take policies from OPA bundles (any
bundle server, signed or not) and send decision logs as OPA's configuration
says. SIGTERM or SIGINT stop it gracefully. Memory: the garbage collector
runs at GOGC=%d and, in a container, under 90%% of its memory limit
(GOGC and GOMEMLIMIT, if set, win).

Example:
   padlock serve --docs fixtures/example/world
   curl -s localhost:8181/v1/decisions -d @fixtures/example/queries/frank-runs-invoice-sync.json
   padlock serve --config opa.yaml --token-file token --tls-cert cert.pem --tls-key key.pem`, serveGCPercent),
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "addr", Value: "127.0.0.1:8181", Usage: "listen on `HOST:PORT`"},
			docsFlag(),
			&cli.StringFlag{Name: "bundle", Usage: "take the policies from a bundle `PATH|URL`"},
			&cli.StringFlag{Name: "config", Usage: "OPA configuration `FILE` (services, bundles, keys, decision_logs, status)"},
			&cli.StringFlag{Name: "tls-cert", Usage: "serve HTTPS with this certificate `FILE`"},
			&cli.StringFlag{Name: "tls-key", Usage: "the certificate's private key `FILE`"},
			&cli.StringFlag{Name: "token-file", Usage: "require this bearer token (`FILE`) on everything but /health"},
			&cli.StringFlag{Name: "authorization", Value: "off", Usage: "`off` or basic: the administrative policy data.system.authz.allow decides every request but /health (as OPA's --authorization=basic; see policies/system/authz.rego)"},
			&cli.Int64Flag{Name: "max-body", Value: 1 << 20, Usage: "largest request body in `BYTES`"},
			&cli.IntFlag{Name: "max-depth", Value: 64, Usage: "deepest JSON nesting accepted"},
			&cli.StringFlag{Name: "id", Usage: "this instance's id in decision logs and status"},
			&cli.IntFlag{Name: "decision-cache", Value: engine.DefaultCacheSize, Usage: "decisions remembered per world (0: evaluate every query)"},
			&cli.DurationFlag{Name: "docs-rescan", Value: 30 * time.Second, Usage: "rescan --docs this often for changes the watcher missed (a replaced folder, a flipped symlink); 0 or less: never"},
			&cli.DurationFlag{Name: "docs-settle", Value: 300 * time.Millisecond, Usage: "apply a change of --docs only once the files stay unchanged this long (no half-written file is served)"},
			&cli.DurationFlag{Name: "docs-read-timeout", Value: 30 * time.Second, Usage: "give up a reread of --docs that takes longer (a file on a hung mount): the reload fails, the last good world keeps serving"},
			&cli.StringFlag{Name: "data-dir", Usage: "keep the documents API's writes in `DIR` across restarts (committed before every 2xx); without it they live in memory only"},
			&cli.StringFlag{Name: "import-from", Usage: "keep the world in step with the tenant: fetch its Dataverse collections from `https://ORG.crm.dynamics.com`"},
			&cli.StringFlag{Name: "import-token-file", Usage: "the bearer token for --import-from (`FILE`, reread at each import)"},
			&cli.StringFlag{Name: "import-connections-url", Usage: "fetch the environment's connections from the admin API (`URL`)"},
			&cli.StringFlag{Name: "import-connections-token-file", Usage: "the bearer token for --import-connections-url (`FILE`)"},
			&cli.DurationFlag{Name: "import-every", Value: 10 * time.Minute, Usage: "how often to import"},
			&cli.DurationFlag{Name: "import-timeout", Value: time.Minute, Usage: "time limit of each request of an import"},
			&cli.StringFlag{Name: "import-environment", Usage: "the imported documents' environment (default: the organisation's name)"},
			quietFlag(),
		},
		Action: func(c *cli.Context) error {
			cfg := server.Config{
				Addr: c.String("addr"), Docs: c.StringSlice("docs"), Bundle: c.String("bundle"),
				TLSCert: c.String("tls-cert"), TLSKey: c.String("tls-key"),
				MaxBodyBytes: c.Int64("max-body"), MaxJSONDepth: c.Int("max-depth"), ID: c.String("id"),
				Logger:          slog.New(slog.NewTextHandler(c.App.ErrWriter, nil)),
				EngineOptions:   []engine.Option{engine.WithDecisionCache(c.Int("decision-cache"))},
				Progress:        meter(c),
				DataDir:         c.String("data-dir"),
				DocsRescan:      rescanFlag(c.Duration("docs-rescan")),
				DocsSettle:      c.Duration("docs-settle"),
				DocsReadTimeout: c.Duration("docs-read-timeout"),
				Authorization:   c.String("authorization"),
			}
			if cfg.Authorization != "off" && cfg.Authorization != "basic" {
				return usageError("--authorization %q: want off or basic", cfg.Authorization)
			}
			if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
				return usageError("--tls-cert and --tls-key go together")
			}
			if f := c.String("config"); f != "" {
				b, err := os.ReadFile(f)
				if err != nil {
					return usageError("--config: %v", err)
				}
				cfg.OPAConfig = b
			}
			if f := c.String("token-file"); f != "" {
				b, err := os.ReadFile(f)
				if err != nil {
					return usageError("--token-file: %v", err)
				}
				if cfg.Token = strings.TrimSpace(string(b)); cfg.Token == "" {
					return usageError("--token-file: the file is empty")
				}
			}
			fetch, err := fetchFromFlags(c, fetchFlags{"import-from", "import-token-file", "import-connections-url", "import-connections-token-file", "import-timeout"})
			if err != nil {
				return err
			}
			if fetch != nil {
				cfg.Import = &server.ImportConfig{Fetch: *fetch, Every: c.Duration("import-every"), Environment: c.String("import-environment")}
			}
			// In a container, let the garbage collector work harder before
			// the container's memory limit is reached rather than be killed
			// at it (as Go services commonly do; GOMEMLIMIT, if set, wins).
			switch limit, err := memlimit.Set(); {
			case err != nil: // no cgroup to read (not in a container): nothing to limit
				cfg.Logger.Debug("no memory limit from a container", "err", err)
			case limit < math.MaxInt64:
				cfg.Logger.Info("garbage collection works to stay under a memory limit", "GOMEMLIMIT", limit)
			}
			// Most of a sidecar's heap is the world, which lives as long as
			// the process: Go's default (collect when the heap has grown by
			// 100 %) lets garbage grow as large as the whole world. Half of
			// it keeps 100,000 flows under 1 GiB resident for about a tenth
			// of its decisions/s (README, "Sidecar under writes"). GOGC, if
			// set, wins: a host with memory to spare can buy the tenth back.
			if _, set := os.LookupEnv("GOGC"); !set {
				debug.SetGCPercent(serveGCPercent)
			}
			srv, err := server.New(c.Context, cfg)
			if err != nil {
				return cli.Exit("padlock: "+err.Error(), exitUnusable)
			}
			ln, err := srv.Listen()
			if err != nil {
				return cli.Exit("padlock: "+err.Error(), exitUnusable)
			}
			if err := srv.Run(c.Context, ln); err != nil {
				return cli.Exit("padlock: "+err.Error(), exitUnusable)
			}
			return nil
		},
	}
}

// rescanFlag maps --docs-rescan 0 (never) to the server's "negative: never".
func rescanFlag(d time.Duration) time.Duration {
	if d <= 0 {
		return -1
	}
	return d
}
