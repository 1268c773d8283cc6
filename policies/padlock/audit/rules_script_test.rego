package padlock.audit_test

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

test_pl007_not_while_a_live_action_uses_the_reference if {
	fa := facts({"actions": [
		{"connector": "shared_sql", "operation": "Q", "reference": "r", "known": true, "disabled": true, "lines": [4]},
		{"connector": "shared_sql", "operation": "Q", "reference": "r", "known": true, "disabled": false, "lines": [8]},
	]})
	ids(run(flow_doc({}), {}, fa)) == {"PL012"}
}

test_pl011_credentials_without_the_secret if {
	fa := facts({"credentials": [{"variable": "Password", "why": "sensitive", "line": 12}]})
	some x in run(flow_doc({}), {}, fa)
	x.rule == "PL011"
	contains(x.message, "Password")
	x.location.element == "Workflow f/Definition, script line 12"
}
