// Package policies embeds padlock's Rego rules so that the binary serves
// exactly the policies in this folder. Read policies/README.md to change them.
package policies

import "embed"

// FS holds every .rego file under padlock/ and system/ (the administrative
// policy of serve --authorization basic), unit tests included; the engine
// leaves the *_test.rego files out of what it evaluates.
//
//go:embed padlock system
var FS embed.FS
