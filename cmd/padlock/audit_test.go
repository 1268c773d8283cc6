package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestAuditCommand(t *testing.T) {
	const fx = "fixtures/audit"
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{"errors fail by default", []string{"audit", "-e", "northwind-prod", "--docs", fx + "/docs", fx + "/pac-solution"}, 1, "PL001", ""},
		{"fail-on above every finding", []string{"audit", "--fail-on", "error", "--docs", fx + "/docs/orphan.yaml", fx + "/webapi/workflows.json"}, 1, "PL011", ""},
		{"nothing at or above warning", []string{"audit", "--fail-on", "warning", "--allow-empty", "fixtures/example/world/teams.yaml", "fixtures/example/world/connections.yaml"}, 0, "0 errors, 0 warnings", ""},
		{"no flow at all is an error", []string{"audit", "fixtures/example/world/teams.yaml"}, 2, "0 desktop flows", "no desktop or cloud flow found"},
		{"the summary names the environment", []string{"audit", "-e", "northwind-prod", fx + "/pac-solution"}, 1, `audited for environment "northwind-prod"`, ""},
		{"an environment no document is in is a warning", []string{"audit", "-e", "northwind-dve", "--docs", fx + "/docs", fx + "/pac-solution"}, 1, `warning: environment "northwind-dve" matches none of the documents`, ""},
		{"flags after the inputs", []string{"audit", fx + "/pac-solution", "--format", "json", "--fail-on", "info"}, 1, `"findings": [`, ""},
		{"-- ends the flags", []string{"audit", "--format", "json", "--", fx + "/pac-solution"}, 1, `"findings": [`, ""},
		{"an unreadable input exits 2 after reporting the rest", []string{"audit", fx + "/bad/escape.zip", fx + "/pac-solution"}, 2, "Invoice sync", "could not be audited"},
		{"sarif", []string{"audit", "--format", "sarif", fx + "/pac-solution"}, 1, `"version": "2.1.0"`, ""},
		{"junit", []string{"audit", "--format", "junit", fx + "/pac-solution"}, 1, "<testsuites", ""},
		{"bad flag", []string{"audit", "--fail-on", "fatal", fx}, 2, "", "unknown severity"},
		{"--jobs below 1", []string{"audit", "--jobs", "0", fx}, 2, "", "--jobs: want 1 or more"},
		{"--jobs 1 reads as --jobs 4 does", []string{"audit", "-j", "1", "-e", "northwind-prod", "--docs", fx + "/docs", fx + "/pac-solution"}, 1, "PL001", ""},
		{"no input", []string{"audit"}, 2, "", "at least one INPUT"},
		{"a cache that cannot be made", []string{"audit", "--cache", "go.mod/cache", fx + "/solution.zip"}, 2, "", "--cache: cache go.mod/cache"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := exe(t, "../..", tt.args...)
			if code != tt.wantCode || !strings.Contains(out, tt.wantOut) || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("exit %d (want %d)\nstdout: %.600s\nstderr: %s", code, tt.wantCode, out, errOut)
			}
		})
	}
	// --cache: the second audit of a zip reads it from the cache and says
	// the same.
	cache := t.TempDir()
	args := []string{"audit", "--format", "sarif", "-e", "northwind-prod", "--docs", fx + "/docs", "--cache", cache, fx + "/solution.zip"}
	cold, _, coldCode := exe(t, "../..", args...)
	warm, errOut, warmCode := exe(t, "../..", args...)
	if entries, _ := filepath.Glob(filepath.Join(cache, strings.Repeat("?", 64))); len(entries) != 1 || cold != warm || coldCode != 1 || warmCode != 1 || !strings.Contains(warm, "PL001") {
		t.Errorf("--cache: %d entries, exit %d then %d, same output %v\nstderr: %s", len(entries), coldCode, warmCode, cold == warm, errOut)
	}
	out, _, _ := exe(t, "../..", "audit", "--format", "json", fx+"/pac-solution")
	var rep struct {
		Findings []struct{ Rule, Flow, Message string }
		Rules    []struct{ ID, Severity string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Findings) == 0 || len(rep.Rules) != 12 {
		t.Errorf("json: %v, %d findings, %d rules", err, len(rep.Findings), len(rep.Rules))
	}
}
