package pack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/padlock/padlock/bundles"
	"github.com/padlock/padlock/engine"
	"github.com/padlock/padlock/engine/fixture"
	"github.com/padlock/padlock/engine/pack"
	"github.com/padlock/padlock/engine/pack/packtest"
	"github.com/padlock/padlock/engine/validate"
	"github.com/padlock/padlock/engine/world"
	"github.com/padlock/padlock/policies"
)

func build(t *testing.T, o pack.BuildOptions) []byte {
	t.Helper()
	if o.Policies == nil {
		o.Policies, o.Data = policies.FS, bundles.FS
	}
	b, err := pack.Build(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := pack.Write(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestDifferential loads the built bundle into plain OPA through OPA's own
// Go API and asks it every fixture case: it must give padlock's decisions.
func TestDifferential(t *testing.T) {
	ctx := context.Background()
	raw := build(t, pack.BuildOptions{Revision: "test"})
	b, err := bundle.NewReader(bytes.NewReader(raw)).Read()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(*b.Manifest.Roots, ",") != "padlock,system/authz" || b.Manifest.Revision != "test" {
		t.Fatalf("manifest: %+v", b.Manifest)
	}
	for _, m := range b.Modules {
		if strings.HasSuffix(m.Path, "_test.rego") {
			t.Errorf("bundle holds a test file: %s", m.Path)
		}
	}

	v, err := validate.New()
	if err != nil {
		t.Fatal(err)
	}
	tables, err := fixture.Find("../../fixtures")
	if err != nil {
		t.Fatal(err)
	}
	opa := map[*world.World]rego.PreparedEvalQuery{}
	compared := 0
	for _, path := range tables {
		table, probs := fixture.Load(v, path)
		if len(probs) > 0 {
			t.Fatal(probs)
		}
		results, err := fixture.NewRunner().Run(ctx, table, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range results {
			if r.Decision == nil {
				continue
			}
			pq, ok := opa[r.World]
			if !ok {
				// As OPA's docs load a bundle beside other data: prepare in a
				// write transaction, which activates the bundle, then commit.
				store := inmem.NewFromObject(map[string]any{"world": roundTrip(t, r.World.Data())})
				txn := storage.NewTransactionOrDie(ctx, store, storage.WriteParams)
				pq, err = rego.New(rego.Query(engine.DecisionQuery), rego.ParsedBundle("padlock", &b), rego.Store(store), rego.Transaction(txn)).PrepareForEval(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if err := store.Commit(ctx, txn); err != nil {
					t.Fatal(err)
				}
				opa[r.World] = pq
			}
			rs, err := pq.Eval(ctx, rego.EvalInput(r.Input))
			if err != nil || len(rs) != 1 {
				t.Fatalf("%s: %s: plain OPA: %v %v", r.Table, r.Case, rs, err)
			}
			got, want := canonical(t, rs[0].Expressions[0].Value), canonical(t, r.Decision)
			if got != want {
				t.Errorf("%s: %s:\nplain OPA: %s\npadlock:   %s", r.Table, r.Case, got, want)
			}
			compared++
		}
	}
	if compared < 60 {
		t.Errorf("compared only %d decisions", compared)
	}
}

func roundTrip(t *testing.T, v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func canonical(t *testing.T, v any) string {
	b, _ := json.Marshal(roundTrip(t, v))
	return string(b)
}

func rsaKeys(t *testing.T) (private, public string) {
	priv, pub, err := packtest.RSAKeys()
	if err != nil {
		t.Fatal(err)
	}
	return priv, pub
}

func TestSignAndVerify(t *testing.T) {
	priv, pub := rsaKeys(t)
	_, otherPub := rsaKeys(t)
	signed := build(t, pack.BuildOptions{Revision: "r1", SigningKey: priv})
	noKid := build(t, pack.BuildOptions{Revision: "r1", SigningKey: priv, KeyID: ""})
	unsigned := build(t, pack.BuildOptions{Revision: "r1"})
	hmac := build(t, pack.BuildOptions{Revision: "r1", SigningKey: "s3cret", SigningAlg: "HS256", KeyID: "ci"})

	tests := []struct {
		name    string
		bundle  []byte
		opts    pack.VerifyOptions
		wantErr string
	}{
		{"signed", signed, pack.VerifyOptions{Key: pub}, ""},
		{"empty key id on both sides", noKid, pack.VerifyOptions{Key: pub, KeyID: ""}, ""},
		{"hmac with key id", hmac, pack.VerifyOptions{Key: "s3cret", Alg: "HS256", KeyID: "ci"}, ""},
		{"wrong key", signed, pack.VerifyOptions{Key: otherPub}, "verification error"},
		{"wrong secret", hmac, pack.VerifyOptions{Key: "guess", Alg: "HS256"}, "invalid HMAC signature"},
		{"missing signature", unsigned, pack.VerifyOptions{Key: pub}, "missing .signatures.json"},
		{"tampered", tamper(t, signed), pack.VerifyOptions{Key: pub}, "digest mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := pack.Read(bytes.NewReader(tt.bundle), &tt.opts)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("want verified, got %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("want an error containing %q, got %v", tt.wantErr, err)
			}
		})
	}
}

func tamper(t *testing.T, raw []byte) []byte {
	t.Helper()
	b, err := packtest.Tamper(raw)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBuildRefusesBrokenPolicies(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "bad.rego"), []byte("package padlock.authz\n\ndecision := input.nope\n"), 0o644)
	_, err := pack.Build(context.Background(), pack.BuildOptions{Policies: os.DirFS(dir), Data: bundles.FS})
	if err == nil || !strings.Contains(err.Error(), "undefined ref: input.nope") {
		t.Fatalf("want a compile error, got %v", err)
	}
}
