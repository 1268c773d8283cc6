// Package pack builds padlock's policies and static data into an OPA
// bundle (.tar.gz with .manifest) that plain OPA serves as it is, signs it
// as OPA does (.signatures.json), and verifies signed bundles. It uses OPA's
// own bundle reader and writer, so what padlock accepts OPA accepts.
package pack

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"

	"github.com/padlock/padlock/engine"
)

// roots are the data paths a bundle owns: the first segment of each
// module's package and of each data key, except that a package of OPA's
// system tree (system.log, the decision log mask; system.authz, the
// administrative policy) owns only its own subtree. The world (data.world)
// is never among them: documents stay the sidecar's own.
func roots(parsed map[string]*ast.Module, data map[string]any) []string {
	set := map[string]bool{}
	for _, m := range parsed {
		segs := m.Package.Path[1:] // without "data"
		root := strings.Trim(segs[:1].String(), `"`)
		if len(segs) >= 2 && root == "system" {
			root += "/" + strings.Trim(segs[1].String(), `"`)
		}
		set[root] = true
	}
	for k, v := range data {
		sub, isTree := v.(map[string]any)
		if k != "system" || !isTree {
			set[k] = true
			continue
		}
		for k2 := range sub { // system/authz/data.json: the root is system/authz
			set[k+"/"+k2] = true
		}
	}
	out := make([]string, 0, len(set))
	for r := range set {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// DefaultKeyID names the signing key when none is given.
const DefaultKeyID = "default"

// BuildOptions say what goes into a bundle.
type BuildOptions struct {
	Policies fs.FS // .rego files; *_test.rego are left out
	Data     fs.FS // data.json files
	// Documents are validated padlock documents (generic JSON) packed at
	// engine.DocumentsPath, for sidecars to decide over one world.
	Documents []any
	Revision  string
	// SigningKey is a PEM private key or HMAC secret (file path or value);
	// empty leaves the bundle unsigned.
	SigningKey string
	SigningAlg string // RS256 when empty
	KeyID      string // DefaultKeyID when empty
}

// Build makes the bundle. The policies are compiled first, so a bundle
// that would not compile is never written.
func Build(ctx context.Context, o BuildOptions) (*bundle.Bundle, error) {
	mods, err := engine.ReadModules(o.Policies, false)
	if err != nil {
		return nil, err
	}
	if _, err := engine.Compile(mods); err != nil {
		return nil, fmt.Errorf("compile policies: %w", err)
	}
	parsed, err := engine.ParseModules(mods)
	if err != nil {
		return nil, err
	}
	data, err := engine.ReadData(o.Data)
	if err != nil {
		return nil, err
	}
	if len(o.Documents) > 0 {
		root, _ := data["padlock"].(map[string]any)
		if root == nil {
			root = map[string]any{}
			data["padlock"] = root
		}
		root[path.Base(engine.DocumentsPath)] = o.Documents
	}
	rs := roots(parsed, data)
	b := &bundle.Bundle{
		Manifest: bundle.Manifest{Revision: o.Revision, Roots: &rs},
		Data:     data,
	}
	b.Manifest.SetRegoVersion(ast.RegoV1)
	for _, m := range mods {
		p := path.Join("/", m.Name)
		b.Modules = append(b.Modules, bundle.ModuleFile{URL: p, Path: p, Raw: []byte(m.Source), Parsed: parsed[m.Name]})
	}
	if o.SigningKey != "" {
		key, err := readKey(o.SigningKey, o.SigningAlg)
		if err != nil {
			return nil, err
		}
		kid := o.KeyID
		if kid == "" {
			kid = DefaultKeyID
		}
		if err := b.GenerateSignature(bundle.NewSigningConfig(key, o.SigningAlg, ""), kid, false); err != nil {
			return nil, fmt.Errorf("sign bundle: %w", err)
		}
	}
	return b, nil
}

// Write writes a bundle as .tar.gz.
func Write(w io.Writer, b *bundle.Bundle) error {
	if err := bundle.NewWriter(w).Write(*b); err != nil {
		return fmt.Errorf("write bundle: %w", err)
	}
	return nil
}

// VerifyOptions say how to check a signed bundle.
type VerifyOptions struct {
	Key   string // PEM public key or HMAC secret (file path or value)
	Alg   string // RS256 when empty
	KeyID string // DefaultKeyID when empty
}

// Read reads a bundle, verifying its signature when a key is given: a file
// changed after signing, a missing signature or a wrong key is an error.
func Read(r io.Reader, v *VerifyOptions) (*bundle.Bundle, error) {
	reader := bundle.NewReader(r)
	if v != nil {
		alg := v.Alg
		if alg == "" {
			alg = "RS256"
		}
		key, err := readKey(v.Key, alg)
		if err != nil {
			return nil, err
		}
		kid := v.KeyID
		if kid == "" {
			// With one key there is nothing to choose: a signature without a
			// key id (or with another) is checked against this key, rather
			// than failing with OPA's "verification key ID is empty".
			kid = DefaultKeyID
		}
		keys := map[string]*bundle.KeyConfig{kid: {Key: key, Algorithm: alg}}
		reader = reader.WithBundleVerificationConfig(bundle.NewVerificationConfig(keys, kid, "", nil))
	}
	b, err := reader.Read()
	if err != nil {
		return nil, fmt.Errorf("read bundle: %w", err)
	}
	return &b, nil
}

// ReadFile reads and verifies a bundle file.
func ReadFile(name string, v *VerifyOptions) (*bundle.Bundle, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	b, err := Read(bytes.NewReader(data), v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b, nil
}

// CheckKey reads a key as signing and verification will, so that a
// command can refuse an unusable key before it does anything else.
func CheckKey(key, alg string) error {
	_, err := readKey(key, alg)
	return err
}

// readKey takes a key file path or the key itself. A value that looks like
// a path but names no file is an error, not a secret: "./secret.txt" with
// a typo must not sign with the string "./secret.txt". For RSA, ECDSA and
// PSS algorithms the key must be PEM that parses, and an error names the
// file it came from.
func readKey(k, alg string) (string, error) {
	if k == "" {
		return "", fmt.Errorf("empty key")
	}
	from := "the key given as a value"
	key := k
	b, err := os.ReadFile(k)
	switch {
	case err == nil:
		from, key = k, string(b)
	case strings.HasPrefix(strings.TrimSpace(k), "-----BEGIN"):
	case looksLikePath(k):
		return "", fmt.Errorf("key file %s: %w", k, cleanErr(err))
	}
	if asymmetric(alg) {
		if err := checkPEM(key); err != nil {
			return "", fmt.Errorf("%s: %w", from, err)
		}
	}
	return key, nil
}

// looksLikePath: a separator, a leading dot or a file extension. An HMAC
// secret given as a value has none of them in practice; one that does
// belongs in a file.
func looksLikePath(k string) bool {
	return strings.ContainsAny(k, `/\`) || strings.HasPrefix(k, ".") || filepath.Ext(k) != "" && len(filepath.Ext(k)) <= 6
}

func asymmetric(alg string) bool {
	return alg == "" || strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "ES") || strings.HasPrefix(alg, "PS")
}

// checkPEM parses a PEM private or public key as OPA will.
func checkPEM(key string) error {
	block, _ := pem.Decode([]byte(key))
	if block == nil {
		return fmt.Errorf("not a PEM key (no -----BEGIN ... ----- block)")
	}
	if _, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		return nil
	}
	if _, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return nil
	}
	if _, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return nil
	}
	if _, err := x509.ParsePKIXPublicKey(block.Bytes); err == nil {
		return nil
	}
	if _, err := x509.ParsePKCS1PublicKey(block.Bytes); err == nil {
		return nil
	}
	if _, err := x509.ParseCertificate(block.Bytes); err == nil {
		return nil
	}
	return fmt.Errorf("the PEM block %q holds no key padlock can read", block.Type)
}

func cleanErr(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no such file")
	}
	return err
}
