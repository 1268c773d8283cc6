package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/padlock/padlock/engine/pack"
	"github.com/padlock/padlock/engine/pack/packtest"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// TestMain removes the binary the tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// binary builds padlock once per test run: these tests run it as a user does.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "padlock-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "padlock")
		if runtime.GOOS == "windows" {
			binPath += ".exe"
		}
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("build padlock: %v", buildErr)
	}
	return binPath
}

// exe runs the built binary in dir.
func exe(t *testing.T, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Dir = dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(errOut.String(), "goroutine ") {
		t.Errorf("stack trace:\n%s", errOut.String())
	}
	return out.String(), errOut.String(), code
}

// project copies the repository's policies and fixtures into a scratch
// folder that a test may break.
func project(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, sub := range []string{"policies", "fixtures"} {
		if err := os.CopyFS(filepath.Join(dir, sub), os.DirFS(filepath.Join("../..", sub))); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestTestCommand(t *testing.T) {
	root := "../.."
	out, errOut, code := exe(t, root, "test")
	if code != 0 || !strings.Contains(out, "FAIL 0") {
		t.Fatalf("the repository's tests: exit %d\n%s%s", code, out, errOut)
	}

	out, _, code = exe(t, root, "test", "--run", "NOT_EMBEDDED|not embedded", "--format", "json")
	var rep struct {
		Pass, Fail int
		Fixtures   []struct{ Case string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 || rep.Fail != 0 || len(rep.Fixtures) == 0 {
		t.Fatalf("--run with json: exit %d, %v\n%s", code, err, out)
	}
	for _, f := range rep.Fixtures {
		if !strings.Contains(strings.ToLower(f.Case), "embedded") {
			t.Errorf("--run let through %q", f.Case)
		}
	}

	out, _, code = exe(t, root, "test", "--coverage", "--threshold", "90")
	if code != 0 || !strings.Contains(out, "total") || strings.Contains(out, "_test.rego") {
		t.Errorf("coverage: exit %d\n%s", code, out)
	}
	if _, errOut, code := exe(t, root, "test", "--coverage", "--threshold", "100.1"); code != 1 || !strings.Contains(errOut, "below the threshold") {
		t.Errorf("threshold above coverage: exit %d\n%s", code, errOut)
	}

	out, _, code = exe(t, root, "test", "--format", "junit", "--run", "owner")
	if code != 0 || !strings.Contains(out, "<testsuites") || !strings.Contains(out, `<testcase name="the owner may edit"`) {
		t.Errorf("junit: exit %d\n%s", code, out)
	}
}

func TestTestCommandFailures(t *testing.T) {
	t.Run("failing case shows table, case, input and diff", func(t *testing.T) {
		dir := project(t)
		p := filepath.Join(dir, "fixtures/decisions/roles_test.yaml")
		b, _ := os.ReadFile(p)
		os.WriteFile(p, bytes.Replace(b, []byte("expect: {allow: true, role: owner, reasons: []}"), []byte("expect: {allow: false, role: owner, reasons: [NO_ACCESS]}"), 1), 0o644)
		out, _, code := exe(t, dir, "test")
		for _, want := range []string{"FAIL fixtures/decisions/roles_test.yaml: the owner may edit", `input: {"action":"edit"`, "allow: want false, got true", "reasons: want [NO_ACCESS], got []"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
	})
	t.Run("failing Rego test", func(t *testing.T) {
		dir := project(t)
		write(t, filepath.Join(dir, "policies/padlock/extra_test.rego"), "package padlock.extra_test\n\ntest_wrong if 1 == 2\n")
		out, _, code := exe(t, dir, "test")
		if code != 1 || !strings.Contains(out, "FAIL policies/padlock/extra_test.rego:3: padlock.extra_test.test_wrong") {
			t.Errorf("exit %d\n%s", code, out)
		}
	})
	t.Run("broken Rego file cannot run", func(t *testing.T) {
		dir := project(t)
		write(t, filepath.Join(dir, "policies/padlock/broken.rego"), "package padlock.broken\n\nx := {\n")
		_, errOut, code := exe(t, dir, "test")
		if code != 2 || !strings.Contains(errOut, "broken.rego:4") {
			t.Errorf("exit %d\n%s", code, errOut)
		}
	})
	t.Run("a table with a typo", func(t *testing.T) {
		dir := project(t)
		write(t, filepath.Join(dir, "fixtures/typo_test.yaml"), "cases:\n  - name: typo\n    input: {action: edit, principal: a, flow: f}\n    expect:\n      alow: true\n")
		out, _, code := exe(t, dir, "test")
		if code != 1 || !strings.Contains(out, "BROKEN TABLE fixtures/typo_test.yaml:5: document 0 at /cases/0/expect: additionalProperties 'alow' not allowed") {
			t.Errorf("exit %d\n%s", code, out)
		}
	})
	t.Run("bad flag", func(t *testing.T) {
		if _, _, code := exe(t, "../..", "test", "--format", "xml"); code != 2 {
			t.Errorf("exit %d, want 2", code)
		}
	})
}

func TestCheckAndFmt(t *testing.T) {
	out, _, code := exe(t, "../..", "check", "policies")
	if code != 0 || !strings.Contains(out, "compile cleanly") {
		t.Errorf("check: exit %d\n%s", code, out)
	}
	dir := project(t)
	write(t, filepath.Join(dir, "policies/padlock/typo.rego"), "package padlock.typo\n\n# METADATA\n# title: t\n# description: d\nbad if input.principle == \"x\"\n")
	_, errOut, code := exe(t, dir, "check")
	if code != 1 || !strings.Contains(errOut, "policies/padlock/typo.rego:6:8: rego_type_error: undefined ref: input.principle") {
		t.Errorf("check of a field the query lacks: exit %d\n%s", code, errOut)
	}

	if out, _, code := exe(t, "../..", "fmt", "--fail", "policies"); code != 0 || out != "" {
		t.Errorf("fmt on clean policies: exit %d\n%s", code, out)
	}
	ugly := filepath.Join(dir, "policies/padlock/ugly.rego")
	write(t, ugly, "package padlock.ugly\nx:=1\n")
	out, _, code = exe(t, dir, "fmt", "--fail", "--diff", "policies")
	if code != 1 || !strings.Contains(out, "ugly.rego") || !strings.Contains(out, "+x := 1") {
		t.Errorf("fmt --fail --diff: exit %d\n%s", code, out)
	}
	if _, _, code := exe(t, dir, "fmt", "--write", "policies"); code != 0 {
		t.Errorf("fmt --write: exit %d", code)
	}
	if b, _ := os.ReadFile(ugly); !strings.Contains(string(b), "x := 1") {
		t.Errorf("fmt --write left:\n%s", b)
	}
}

func TestExplain(t *testing.T) {
	out, _, code := exe(t, "../..", "decide", "--docs", "fixtures/example/world", "--input", "fixtures/example/queries/bob-invokes-invoice-sync.json", "--format", "text", "--explain", "--trace", "notes")
	if code != 0 || !strings.Contains(out, "NOT_EMBEDDED: data.padlock.authz.deny (Not embedded) at policies/padlock/authz/cloud_runs.rego:") {
		t.Errorf("exit %d\n%s", code, out)
	}
	out, _, code = exe(t, "../..", "decide", "--docs", "fixtures/example/world", "--input", "fixtures/example/queries/bob-invokes-invoice-sync.json", "--trace", "fails")
	var ex struct {
		Allow       *bool // the decision's own fields stay at the top level
		Explanation struct {
			Rules map[string][]struct{ File string }
			Trace string
		}
	}
	if err := json.Unmarshal([]byte(out), &ex); err != nil || code != 0 || ex.Allow == nil || *ex.Allow || ex.Explanation.Trace == "" || len(ex.Explanation.Rules["NOT_EMBEDDED"]) != 1 {
		t.Errorf("json explanation: exit %d, %v\n%s", code, err, out)
	}
	if _, _, code := exe(t, "../..", "decide", "--input", "fixtures/example/queries/bob-invokes-invoice-sync.json", "--trace", "loud"); code != 2 {
		t.Errorf("bad trace mode: exit %d, want 2", code)
	}
}

func TestBundleBuildAndVerify(t *testing.T) {
	dir := t.TempDir()
	privPEM, pubPEM, err := packtest.RSAKeys()
	if err != nil {
		t.Fatal(err)
	}
	priv, pub := filepath.Join(dir, "private.pem"), filepath.Join(dir, "public.pem")
	write(t, priv, privPEM)
	write(t, pub, pubPEM)

	signed := filepath.Join(dir, "signed.tar.gz")
	if _, errOut, code := exe(t, dir, "bundle", "build", "-o", signed, "--signing-key", priv, "--revision", "r7"); code != 0 {
		t.Fatalf("build: exit %d\n%s", code, errOut)
	}
	if out, errOut, code := exe(t, dir, "bundle", "verify", "--verification-key", pub, signed); code != 0 || !strings.Contains(out, "signature verified (revision r7, ") {
		t.Errorf("verify: exit %d\n%s%s", code, out, errOut)
	}

	raw, _ := os.ReadFile(signed)
	bad, err := packtest.Tamper(raw)
	if err != nil {
		t.Fatal(err)
	}
	tampered := filepath.Join(dir, "tampered.tar.gz")
	write(t, tampered, string(bad))
	if _, errOut, code := exe(t, dir, "bundle", "verify", "--verification-key", pub, tampered); code != 1 || !strings.Contains(errOut, "refused") || !strings.Contains(errOut, "digest mismatch") {
		t.Errorf("tampered: exit %d\n%s", code, errOut)
	}

	unsigned := filepath.Join(dir, "unsigned.tar.gz")
	exe(t, dir, "bundle", "build", "-o", unsigned)
	if _, errOut, code := exe(t, dir, "bundle", "verify", "--verification-key", pub, unsigned); code != 1 || !strings.Contains(errOut, "missing .signatures.json") {
		t.Errorf("unsigned: exit %d\n%s", code, errOut)
	}
	if _, errOut, code := exe(t, dir, "bundle", "verify", "--verification-key", pub, filepath.Join(dir, "nope.tar.gz")); code != 1 || !strings.Contains(errOut, "no such file") {
		t.Errorf("missing file: exit %d\n%s", code, errOut)
	}
	broken := filepath.Join(dir, "broken")
	write(t, filepath.Join(broken, "x.rego"), "package padlock.authz\n\ndecision := input.nope\n")
	if _, errOut, code := exe(t, dir, "bundle", "build", "--policies", broken, "-o", filepath.Join(dir, "b.tar.gz")); code != 2 || !strings.Contains(errOut, "undefined ref: input.nope") {
		t.Errorf("broken policies: exit %d\n%s", code, errOut)
	}

	// --docs packs the validated world at padlock/documents; an invalid
	// world writes no bundle.
	world := filepath.Join(dir, "world.tar.gz")
	example, _ := filepath.Abs("../../fixtures/example/world")
	if _, errOut, code := exe(t, dir, "bundle", "build", "--docs", example, "-o", world); code != 0 {
		t.Fatalf("build --docs: exit %d\n%s", code, errOut)
	}
	b, err := pack.ReadFile(world, nil)
	if err != nil {
		t.Fatal(err)
	}
	docs, _ := b.Data["padlock"].(map[string]any)["documents"].([]any)
	if len(docs) < 10 {
		t.Errorf("the bundle carries %d documents at padlock/documents", len(docs))
	}
	invalid := filepath.Join(dir, "invalid.yaml")
	write(t, invalid, "kind: Share\nflow: flow-nowhere\ngrants: []\n")
	if _, errOut, code := exe(t, dir, "bundle", "build", "--docs", invalid, "-o", filepath.Join(dir, "i.tar.gz")); code != 2 || !strings.Contains(errOut, "no bundle was written") {
		t.Errorf("invalid docs: exit %d\n%s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "i.tar.gz")); err == nil {
		t.Error("a bundle was written for an invalid world")
	}
}
