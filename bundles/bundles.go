// Package bundles embeds the static data shipped with padlock's policies
// (data.json files; each file's folder is its path under data).
package bundles

import "embed"

// FS holds the static data files.
//
//go:embed padlock
var FS embed.FS
