package padlock.remedies_test

import data.padlock.remedies

world := {
	"flows": {
		"f": {
			"id": "f", "name": "F", "environment": "env", "owner": "user:o", "schemaVersion": "v1",
			"connectionReferences": [
				{"logicalName": "r", "connector": "shared_sql", "owner": "user:o", "embedded": false},
				{"logicalName": "gone", "connector": "shared_sql", "owner": "user:left", "embedded": false},
			],
			"actions": [],
		},
		"g": {"id": "g", "name": "G", "environment": "env", "owner": "user:o", "schemaVersion": "v2", "connectionReferences": [], "actions": []},
	},
	"grants": {"f": {"user:u": {"user": true}, "user:c": {"co-owner": true}}},
	"teams": {},
	"memberOf": {},
	"securityRoles": {},
	"connections": {},
}

remedies_of(q) := r if {
	r := remedies.remedies with input as q
		with data.world as world
		with data.padlock.config as {"processReadAllRoles": []}
}

remedy(q, code) := [r | some r in remedies_of(q); r.code == code][0]

test_no_access_shares_with_the_principal if {
	r := remedy({"action": "edit", "principal": "user:x", "flow": "f"}, "NO_ACCESS")
	r.by == ["user:c", "user:o"]
	r.whatIf[0].document == {"kind": "Share", "flow": "f", "grants": [{"principal": "user:x", "role": "co-owner"}]}
}

test_run_only_is_made_co_owner if {
	r := remedy({"action": "edit", "principal": "user:u", "flow": "f"}, "RUN_ONLY")
	r.whatIf[0].document.grants == [{"principal": "user:u", "role": "co-owner"}]
}

test_schema_v1_is_saved_in_v2_by_an_editor if {
	r := remedy({"action": "invoke", "mode": "attended", "principal": "user:o", "flow": "f"}, "SCHEMA_V1")
	r.by == ["user:c", "user:o"]
	r.whatIf[0].document.schemaVersion == "v2"
}

test_not_embedded_by_the_reference_owner if {
	rs := [r | some r in remedies_of({"action": "invoke", "mode": "attended", "principal": "user:o", "flow": "f"}); r.code == "NOT_EMBEDDED"]
	some r in rs
	r.reference == "r"
	r.by == ["user:o"]
}

test_not_embedded_whose_owner_left_is_re_added_by_a_co_owner if {
	rs := [r | some r in remedies_of({"action": "invoke", "mode": "attended", "principal": "user:o", "flow": "f"}); r.code == "NOT_EMBEDDED"; r.reference == "gone"]
	rs[0].by == ["user:c", "user:o"]
	some ref in rs[0].whatIf[0].document.connectionReferences
	ref.logicalName == "gone"
	ref.embedded
	ref.owner == "user:c"
}

test_a_share_that_would_not_suffice_has_no_what_if if {
	# A stranger who wants to embed another's reference: sharing alone does not do it.
	r := remedy({"action": "embed", "reference": "r", "principal": "user:x", "flow": "f"}, "NO_ACCESS")
	not r.whatIf
	r.note
}

test_an_allowed_decision_has_no_remedy if {
	remedies_of({"action": "edit", "principal": "user:o", "flow": "g"}) == []
}
