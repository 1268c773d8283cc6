package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// padlock runs the CLI in-process, as a user would from the repository root.
func padlock(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), append([]string{"padlock"}, args...), strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), code
}

const world = "../../fixtures/example/world"

func TestDecide(t *testing.T) {
	tests := []struct {
		name     string
		stdin    string
		args     []string
		wantCode int
		wantOut  []string
		wantErr  []string
	}{
		{
			name:     "allowed run as JSON",
			args:     []string{"decide", "--docs", world, "--input", "../../fixtures/example/queries/frank-runs-invoice-sync.json"},
			wantCode: 0,
			wantOut:  []string{`"allow": true`, `"role": "user"`, `"byocDialog": true`, `"selected": "conn-frank-outlook"`},
		},
		{
			name:     "denied invoke as text",
			args:     []string{"decide", "--docs", world, "--input", "../../fixtures/example/queries/bob-invokes-invoice-sync.json", "--format", "text"},
			wantCode: 0,
			wantOut:  []string{"DENY (role: co-owner)", "NOT_EMBEDDED [nw_sharepoint]"},
		},
		{
			name:     "--fail exits 1 on deny",
			args:     []string{"decide", "--docs", world, "--input", "../../fixtures/example/queries/carol-embeds-alices-reference.json", "--fail"},
			wantCode: 1,
			wantOut:  []string{"NOT_REFERENCE_OWNER"},
		},
		{
			name:     "query from stdin",
			stdin:    `{"action":"edit","principal":"user:dave@northwind.example","flow":"flow-legacy-report"}`,
			args:     []string{"decide", "-d", world, "-i", "-"},
			wantCode: 0,
			wantOut:  []string{`"allow": true`, `"role": "co-owner"`},
		},
		{
			name:     "invalid query exits 2 with the schema's message",
			stdin:    `{"action":"invoke","principal":"user:a@example.com","flow":"f"}`,
			args:     []string{"decide", "-d", world, "-i", "-"},
			wantCode: 2,
			wantErr:  []string{"missing properties: 'mode'"},
		},
		{
			name:     "malformed query",
			stdin:    `{"action":`,
			args:     []string{"decide", "-d", world, "-i", "-"},
			wantCode: 2,
			wantErr:  []string{"invalid JSON"},
		},
		{
			name:     "invalid documents exit 2 and evaluate nothing",
			stdin:    `{"action":"run","principal":"user:a@example.com","flow":"f"}`,
			args:     []string{"decide", "-d", "../../fixtures/invalid/truncated.json", "-i", "-"},
			wantCode: 2,
			wantErr:  []string{"truncated.json:3: invalid JSON", "nothing was evaluated"},
		},
		{
			name:     "missing --input",
			args:     []string{"decide", "-d", world},
			wantCode: 2,
			wantErr:  []string{"input"},
		},
		{
			name:     "unknown flag",
			args:     []string{"decide", "--bogus"},
			wantCode: 2,
			wantErr:  []string{"bogus"},
		},
		{
			name:     "bad format",
			stdin:    `{}`,
			args:     []string{"decide", "-i", "-", "--format", "xml"},
			wantCode: 2,
			wantErr:  []string{"unknown format"},
		},
		{
			name:     "no documents is an error, not a silent UNKNOWN_FLOW",
			stdin:    `{"action":"run","principal":"user:a@example.com","flow":"f"}`,
			args:     []string{"decide", "-i", "-"},
			wantCode: 2,
			wantErr:  []string{"decide needs documents", "--allow-empty"},
		},
		{
			name:     "--allow-empty decides over an empty world",
			stdin:    `{"action":"run","principal":"user:a@example.com","flow":"f"}`,
			args:     []string{"decide", "-i", "-", "--allow-empty"},
			wantCode: 0,
			wantOut:  []string{"UNKNOWN_FLOW"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := padlock(t, tt.stdin, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, out, errOut)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			if strings.Contains(errOut, "goroutine ") || strings.Contains(errOut, "panic") {
				t.Errorf("stack trace on stderr:\n%s", errOut)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("kind: Share\nflow: ghost\ngrants:\n  - principal: team:nobody\n    role: admin\n"), 0o644)

	out, errOut, code := padlock(t, "", "validate", world)
	if code != 0 || !strings.Contains(out, "valid: 21 documents (4 flows, 3 shares, 2 teams, 10 connections") {
		t.Errorf("valid world: exit %d\n%s%s", code, out, errOut)
	}
	_, errOut, code = padlock(t, "", "validate", bad)
	if code != 1 || !strings.Contains(errOut, "bad.yaml:5: document 0 at /grants/0/role: value must be one of") {
		t.Errorf("invalid: exit %d\n%s", code, errOut)
	}
	out, _, code = padlock(t, "", "validate", "--format", "json", bad)
	var got struct{ Errors []map[string]any }
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != 1 || len(got.Errors) != 1 {
		t.Errorf("json: exit %d, %v\n%s", code, err, out)
	}
	_, _, code = padlock(t, "", "validate")
	if code != 2 {
		t.Errorf("no paths: exit %d, want 2", code)
	}
}

func TestSchema(t *testing.T) {
	out, _, code := padlock(t, "", "schema", "DesktopFlow")
	if code != 0 || !strings.Contains(out, `"$id": "https://padlock.dev/schemas/desktopflow.json"`) {
		t.Errorf("exit %d\n%s", code, out)
	}
	out, _, _ = padlock(t, "", "schema")
	if !strings.Contains(out, "query") || !strings.Contains(out, "desktopflow") {
		t.Errorf("list: %s", out)
	}
	if _, _, code := padlock(t, "", "schema", "Nope"); code != 2 {
		t.Errorf("unknown kind: exit %d, want 2", code)
	}
}

func TestHelpHasExamples(t *testing.T) {
	for _, cmd := range []string{"decide", "validate", "schema"} {
		out, _, code := padlock(t, "", cmd, "--help")
		if code != 0 || !strings.Contains(out, "Example") {
			t.Errorf("%s --help: exit %d, no example:\n%s", cmd, code, out)
		}
	}
}
