package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/padlock/padlock/engine/dataverse/dataversetest"
)

// cliCase is one invocation of the built binary from the repository root
// and what a user relies on: the exit code and words on stdout and stderr.
type cliCase struct {
	name     string
	args     []string
	wantCode int
	wantOut  []string
	wantErr  []string
	denyOut  []string // must not appear on stdout
}

func runCLICases(t *testing.T, tests []cliCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := exe(t, "../..", tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout: %.800s\nstderr: %.800s", code, tt.wantCode, out, errOut)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%.800s", w, out)
				}
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%.800s", w, errOut)
				}
			}
			for _, w := range tt.denyOut {
				if strings.Contains(out, w) {
					t.Errorf("stdout has %q:\n%.800s", w, out)
				}
			}
		})
	}
}

// TestFlagsAnywhere: every command takes its flags before or after its
// positional arguments, as opa and conftest do; "--" ends the flags.
func TestFlagsAnywhere(t *testing.T) {
	const q = "fixtures/example/queries/bob-invokes-invoice-sync.json"
	runCLICases(t, []cliCase{
		{name: "decide: docs as arguments, then --input", args: []string{"decide", "fixtures/example/world/flows.yaml", "fixtures/example/world", "--input", q},
			wantCode: 2, wantErr: []string{"duplicate DesktopFlow id"}}, // both paths were read as documents, --input as the query
		{name: "decide: --docs with two paths, then --input", args: []string{"decide", "--docs", "fixtures/example/world", "fixtures/example/world/../world/flows.yaml", "--input", q},
			wantCode: 2, wantErr: []string{"duplicate DesktopFlow id"}},
		{name: "decide: flags after everything", args: []string{"decide", "fixtures/example/world", "--input", q, "--format", "text"},
			wantCode: 0, wantOut: []string{"DENY (role: co-owner)", "NOT_EMBEDDED"}},
		{name: "validate: path first, flag after", args: []string{"validate", "fixtures/example/world", "--format", "json"},
			wantCode: 0, wantOut: []string{`"errors": []`}},
		{name: "audit: input first, flags after", args: []string{"audit", "fixtures/audit/pac-solution", "--format", "json", "-e", "northwind-prod"},
			wantCode: 1, wantOut: []string{`"findings": [`, `"environment": "northwind-prod"`}},
		{name: "test: path first, --run after, --format text as everywhere", args: []string{"test", "policies", "--run", "embed", "--format", "text"},
			wantCode: 0, wantOut: []string{"PASS"}},
		{name: "check: dir then flag", args: []string{"check", "policies", "--help"},
			wantCode: 0, wantOut: []string{"padlock check"}},
		{name: "fmt: path then flag", args: []string{"fmt", "policies", "--fail"},
			wantCode: 0},
		{name: "schema: kind then flag", args: []string{"schema", "Share", "--help"},
			wantCode: 0, wantOut: []string{"padlock schema"}},
		{name: "bundle verify: file then key", args: []string{"bundle", "verify", "nope.tar.gz", "--verification-key", "./nope.pem"},
			wantCode: 2, wantErr: []string{"key file ./nope.pem: no such file"}},
		{name: "-- ends the flags", args: []string{"validate", "--", "--format"},
			wantCode: 2, wantErr: []string{"--format: no such file"}},
	})
}

// TestExitCodes: the README's table. 0 ok, 1 a policy outcome, 2 the
// command could not do its job.
func TestExitCodes(t *testing.T) {
	runCLICases(t, []cliCase{
		{name: "help", args: []string{"help"}, wantCode: 0, wantOut: []string{"COMMANDS:", "decide", "version"}},
		{name: "help of a command", args: []string{"help", "audit"}, wantCode: 0, wantOut: []string{"padlock audit"}},
		{name: "help of an unknown command", args: []string{"help", "nope"}, wantCode: 2, wantErr: []string{`unknown command "nope"`}},
		{name: "unknown command", args: []string{"nope"}, wantCode: 2, wantErr: []string{`unknown command "nope"`}, denyOut: []string{"No help topic"}},
		{name: "version", args: []string{"version"}, wantCode: 0, wantOut: []string{"padlock ", "OPA 1.", "Go go1."}},
		{name: "unknown flag", args: []string{"validate", "--colour", "x"}, wantCode: 2, wantErr: []string{"flag provided but not defined"}},
		{name: "validate: a missing file", args: []string{"validate", "nope.yaml"}, wantCode: 2, wantErr: []string{"nope.yaml: no such file"}},
		{name: "validate: an invalid document", args: []string{"validate", "fixtures/invalid/truncated.json"}, wantCode: 1, wantErr: []string{"1 error"}},
		{name: "validate: valid", args: []string{"validate", "fixtures/example/world"}, wantCode: 0, wantOut: []string{"valid: 21 documents", "0 warnings"}},
		{name: "decide: deny with --fail", args: []string{"decide", "-d", "fixtures/example/world", "-i", "fixtures/example/queries/bob-invokes-invoice-sync.json", "--fail"}, wantCode: 1},
		{name: "decide: an unreadable query", args: []string{"decide", "-d", "fixtures/example/world", "-i", "nope.json"}, wantCode: 2},
		{name: "audit: findings at --fail-on", args: []string{"audit", "-e", "northwind-prod", "fixtures/audit/pac-solution"}, wantCode: 1},
		{name: "audit: an unreadable input", args: []string{"audit", "nope.zip"}, wantCode: 2},
	})
}

// TestMalformedQueries: a principal or flow that is not well-formed is an
// invalid query (exit 2, with the JSON pointer), never a silent deny.
func TestMalformedQueries(t *testing.T) {
	for _, tt := range []struct{ name, query, pointer string }{
		{"a principal without its prefix that is no e-mail", `{"action":"run","principal":"frank","flow":"flow-invoice-sync"}`, "/principal"},
		{"a principal with a trailing space", `{"action":"run","principal":"user:frank@northwind.example ","flow":"flow-invoice-sync"}`, "/principal"},
		{"a flow with a leading space", `{"action":"run","principal":"user:frank@northwind.example","flow":" flow-invoice-sync"}`, "/flow"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := padlock(t, tt.query, "decide", "-d", world, "-i", "-")
			if code != 2 || !strings.Contains(errOut, "at "+tt.pointer) {
				t.Errorf("exit %d, want 2 with %s\n%s", code, tt.pointer, errOut)
			}
		})
	}
	// Both spellings of one user get the same answer; a bare e-mail is the user.
	for _, p := range []string{"user:frank@northwind.example", "frank@northwind.example", "user:Frank@Northwind.Example"} {
		out, _, code := padlock(t, `{"action":"run","principal":"`+p+`","flow":"flow-invoice-sync"}`, "decide", "-d", world, "-i", "-")
		if code != 0 || !strings.Contains(out, `"allow": true`) {
			t.Errorf("%s: exit %d\n%s", p, code, out)
		}
	}
}

// TestAuditOutputsAgree: an input that could not be audited is in every
// format, and JUnit fails only what --fail-on fails.
func TestAuditOutputsAgree(t *testing.T) {
	out, _, code := exe(t, "../..", "audit", "--format", "sarif", "fixtures/audit/bad/escape.zip", "fixtures/audit/pac-solution")
	var sarif struct {
		Runs []struct {
			Invocations []struct {
				ExecutionSuccessful        bool `json:"executionSuccessful"`
				ToolExecutionNotifications []struct {
					Level   string
					Message struct{ Text string }
				} `json:"toolExecutionNotifications"`
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &sarif); err != nil || code != 2 || len(sarif.Runs) != 1 || len(sarif.Runs[0].Invocations) != 1 {
		t.Fatalf("sarif: exit %d, %v\n%.600s", code, err, out)
	}
	inv := sarif.Runs[0].Invocations[0]
	if inv.ExecutionSuccessful || len(inv.ToolExecutionNotifications) != 1 || !strings.Contains(inv.ToolExecutionNotifications[0].Message.Text, "escape.zip") {
		t.Errorf("sarif invocation: %+v", inv)
	}
	out, _, _ = exe(t, "../..", "audit", "--format", "sarif", "fixtures/audit/pac-solution")
	if !strings.Contains(out, `"executionSuccessful": true`) {
		t.Errorf("a clean read is a successful run:\n%.400s", out)
	}

	// The pac solution has error, warning and info findings.
	failures := func(failOn string) (int, int) {
		out, _, _ := exe(t, "../..", "audit", "--format", "junit", "--fail-on", failOn, "fixtures/audit/pac-solution")
		return strings.Count(out, "<failure "), strings.Count(out, "<testcase ")
	}
	fErr, all := failures("error")
	fInfo, _ := failures("info")
	if fErr == 0 || fErr >= fInfo || fInfo != all {
		t.Errorf("junit failures: %d at error, %d at info, of %d cases", fErr, fInfo, all)
	}
}

// TestSigningKeys: a key that looks like a file must be one, and a PEM
// that does not parse names its file.
func TestSigningKeys(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "broken.pem")
	if err := os.WriteFile(bad, []byte("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(dir, "key.txt")
	if err := os.WriteFile(notPEM, []byte("just words"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "b.tar.gz")
	runCLICases(t, []cliCase{
		{name: "a missing key file", args: []string{"bundle", "build", "-o", out, "--signing-key", "./secret.txt"},
			wantCode: 2, wantErr: []string{"key file ./secret.txt: no such file"}},
		{name: "a PEM that does not parse", args: []string{"bundle", "build", "-o", out, "--signing-key", bad},
			wantCode: 2, wantErr: []string{bad, "holds no key"}},
		{name: "not PEM at all", args: []string{"bundle", "build", "-o", out, "--signing-key", notPEM},
			wantCode: 2, wantErr: []string{notPEM, "not a PEM key"}},
		{name: "an HMAC secret from a file", args: []string{"bundle", "build", "-o", out, "--signing-key", notPEM, "--signing-alg", "HS256"},
			wantCode: 0, wantErr: []string{"signed: true"}},
	})
	if _, err := os.Stat(out); err != nil {
		t.Errorf("the HMAC-signed bundle was not written: %v", err)
	}
}

// TestEval: any Rego query over the policies and the world, as opa eval.
func TestEval(t *testing.T) {
	runCLICases(t, []cliCase{
		{name: "a function of the rules", args: []string{"eval", "--docs", "fixtures/example/world", "--format", "text",
			`data.padlock.roles.role(data.world.flows["flow-invoice-sync"], "user:frank@northwind.example")`},
			wantCode: 0, wantOut: []string{`"user"`}},
		{name: "a rule with an input, flags after the query", args: []string{"eval", "data.padlock.authz.deny", "-d", "fixtures/example/world",
			"-i", "fixtures/example/queries/bob-invokes-invoice-sync.json"},
			wantCode: 0, wantOut: []string{`"expressions"`, "NOT_EMBEDDED"}},
		{name: "undefined", args: []string{"eval", "-d", "fixtures/example/world", "data.padlock.nope"},
			wantCode: 1, wantOut: []string{"{}"}, wantErr: []string{"undefined"}},
		{name: "a query that does not parse", args: []string{"eval", "-d", "fixtures/example/world", "data.padlock["},
			wantCode: 2, wantErr: []string{"rego_parse_error"}},
		{name: "an invalid input", args: []string{"eval", "-d", "fixtures/example/world", "-i", "fixtures/invalid/truncated.json", "data.padlock.authz.allow"},
			wantCode: 2, wantErr: []string{"invalid query"}},
	})
}

// TestProgressOnlyOnATerminal: progress goes to stderr when it is a
// terminal (here a pseudo-terminal made by script(1)), and --quiet or a
// pipe silences it.
func TestProgressOnlyOnATerminal(t *testing.T) {
	_, errOut, code := exe(t, "../..", "validate", "fixtures/example/world")
	if code != 0 || strings.Contains(errOut, "\r") || strings.Contains(errOut, "documents validated") {
		t.Errorf("progress off a terminal: exit %d, stderr %q", code, errOut)
	}
	scriptCmd, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script(1) is not installed: no pseudo-terminal to test progress on")
	}
	run := func(args string) string {
		out, err := exec.Command(scriptCmd, "-qec", binary(t)+" "+args, "/dev/null").CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if out := run("validate ../../fixtures/example/world"); !strings.Contains(out, "\x1b[Kpadlock: ") || !strings.Contains(out, "files read") || !strings.Contains(out, "valid: 21 documents") {
		t.Errorf("no progress on a terminal:\n%q", out)
	}
	if out := run("validate --quiet ../../fixtures/example/world"); strings.Contains(out, "files read") {
		t.Errorf("--quiet still shows progress:\n%q", out)
	}
	if out := run("audit --quiet=false -e northwind-prod --fail-on info --allow-empty ../../fixtures/audit/pac-solution || true"); !strings.Contains(out, "desktop flows read") {
		t.Errorf("no audit progress on a terminal:\n%q", out)
	}
}

// TestImport: dumps to documents, from a folder and live, byte for byte
// the same; a fetch that fails writes nothing and never shows the token;
// a dump folder works as --docs directly.
func TestImport(t *testing.T) {
	const prod = "fixtures/dataverse/northwind-prod"
	dir := t.TempDir()
	fromFiles, fromAPI, failed := filepath.Join(dir, "files"), filepath.Join(dir, "api"), filepath.Join(dir, "failed")
	token := filepath.Join(dir, "token")
	if err := os.WriteFile(token, []byte("s3cret-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := dataversetest.New(t, "../../"+prod, dataversetest.Options{Token: "s3cret-token", Throttle: []string{"teams"}, Unavailable: []string{"connections"}})
	broken := dataversetest.New(t, "../../"+prod, dataversetest.Options{Token: "s3cret-token", Fail: []string{"principalobjectaccessset"}})
	runCLICases(t, []cliCase{
		{name: "from a dump folder", args: []string{"import", "-o", fromFiles, prod},
			wantCode: 0, wantErr: []string{"imported: 4 desktop flows, 3 shares, 3 teams, 2 role assignments, 8 connections", "3  disabled user", "principalobjectaccessset.json: warning: at /value/7: share of an unknown flow"}},
		{name: "live, paged and throttled", args: []string{"import", "-o", fromAPI, "--url", srv.URL, "--token-file", token,
			"--connections-url", srv.URL + "/connections", "--connections-token-file", token},
			wantCode: 0, wantErr: []string{"imported: 4 desktop flows"}},
		{name: "a fetch failing mid-way writes nothing", args: []string{"import", "-o", failed, "--url", broken.URL, "--token-file", token},
			wantCode: 2, wantErr: []string{"fetch failed, nothing was written", "500"}},
		{name: "a token file is required", args: []string{"import", "--url", srv.URL},
			wantCode: 2, wantErr: []string{"--token-file is needed"}},
		{name: "a dump folder as --docs of audit", args: []string{"audit", "-e", "northwind-prod", "--docs", prod, "--format", "json", prod + "/workflows.json"},
			wantCode: 1, wantOut: []string{`"rule": "PL001"`, `"flowName": "Invoice sync"`}},
		{name: "the written documents are valid", args: []string{"validate", fromFiles},
			wantCode: 0, wantOut: []string{"valid: 20 documents"}},
	})
	if _, err := os.Stat(failed); !os.IsNotExist(err) {
		t.Errorf("a failed fetch created %s", failed)
	}
	for _, name := range []string{"flows.yaml", "shares.yaml", "teams.yaml", "connections.yaml", "roleassignments.yaml"} {
		a, errA := os.ReadFile(filepath.Join(fromFiles, name))
		b, errB := os.ReadFile(filepath.Join(fromAPI, name))
		if errA != nil || errB != nil || string(a) != string(b) {
			t.Errorf("%s: from files and live differ (%v, %v)", name, errA, errB)
		}
	}
	_, errOut, _ := exe(t, "../..", "import", "--url", broken.URL, "--token-file", token)
	if strings.Contains(errOut, "s3cret") {
		t.Errorf("the token was printed:\n%s", errOut)
	}
	out, _, code := padlock(t, `{"action":"run","principal":"Frank@northwind.example","flow":"3a1e0c4b-0001-4c1d-9a00-00000000f001"}`,
		"decide", "--docs", "../../"+prod, "-i", "-", "--format", "text")
	if code != 0 || !strings.Contains(out, "ALLOW (role: user)") {
		t.Errorf("decide over a dump folder: exit %d\n%s", code, out)
	}
}

func TestWhoCanAndWhatCan(t *testing.T) {
	const w = "fixtures/example/world"
	runCLICases(t, []cliCase{
		{name: "who can run, with plans", args: []string{"who-can", "--docs", w, "run", "flow-invoice-sync"}, wantCode: 0,
			wantOut: []string{"who can run flow-invoice-sync: 7 principals", "user:frank@northwind.example         user      via share",
				"nw_sharepoint: byoc, no compatible connection", "user:dave@northwind.example          co-owner  via security role System Administrator (team:it-admins)"}},
		{name: "who can invoke: nobody when a reference is not embedded", args: []string{"who-can", "invoke", "flow-invoice-sync", "--mode", "attended", "-d", w}, wantCode: 0,
			wantOut: []string{"who can invoke flow-invoice-sync: 0 principals"}},
		{name: "who can embed: the reference's owner", args: []string{"who-can", "-d", w, "embed", "flow-invoice-sync", "--reference", "nw_sharepoint", "--format", "json"}, wantCode: 0,
			wantOut: []string{`"principal": "user:alice@northwind.example"`}, denyOut: []string{"bob"}},
		{name: "who can, among some", args: []string{"who-can", "-d", w, "run", "flow-invoice-sync", "--principal", "Frank@Northwind.example", "--principal", "user:nobody@northwind.example"}, wantCode: 0,
			wantOut: []string{"who can run flow-invoice-sync: 1 principal", "user:frank@northwind.example"}, denyOut: []string{"dave", "nobody"}},
		{name: "who can: an unknown flow", args: []string{"who-can", "-d", w, "edit", "nope"}, wantCode: 2, wantErr: []string{"no desktop flow"}},
		{name: "who can: invoke needs a mode", args: []string{"who-can", "-d", w, "invoke", "flow-invoice-sync"}, wantCode: 2, wantErr: []string{"missing properties: 'mode'"}},
		{name: "what can a run-only user", args: []string{"what-can", "-d", w, "Frank@Northwind.example"}, wantCode: 0,
			wantOut: []string{"3 flows", "flow-desktop-cleanup (Desktop cleanup, northwind-prod) as user", "run: nw_outlook: byoc conn-frank-outlook (1 candidate)"}},
		{name: "what can, some actions", args: []string{"what-can", "-d", w, "user:bob@northwind.example", "--action", "embed", "--action", "unembed"}, wantCode: 0,
			wantOut: []string{"flow-vendor-onboarding", "embed nw_dataverse"}, denyOut: []string{"flow-invoice-sync"}},
		{name: "what can, among some flows", args: []string{"what-can", "-d", w, "Frank@Northwind.example", "--flow", "flow-desktop-cleanup", "--flow", "nope"}, wantCode: 0,
			wantOut: []string{"1 flow", "flow-desktop-cleanup"}, denyOut: []string{"flow-invoice-sync"}},
		{name: "what can: a malformed principal", args: []string{"what-can", "-d", w, "frank"}, wantCode: 2, wantErr: []string{"at /principal"}},
	})
}

func TestRemediesAndWhatIf(t *testing.T) {
	dir := t.TempDir()
	changes := filepath.Join(dir, "embed.yaml")
	if err := os.WriteFile(changes, []byte(`- op: put
  document:
    kind: Share
    flow: flow-legacy-report
    grants: [{principal: "frank@northwind.example", role: co-owner}]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, code := padlock(t, `{"action":"invoke","principal":"user:bob@northwind.example","flow":"flow-invoice-sync","mode":"attended"}`,
		"decide", "-d", world, "-i", "-", "--format", "text")
	if code != 0 || !strings.Contains(out, "remedies:\n  NOT_EMBEDDED [nw_sharepoint]: user:alice@northwind.example embeds") || !strings.Contains(out, "by: user:alice@northwind.example") {
		t.Errorf("remedies in text: %d\n%s", code, out)
	}
	out, _, code = padlock(t, `{"action":"edit","principal":"frank@northwind.example","flow":"flow-legacy-report"}`,
		"decide", "-d", world, "-i", "-", "--what-if", changes, "--format", "text", "--fail")
	if code != 0 || !strings.Contains(out, "allow: false → true") || !strings.Contains(out, "after:\nALLOW (role: co-owner)") {
		t.Errorf("what-if: %d\n%s", code, out)
	}
}
