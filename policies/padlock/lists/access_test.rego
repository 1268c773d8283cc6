package padlock.lists_test

import data.padlock.authz
import data.padlock.lists

test_access_says_whom_a_cloud_flow_may_start_the_flow_for if {
	r := lists.access with input as {"flow": "f"} with data.world as world with data.padlock.config as config
	{p.principal: p.invoke | some p in r} == {
		"user:o": true, "user:u": false, "team:t": true,
		"user:m": true, "team:admins": true, "user:a": true,
	}
}

test_access_runners_are_who_can_run if {
	r := lists.access with input as {"flow": "f"} with data.world as world with data.padlock.config as config
	run := lists.principals with input as {"action": "run", "flow": "f", "mode": "console"} with data.world as world with data.padlock.config as config
	[object.remove(p, ["invoke", "reasons", "remedies"]) | some p in r] == run
}

test_access_carries_the_invoke_decisions_reasons_and_remedies if {
	r := lists.access with input as {"flow": "f"} with data.world as world with data.padlock.config as config
	some p in r
	p.principal == "user:u"
	d := authz.decision with input as {"action": "invoke", "principal": "user:u", "flow": "f", "mode": "attended"} with data.world as world with data.padlock.config as config
	not d.allow
	[x.code | some x in p.reasons] == ["CONSOLE_ONLY"]
	p.reasons == d.reasons
	p.remedies == d.remedies
	count(p.remedies) > 0
}

test_access_has_no_reasons_where_a_cloud_flow_may_start_it if {
	r := lists.access with input as {"flow": "f"} with data.world as world with data.padlock.config as config
	some p in r
	p.principal == "user:o"
	not p.reasons
	not p.remedies
}

test_access_of_an_unknown_flow_is_undefined if {
	not lists.access with input as {"flow": "nope"} with data.world as world with data.padlock.config as config
}
