package padlock.audit_test

test_pl003_and_pl004_run_only_users if {
	fs := run(flow_doc({}), {"f": {"user:u": {"user": true}, "team:t": {"user": true}}}, facts({}))
	{x.principal | some x in fs; x.rule == "PL003"} == {"user:u", "user:m"}
	{x.principal | some x in fs; x.rule == "PL004"} == {"user:m"}
}

test_pl003_not_for_a_flow_without_references if {
	f := flow_doc({"connectionReferences": []})
	not "PL003" in ids(run(f, {"f": {"user:u": {"user": true}}}, facts({})))
}

test_pl005_orphaned_embedded if {
	f := flow_doc({"connectionReferences": [{"logicalName": "r", "connector": "shared_sql", "owner": "user:gone", "embedded": true}]})
	some x in run(f, {}, facts({}))
	x.rule == "PL005"
	x.principal == "user:gone"
}

test_pl005_not_while_its_owner_is_a_co_owner if {
	f := flow_doc({"connectionReferences": [{"logicalName": "r", "connector": "shared_sql", "owner": "user:c", "embedded": true}]})
	not "PL005" in ids(run(f, {"f": {"user:c": {"co-owner": true}}}, facts({})))
}
