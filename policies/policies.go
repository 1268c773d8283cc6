// Package policies embeds padlock's Rego rules so that the binary serves
// exactly the policies in this folder. Read policies/README.md to change them.
package policies

import "embed"

// FS holds every .rego file under padlock/, unit tests included; the engine
// leaves the *_test.rego files out of what it evaluates.
//
//go:embed padlock
var FS embed.FS
