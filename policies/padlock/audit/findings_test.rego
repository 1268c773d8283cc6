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

test_clean_flow_has_no_findings if {
	run(flow_doc({}), {}, facts({})) == set()
}

test_pl001_shared_not_embedded if {
	fs := run(flow_doc({}), {"f": {"user:u": {"user": true}}}, facts({}))
	some x in fs
	x.rule == "PL001"
	x.reference == "r"
	x.severity == "error"
	x.location == loc
}

test_pl002_v1 if {
	"PL002" in ids(run(flow_doc({"schemaVersion": "v1"}), {}, facts({})))
}

test_pl003_and_pl004_run_only_users if {
	fs := run(flow_doc({}), {"f": {"user:u": {"user": true}, "team:t": {"user": true}}}, facts({}))
	{x.principal | some x in fs; x.rule == "PL003"} == {"user:u", "user:m"}
	{x.principal | some x in fs; x.rule == "PL004"} == {"user:m"}
}

test_pl005_orphaned_embedded if {
	f := flow_doc({"connectionReferences": [{"logicalName": "r", "connector": "shared_sql", "owner": "user:gone", "embedded": true}]})
	some x in run(f, {}, facts({}))
	x.rule == "PL005"
	x.principal == "user:gone"
}

test_pl006_unknown_reference if {
	fa := facts({"actions": [{"connector": "shared_sql", "operation": "Q", "reference": "635c", "known": false, "disabled": false, "lines": [9]}]})
	some x in run(flow_doc({}), {}, fa)
	x.rule == "PL006"
	x.location.element == "Workflow f/Definition, script line 9"
}

test_pl007_unused_and_pl012_disabled if {
	fa := facts({"actions": [{"connector": "shared_sql", "operation": "Q", "reference": "r", "known": true, "disabled": true, "lines": [4]}]})
	fs := run(flow_doc({"actions": []}), {}, fa)
	ids(fs) == {"PL007", "PL012"}
}

test_pl008_embedded_in_solution if {
	f := flow_doc({"connectionReferences": [{"logicalName": "r", "connector": "shared_sql", "owner": "user:o", "embedded": true}]})
	"PL008" in ids(run(f, {}, facts({"inSolution": true})))
	not "PL008" in ids(run(f, {}, facts({"inSolution": false})))
}

test_pl009_missing_binaries_only_for_v2 if {
	"PL009" in ids(run(flow_doc({}), {}, facts({"missingBinaries": ["binary b1"]})))
	not "PL009" in ids(run(flow_doc({"schemaVersion": "v1"}), {}, facts({"missingBinaries": ["binary b1"]})))
}

test_blockers_of_a_v1_flow_shared_without_embedding if {
	blockers(flow_doc({"schemaVersion": "v1"}), {"f": {"user:u": {"co-owner": true}}}) == {"it is stored in v1", "connection reference \"r\" is not embedded"}
}

test_no_blockers_for_a_runnable_flow if {
	blockers(flow_doc({}), {}) == set()
}

test_pl011_credentials_without_the_secret if {
	fa := facts({"credentials": [{"variable": "Password", "why": "sensitive", "line": 12}]})
	some x in run(flow_doc({}), {}, fa)
	x.rule == "PL011"
	contains(x.message, "Password")
}
