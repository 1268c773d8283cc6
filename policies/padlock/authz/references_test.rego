package padlock.authz_test

test_reference_owner_embeds if {
	decide({"action": "embed", "principal": "user:o", "flow": "f", "reference": "r"}).allow
}

test_other_co_owner_may_not_embed if {
	codes(decide({"action": "embed", "principal": "user:c", "flow": "f", "reference": "r"})) == {"NOT_REFERENCE_OWNER"}
}

test_unknown_reference if {
	codes(decide({"action": "unembed", "principal": "user:o", "flow": "f", "reference": "zz"})) == {"UNKNOWN_REFERENCE"}
}

test_use_needs_ownership_or_embedding if {
	decide({"action": "use", "principal": "user:o", "flow": "f", "reference": "r"}).allow
	codes(decide({"action": "use", "principal": "user:c", "flow": "f", "reference": "r"})) == {"CONNECTION_NOT_SHARED"}
}

test_run_only_user_never_uses_embedded if {
	w := json.patch(world, [{"op": "replace", "path": "/flows/f/connectionReferences/0/embedded", "value": true}])
	d := data.padlock.authz.decision with input as {"action": "use", "principal": "user:u", "flow": "f", "reference": "r"}
		with data.world as w
		with data.padlock.config as {"processReadAllRoles": []}
	codes(d) == {"CONNECTION_NOT_SHARED"}
	d2 := data.padlock.authz.decision with input as {"action": "use", "principal": "user:c", "flow": "f", "reference": "r"}
		with data.world as w
		with data.padlock.config as {"processReadAllRoles": []}
	d2.allow
}

test_run_only_reference_owner_brings_their_own if {
	# u added r while a co-owner, then was made run-only (rule 2).
	w := json.patch(world, [{"op": "replace", "path": "/flows/f/connectionReferences/0/owner", "value": "user:u"}])
	d := data.padlock.authz.decision with input as {"action": "use", "principal": "user:u", "flow": "f", "reference": "r"}
		with data.world as w
		with data.padlock.config as {"processReadAllRoles": []}
	codes(d) == {"CONNECTION_NOT_SHARED"}
}

test_use_canonicalises_the_principal if {
	decide({"action": "use", "principal": "user:O", "flow": "f", "reference": "r"}).allow
}
