package padlock.reasons_test

import data.padlock.reasons

flow := {
	"id": "f", "name": "F", "environment": "env", "owner": "user:o", "schemaVersion": "v1",
	"connectionReferences": [{"logicalName": "r", "connector": "shared_sql", "owner": "user:o", "embedded": false}],
	"actions": [],
}

world := {"grants": {"f": {"user:u": {"user": true}}}}

test_no_access if {
	reasons.no_access("none")
	not reasons.no_access("user")
}

test_run_only if {
	reasons.run_only("edit", "user")
	not reasons.run_only("edit", "co-owner")
	not reasons.run_only("run", "user")
}

test_cloud_run_reasons if {
	reasons.console_only("invoke", flow, "user")
	reasons.schema_v1("invoke", flow, "owner") with data.world as world
	reasons.not_embedded("invoke", flow, "owner") == {"r"} with data.world as world
	not reasons.console_only("run", flow, "user")
}

test_reference_reasons if {
	reasons.unknown_reference("use", flow, "owner", "zz")
	not reasons.unknown_reference("use", flow, "owner", "r")
	reasons.not_reference_owner("embed", flow.connectionReferences[0], "user:c", "co-owner")
	not reasons.not_reference_owner("embed", flow.connectionReferences[0], "user:o", "owner")
	reasons.connection_not_shared("use", flow.connectionReferences[0], "user:c", "co-owner")
	not reasons.connection_not_shared("use", flow.connectionReferences[0], "user:o", "owner")
}

test_denied_is_any_reason if {
	reasons.denied("run", flow, "user:x", "none", "")
	not reasons.denied("run", flow, "user:o", "owner", "")
	reasons.denied("edit", flow, "user:u", "user", "")
	reasons.denied("use", flow, "user:c", "co-owner", "r")
	reasons.denied("use", flow, "user:o", "owner", "zz")
	reasons.denied("invoke", flow, "user:o", "owner", "") with data.world as world
	not reasons.denied("use", flow, "user:o", "owner", "r")
}

test_denied_groups_by_what_they_read if {
	reasons.denied_by_role("edit", "user")
	reasons.denied_by_role("run", "none")
	not reasons.denied_by_role("run", "user")
	reasons.denied_on_flow("invoke", flow, "user")
	not reasons.denied_on_flow("run", flow, "user")
	reasons.denied_on_reference("use", flow, "user:o", "owner", "zz")
	reasons.denied_on("embed", flow.connectionReferences[0], "user:c", "co-owner")
	not reasons.denied_on("embed", flow.connectionReferences[0], "user:o", "owner")
}
