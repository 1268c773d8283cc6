package system.authz_test

import data.system.authz

req(identity, method, path) := {"identity": identity, "method": method, "path": path, "params": {}, "headers": {}}

test_decisions_for_callers if {
	authz.allow with input as req("caller-token", "POST", ["v1", "decisions"])
		with data.system.authz.tokens as _tokens
}

test_data_api_only_under_padlock_authz if {
	authz.allow with input as req("caller-token", "POST", ["v1", "data", "padlock", "authz", "decision"])
		with data.system.authz.tokens as _tokens
	not authz.allow with input as req("caller-token", "GET", ["v1", "data", "padlock", "roles"])
		with data.system.authz.tokens as _tokens
	not authz.allow with input as req("caller-token", "GET", ["v1", "data"])
		with data.system.authz.tokens as _tokens
}

test_documents_api_for_admins_only if {
	not authz.allow with input as req("caller-token", "PUT", ["v1", "documents"])
		with data.system.authz.tokens as _tokens
	authz.allow with input as req("admin-token", "PUT", ["v1", "documents"])
		with data.system.authz.tokens as _tokens
	authz.allow with input as req("admin-token", "POST", ["v1", "decisions"])
		with data.system.authz.tokens as _tokens
}

test_no_token_no_access if {
	not authz.allow with input as {"method": "POST", "path": ["v1", "decisions"], "params": {}, "headers": {}}
		with data.system.authz.tokens as _tokens
	not authz.allow with input as req("wrong", "POST", ["v1", "decisions"])
		with data.system.authz.tokens as _tokens
}

test_no_tokens_configured_no_access if {
	not authz.allow with input as req("caller-token", "POST", ["v1", "decisions"])
}

_tokens := {
	"callers": [crypto.sha256("caller-token")],
	"admins": [crypto.sha256("admin-token")],
}
