package padlock.audit.cloud_test

import data.padlock.audit.cloud

nightly := {
	"id": "cf", "name": "Nightly", "location": {"file": "Workflows/Nightly.json", "element": "properties/definition"},
	"runs": [
		{"action": "/properties/definition/actions/Run", "desktopFlow": "f", "runMode": "unattended"},
		{"action": "/properties/definition/actions/Later", "desktopFlow": "f", "runMode": ""},
	],
}

blocked := {"f": {"name": "Invoices", "flowName": "Invoices export", "blockers": ["connection reference \"r\" is not embedded", "it is stored in v1"]}}

test_pl010_cloud_flow_starts_blocked_flow if {
	fs := cloud.findings with input as {"cloudFlows": [nightly], "blocked": blocked}
	count(fs) == 2
	some x in fs
	x.rule == "PL010"
	x.severity == "error"
	x.flow == "f"
	x.flowName == "Invoices export"
	x.message == "cloud flow \"Nightly\" (/properties/definition/actions/Run) starts desktop flow \"Invoices\" unattended, which will fail: connection reference \"r\" is not embedded; it is stored in v1"
	x.location.file == "Workflows/Nightly.json"
}

test_pl010_not_for_a_flow_nothing_blocks if {
	count(cloud.findings) == 0 with input as {"cloudFlows": [nightly], "blocked": {}}
}

test_pl010_not_for_empty_blockers if {
	count(cloud.findings) == 0 with input as {"cloudFlows": [nightly], "blocked": {"f": {"name": "n", "flowName": "n", "blockers": []}}}
}
