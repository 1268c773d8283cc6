package document

import (
	"strings"

	"github.com/invopop/jsonschema"
)

// Principal names a user or a team: "user:<e-mail>" or "team:<id>". It is
// the one declaration of what a principal looks like: every principal
// field of every document and of the query has this type, so the schemas
// all carry PrincipalPattern and every loader canonicalises the same way.
type Principal string

// PrincipalPattern is what a principal may look like as written: a user
// with or without the "user:" prefix (a bare e-mail is read as that user),
// or a team. Whitespace anywhere is an error, not something to trim: a
// stray space is a typo that would otherwise silently deny.
const PrincipalPattern = `^((user:)?[^\s@:]+@[^\s@]+|team:\S+)$`

// Prefixes of the two kinds of principal.
const (
	UserPrefix = "user:"
	TeamPrefix = "team:"
)

// JSONSchema declares the principal's shape for every field of this type.
func (Principal) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		Type:        "string",
		Pattern:     PrincipalPattern,
		Description: `a user ("user:<e-mail>", or the bare e-mail) or a team ("team:<id>"); e-mails compare case-insensitively`,
	}
}

// Canonical is the one spelling padlock compares: "user:" plus the e-mail
// in lower case (the platform treats e-mail addresses case-insensitively),
// or the team id as written. It assumes the value matched PrincipalPattern.
func (p Principal) Canonical() Principal {
	s := string(p)
	if strings.HasPrefix(s, TeamPrefix) {
		return p
	}
	email := strings.TrimPrefix(s, UserPrefix)
	lower := strings.ToLower(email)
	if lower == email && len(email) < len(s) {
		return p // already canonical: no copy (an import holds one per grant)
	}
	return Principal(UserPrefix + lower)
}

// IsTeam reports whether the principal names a team.
func (p Principal) IsTeam() bool { return strings.HasPrefix(string(p), TeamPrefix) }

// IsTeam reports whether a principal id names a team.
func IsTeam(principal string) bool { return Principal(principal).IsTeam() }

// canonicalAll canonicalises a list of principals in place.
func canonicalAll(ps []Principal) {
	for i, p := range ps {
		ps[i] = p.Canonical()
	}
}

// Canonical returns the flow with every principal in canonical form.
func (f DesktopFlow) Canonical() DesktopFlow {
	f.Owner = canonicalOptional(f.Owner)
	refs := make([]ConnectionReference, len(f.ConnectionReferences))
	for i, r := range f.ConnectionReferences {
		r.Owner = canonicalOptional(r.Owner)
		refs[i] = r
	}
	f.ConnectionReferences = refs
	return f
}

// Canonical returns the share with every principal in canonical form.
func (s Share) Canonical() Share {
	grants := make([]Grant, len(s.Grants))
	for i, g := range s.Grants {
		g.Principal = g.Principal.Canonical()
		grants[i] = g
	}
	s.Grants = grants
	return s
}

// Canonical returns the team with every member in canonical form.
func (t Team) Canonical() Team {
	t.Members = append([]Principal(nil), t.Members...)
	canonicalAll(t.Members)
	return t
}

// Canonical returns the connection with its owner in canonical form.
func (c Connection) Canonical() Connection {
	c.Owner = c.Owner.Canonical()
	return c
}

// Canonical returns the assignment with its principal in canonical form.
func (r RoleAssignment) Canonical() RoleAssignment {
	r.Principal = r.Principal.Canonical()
	return r
}

func canonicalOptional(p Principal) Principal {
	if p == "" {
		return ""
	}
	return p.Canonical()
}
