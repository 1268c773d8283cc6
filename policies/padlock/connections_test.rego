package padlock.connections_test

import data.padlock.connections

conns := {"user:r": {"env": {"shared_sql": [
	{"id": "c-broken", "owner": "user:r", "environment": "env", "connector": "shared_sql", "account": "r@x", "status": "Error"},
	{"id": "c1", "owner": "user:r", "environment": "env", "connector": "shared_sql", "account": "r@x", "status": "Connected"},
	{"id": "c2", "owner": "user:r", "environment": "env", "connector": "shared_sql", "account": "r2@x", "status": "Connected"},
]}}}

flow := {"environment": "env", "connectionReferences": [
	{"logicalName": "mine", "connector": "shared_sql", "owner": "user:r", "embedded": false, "connection": "c-own"},
	{"logicalName": "theirs_embedded", "connector": "shared_sql", "owner": "user:o", "embedded": true},
	{"logicalName": "theirs", "connector": "shared_sql", "owner": "user:o", "embedded": false},
]}

test_compatible_in_document_order_and_connected_only if {
	ids := [c.id | some c in connections.compatible("user:r", "env", "shared_sql")] with data.world.connections as conns
	ids == ["c1", "c2"]
}

test_compatible_other_environment_is_empty if {
	connections.compatible("user:r", "other", "shared_sql") == [] with data.world.connections as conns
}

test_sources_for_a_co_owner if {
	plan := connections.plan(flow, "user:r", "co-owner") with data.world.connections as conns
	[e.source | some e in plan] == ["own", "embedded", "byoc"]
	plan[0].selected == "c-own"
	plan[2].selected == "c1"
	plan[2].candidates == ["c1", "c2"]
}

test_run_only_user_always_brings_their_own if {
	plan := connections.plan(flow, "user:r", "user") with data.world.connections as conns
	[e.source | some e in plan] == ["byoc", "byoc", "byoc"]

	# the reference's own connection is not theirs: their first compatible one is
	plan[0].selected == "c1"
	plan[0].candidates == ["c1", "c2"]
}

test_an_embedded_reference_without_a_known_connection_selects_null if {
	plan := connections.plan(flow, "user:r", "co-owner") with data.world.connections as conns
	plan[1].selected == null
	plan[1].candidates == []
}

test_no_candidate_selects_null if {
	plan := connections.plan(flow, "user:nobody", "co-owner") with data.world.connections as conns
	plan[2].selected == null
	plan[2].candidates == []
}

test_a_reference_not_said_to_be_embedded_is_not if {
	ref := {"logicalName": "r", "connector": "shared_sql", "owner": "user:o"}
	connections.source(ref, "user:c", "co-owner") == "byoc"
}

test_a_reference_without_an_owner_is_nobodys_own if {
	unowned := {"environment": "env", "connectionReferences": [{"logicalName": "imported", "connector": "shared_sql", "embedded": false}]}
	plan := connections.plan(unowned, "user:r", "owner") with data.world.connections as conns
	[e.source | some e in plan] == ["byoc"]
	connections.source(unowned.connectionReferences[0], "user:r", "co-owner") == "byoc"
}

test_source_follows_the_rules if {
	connections.source(flow.connectionReferences[0], "user:r", "co-owner") == "own"
	connections.source(flow.connectionReferences[1], "user:r", "co-owner") == "embedded"
	connections.source(flow.connectionReferences[2], "user:r", "co-owner") == "byoc"
	connections.source(flow.connectionReferences[0], "user:r", "user") == "byoc"
	connections.source(flow.connectionReferences[1], "user:r", "user") == "byoc"
}
