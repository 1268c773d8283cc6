package padlock.audit_test

import data.padlock.audit

loc := {"file": "export.zip/customizations.xml", "element": "Workflow f", "line": 3}

flow_doc(overrides) := object.union(
	{
		"id": "f", "name": "Invoices", "environment": "env", "owner": "user:o", "schemaVersion": "v2",
		"connectionReferences": [{"logicalName": "r", "connector": "shared_sql", "owner": "user:o", "embedded": false}],
		"actions": [{"connector": "shared_sql", "operation": "Q", "reference": "r"}],
	},
	overrides,
)

facts(overrides) := object.union(
	{
		"id": "f", "name": "Invoices", "location": loc, "inSolution": false,
		"requiredBinaries": [], "missingBinaries": [],
		"actions": [{"connector": "shared_sql", "operation": "Q", "reference": "r", "known": true, "disabled": false, "lines": [7]}],
		"credentials": [],
	},
	overrides,
)

world(flow, grants) := {
	"flows": {"f": flow}, "grants": grants, "teams": {"team:t": ["user:m"]},
	"memberOf": {"user:m": ["team:t"]}, "securityRoles": {},
	"connections": {"user:u": {"env": {"shared_sql": [{"id": "c", "owner": "user:u", "environment": "env", "connector": "shared_sql", "account": "u@x", "status": "Connected"}]}}},
}

run(flow, grants, f) := {x |
	some x in audit.findings with data.world as world(flow, grants)
		with input as {"environment": "env", "flow": flow, "facts": f}
		with data.padlock.config as {"processReadAllRoles": []}
}

blockers(flow, grants) := b if {
	b := audit.blockers with data.world as world(flow, grants)
		with input as {"environment": "env", "flow": flow, "facts": facts({})}
		with data.padlock.config as {"processReadAllRoles": []}
}

ids(fs) := {x.rule | some x in fs}

users(grants) := u if {
	u := audit.run_only_users with data.world as world(flow_doc({}), grants)
		with input as {"environment": "env", "flow": flow_doc({}), "facts": facts({})}
		with data.padlock.config as {"processReadAllRoles": []}
}

test_clean_flow_has_no_findings if {
	run(flow_doc({}), {}, facts({})) == set()
}

test_a_finding_takes_its_id_and_severity_from_its_rule if {
	fs := run(flow_doc({"schemaVersion": "v1"}), {}, facts({}))
	some x in fs
	x.rule == "PL002"
	x.severity == "warning"
	x.flow == "f"
	x.flowName == "Invoices"
	x.location == loc
}

test_a_script_finding_is_located_at_its_line if {
	l := audit.script_location(9) with input as {"environment": "env", "flow": flow_doc({}), "facts": facts({})}
	l == object.union(loc, {"element": "Workflow f/Definition, script line 9"})
}

test_run_only_users_are_grantees_and_team_members_with_the_user_role if {
	users({"f": {"user:u": {"user": true}, "team:t": {"user": true}, "user:c": {"co-owner": true}}}) == {"user:u", "user:m"}
}

test_co_owners_and_the_owner_are_not_run_only if {
	users({"f": {"user:c": {"co-owner": true}, "user:o": {"user": true}}}) == set()
}
