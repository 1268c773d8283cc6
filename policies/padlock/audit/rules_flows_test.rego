package padlock.audit_test

test_pl001_shared_not_embedded if {
	fs := run(flow_doc({}), {"f": {"user:u": {"user": true}}}, facts({}))
	some x in fs
	x.rule == "PL001"
	x.reference == "r"
	x.severity == "error"
	x.location == loc
}

test_pl001_not_for_embedded_references_or_an_unshared_flow if {
	embedded := flow_doc({"connectionReferences": [{"logicalName": "r", "connector": "shared_sql", "owner": "user:o", "embedded": true}]})
	not "PL001" in ids(run(embedded, {"f": {"user:u": {"user": true}}}, facts({})))
	not "PL001" in ids(run(flow_doc({}), {}, facts({})))
}

test_pl002_v1 if {
	"PL002" in ids(run(flow_doc({"schemaVersion": "v1"}), {}, facts({})))
}

test_pl002_not_for_a_v1_flow_without_cloud_connector_actions if {
	f := flow_doc({"schemaVersion": "v1", "connectionReferences": [], "actions": []})
	not "PL002" in ids(run(f, {}, facts({"actions": []})))
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
