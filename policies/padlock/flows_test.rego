package padlock.flows_test

import data.padlock.flows

test_references_alone_are_cloud_connector_actions if {
	flows.contains_cloud_connector_actions({"connectionReferences": [{"logicalName": "r"}], "actions": []})
}

test_actions_alone_are_cloud_connector_actions if {
	flows.contains_cloud_connector_actions({"connectionReferences": [], "actions": [{"reference": "r"}]})
}

test_empty_flow_has_none if {
	not flows.contains_cloud_connector_actions({"connectionReferences": [], "actions": []})
}

test_shared_needs_a_grant if {
	flows.shared({"id": "f"}) with data.world.grants as {"f": {"user:a": {"user": true}}}
	not flows.shared({"id": "g"}) with data.world.grants as {"f": {"user:a": {"user": true}}}
	not flows.shared({"id": "f"}) with data.world.grants as {"f": {}}
}

test_reference_lookup if {
	f := {"connectionReferences": [{"logicalName": "a", "connector": "x"}, {"logicalName": "b", "connector": "y"}]}
	flows.reference(f, "b").connector == "y"
	not flows.reference(f, "c")
}

test_v2 if {
	flows.v2({"schemaVersion": "v2"})
	not flows.v2({"schemaVersion": "v1"})
}

test_needs_v2 if {
	flows.needs_v2({"schemaVersion": "v1", "connectionReferences": [{"logicalName": "r"}], "actions": []})
	not flows.needs_v2({"schemaVersion": "v2", "connectionReferences": [{"logicalName": "r"}], "actions": []})
	not flows.needs_v2({"schemaVersion": "v1", "connectionReferences": [], "actions": []})
}

test_not_embedded_only_when_shared if {
	f := {"id": "f", "connectionReferences": [{"logicalName": "a", "embedded": true}, {"logicalName": "b", "embedded": false}], "actions": []}
	flows.not_embedded(f) == {"b"} with data.world.grants as {"f": {"user:x": {"user": true}}}
	flows.not_embedded(f) == set() with data.world.grants as {}
}
