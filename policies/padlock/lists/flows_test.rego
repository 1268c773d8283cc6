package padlock.lists_test

import data.padlock.lists

test_what_can_a_run_only_user if {
	r := lists.flows with input as {"principal": "user:u"} with data.world as world with data.padlock.config as config
	count(r) == 1
	{a.action | some a in r[0].actions} == {"run"}
}

test_what_can_a_team_member_through_the_team if {
	r := lists.flows with input as {"principal": "user:m"} with data.world as world with data.padlock.config as config
	{a.action | some a in r[0].actions} == {"run", "invoke", "edit", "share", "delete", "use"}
}

test_what_can_the_owner_per_reference if {
	r := lists.flows with input as {"principal": "user:o", "actions": ["embed", "use"]} with data.world as world with data.padlock.config as config
	r[0].actions == [{"action": "embed", "reference": "r"}, {"action": "use", "reference": "r"}]
}

test_what_can_a_stranger if {
	r := lists.flows with input as {"principal": "user:x"} with data.world as world with data.padlock.config as config
	r == []
}

test_considered_flows_are_the_sorted_candidates if {
	w := object.union(world, {"flows": object.union(world.flows, {"e": object.union(world.flows.f, {"id": "e"})}), "ownedBy": {"user:o": {"f": true, "e": true}}})
	c := lists.considered_flows with input as {"principal": "user:o"} with data.world as w with data.padlock.config as config
	c == ["e", "f"]
}

test_what_can_among_named_flows if {
	w := object.union(world, {"flows": object.union(world.flows, {"e": object.union(world.flows.f, {"id": "e"})}), "ownedBy": {"user:o": {"f": true, "e": true}}})
	r := lists.flows with input as {"principal": "user:o", "flows": ["f", "nope", "f"]} with data.world as w with data.padlock.config as config
	[f.flow | some f in r] == ["f"]
}
