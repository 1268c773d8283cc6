# METADATA
# title: Administrative policy of padlock serve
# description: |
#   With `padlock serve --authorization basic` (as with `opa run --server
#   --authorization=basic`) this decides every request but /health. Callers
#   are known by the SHA-256 (hex) of their bearer token, listed in
#   data.system.authz.tokens as callers and admins: ship them in a bundle
#   (system/authz/data.json) built with `padlock bundle build --data`. A
#   caller may ask for decisions, through /v1/decisions or the Data API
#   under padlock/authz only, so that the rules holding a flow's owner,
#   references and connection ids stay private; an admin may do
#   everything, the documents API included.
# schemas:
#   - input: schema.authzinput
package system.authz

# METADATA
# title: Allow
# description: Whether the request may be served; undefined or false refuses it (401).
default allow := false

allow if {
	input.method == "POST"
	input.path == ["v1", "decisions"]
	caller
}

allow if {
	input.method in {"GET", "POST"}
	array.slice(input.path, 0, 4) == ["v1", "data", "padlock", "authz"]
	caller
}

allow if admin

# METADATA
# title: Caller
# description: The request carries the token of a caller or of an admin.
caller if _token_in("callers")

caller if admin

# METADATA
# title: Admin
# description: The request carries the token of an admin.
admin if _token_in("admins")

_token_in(list) if crypto.sha256(input.identity) in data.system.authz.tokens[list]
