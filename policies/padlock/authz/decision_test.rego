package padlock.authz_test

import data.padlock.authz

# A small world for the decision's assembly; the fixture tables in
# fixtures/ cover every rule of domain.md case by case.
world := {
	"flows": {
		"f": {
			"id": "f", "name": "F", "environment": "env", "owner": "user:o", "schemaVersion": "v2",
			"connectionReferences": [{"logicalName": "r", "connector": "shared_sql", "owner": "user:o", "embedded": false}],
			"actions": [],
		},
		"plain": {"id": "plain", "name": "Plain", "environment": "env", "owner": "user:o", "schemaVersion": "v1", "connectionReferences": [], "actions": []},
	},
	"grants": {"f": {"user:u": {"user": true}, "user:c": {"co-owner": true}}},
	"memberOf": {},
	"securityRoles": {},
	"connections": {},
}

decide(q) := d if {
	d := authz.decision with input as q
		with data.world as world
		with data.padlock.config as {"processReadAllRoles": []}
}

codes(d) := {r.code | some r in d.reasons}

test_owner_runs_with_own_reference if {
	d := decide({"action": "run", "principal": "user:o", "flow": "f"})
	d.allow
	d.role == "owner"
	d.reasons == []
	d.connections[0].source == "own"
	not d.byocDialog
}

test_deny_always_has_a_reason if {
	d := decide({"action": "edit", "principal": "user:u", "flow": "f"})
	not d.allow
	codes(d) == {"RUN_ONLY"}
}

test_unknown_flow if {
	d := decide({"action": "run", "principal": "user:o", "flow": "nope"})
	not d.allow
	d.role == "none"
	codes(d) == {"UNKNOWN_FLOW"}
	d.connections == []
}

test_no_access if {
	codes(decide({"action": "run", "principal": "user:x", "flow": "f"})) == {"NO_ACCESS"}
}

test_invoke_lists_every_reason if {
	codes(decide({"action": "invoke", "principal": "user:u", "flow": "f", "mode": "unattended"})) == {"CONSOLE_ONLY", "NOT_EMBEDDED"}
}

test_invoke_v1_without_cloud_connector_actions if {
	decide({"action": "invoke", "principal": "user:o", "flow": "plain", "mode": "attended"}).allow
}

test_schema_v1 if {
	w := json.patch(world, [{"op": "replace", "path": "/flows/f/schemaVersion", "value": "v1"}])
	d := authz.decision with input as {"action": "invoke", "principal": "user:o", "flow": "f", "mode": "attended"}
		with data.world as w
		with data.padlock.config as {"processReadAllRoles": []}
	codes(d) == {"SCHEMA_V1", "NOT_EMBEDDED"}
}

test_unknown_action_fails_closed if {
	d := decide({"action": "rename", "principal": "user:o", "flow": "f"})
	not d.allow
	"INVALID_INPUT" in codes(d)
}
