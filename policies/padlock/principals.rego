# METADATA
# title: Principals
# description: |
#   One spelling of a principal, the one the documents are indexed by:
#   "user:" and the e-mail in lower case (a bare e-mail is that user, and the
#   platform treats e-mail addresses case-insensitively), or "team:<id>" as
#   written. padlock canonicalises documents when it loads them; queries are
#   canonicalised here, so that plain OPA with padlock's bundle answers the
#   same as padlock.
package padlock.principals

# METADATA
# title: Canonical principal
# description: A team as written; a user, with or without the "user:" prefix, as "user:" and the lower-case e-mail.
canonical(p) := p if {
	startswith(p, "team:")
} else := concat("", ["user:", lower(trim_prefix(p, "user:"))])
