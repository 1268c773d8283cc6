package padlock.authz_test

test_not_embedded_names_the_reference if {
	d := decide({"action": "invoke", "principal": "user:c", "flow": "f", "mode": "attended"})
	[r.reference | some r in d.reasons; r.code == "NOT_EMBEDDED"] == ["r"]
}

test_unshared_flow_needs_no_embedding if {
	w := json.patch(world, [{"op": "replace", "path": "/grants", "value": {}}])
	d := data.padlock.authz.decision with input as {"action": "invoke", "principal": "user:o", "flow": "f", "mode": "unattended"}
		with data.world as w
		with data.padlock.config as {"processReadAllRoles": []}
	d.allow
}

test_run_only_user_console_only if {
	"CONSOLE_ONLY" in codes(decide({"action": "invoke", "principal": "user:u", "flow": "f", "mode": "attended"}))
}
