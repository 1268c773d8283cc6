package padlock.lists_test

import data.padlock.lists

test_who_can_run if {
	r := lists.principals with input as {"action": "run", "flow": "f", "mode": "console"} with data.world as world with data.padlock.config as config
	{p.principal: p.role | some p in r} == {"user:o": "owner", "user:u": "user", "team:t": "co-owner", "user:m": "co-owner", "team:admins": "co-owner", "user:a": "co-owner"}
}

test_who_can_edit_leaves_out_run_only_users if {
	r := lists.principals with input as {"action": "edit", "flow": "f"} with data.world as world with data.padlock.config as config
	not "user:u" in {p.principal | some p in r}
	"user:m" in {p.principal | some p in r}
}

test_who_can_embed_is_the_reference_owner if {
	r := lists.principals with input as {"action": "embed", "flow": "f", "reference": "r"} with data.world as world with data.padlock.config as config
	[p.principal | some p in r] == ["user:o"]
}

test_unknown_flow_is_undefined if {
	not lists.principals with input as {"action": "run", "flow": "nope", "mode": "console"} with data.world as world with data.padlock.config as config
}

test_considered_principals_are_the_sorted_candidates if {
	c := lists.considered_principals with input as {"action": "run", "flow": "f", "mode": "console"} with data.world as world with data.padlock.config as config
	c == ["team:admins", "team:t", "user:a", "user:m", "user:o", "user:u"]
}

test_who_can_among_named_principals if {
	r := lists.principals with input as {"action": "run", "flow": "f", "mode": "console", "principals": ["u", "user:x", "team:t", "user:u"]}
		with data.world as world
		with data.padlock.config as config

	# a bare name is a user: listed canonical, sorted and once; a stranger is not allowed
	[p.principal | some p in r] == ["team:t", "user:u"]
}

test_who_can_in_parts_is_who_can if {
	all := lists.principals with input as {"action": "run", "flow": "f", "mode": "console"} with data.world as world with data.padlock.config as config
	first := lists.principals with input as {"action": "run", "flow": "f", "mode": "console", "principals": ["team:admins", "team:t", "user:a"]}
		with data.world as world
		with data.padlock.config as config
	rest := lists.principals with input as {"action": "run", "flow": "f", "mode": "console", "principals": ["user:m", "user:o", "user:u"]}
		with data.world as world
		with data.padlock.config as config
	array.concat(first, rest) == all
}

test_who_can_names_each_principals_own_ways if {
	r := lists.principals with input as {"action": "edit", "flow": "f"} with data.world as world with data.padlock.config as config
	{p.principal: p.via | some p in r} == {
		"user:o": ["owner"],
		"team:t": ["share"],
		"user:m": ["team:t"],
		"team:admins": ["security role System Administrator"],
		"user:a": ["security role System Administrator (team:admins)"],
	}
}
