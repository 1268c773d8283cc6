package padlock.lists_test

import data.padlock.lists

world := {
	"flows": {"f": {
		"id": "f", "name": "F", "environment": "env", "owner": "user:o", "schemaVersion": "v2",
		"connectionReferences": [{"logicalName": "r", "connector": "shared_sql", "owner": "user:o", "embedded": true}],
		"actions": [],
	}},
	"grants": {"f": {"user:u": {"user": true}, "team:t": {"co-owner": true}}},
	"teams": {"team:t": ["user:m"], "team:admins": ["user:a"]},
	"memberOf": {"user:m": ["team:t"], "user:a": ["team:admins"]},
	"securityRoles": {"env": {"team:admins": ["System Administrator"]}},
	"connections": {},
	"ownedBy": {"user:o": {"f": true}},
	"sharedWith": {"user:u": {"f": true}, "team:t": {"f": true}},
	"flowsIn": {"env": {"f": true}},
}

config := {"processReadAllRoles": ["System Administrator"]}

test_via_names_every_way if {
	lists.via(world.flows.f, "user:o") == {"owner"} with data.world as world
	lists.via(world.flows.f, "user:m") == {"team:t"} with data.world as world
	lists.via(world.flows.f, "user:a") == {"security role System Administrator (team:admins)"} with data.world as world with data.padlock.config as config
	lists.via(world.flows.f, "user:x") == set() with data.world as world with data.padlock.config as config
}

test_ways_pair_every_holder_with_each_way if {
	lists.ways(world.flows.f) == {
		["user:o", "owner"],
		["user:u", "share"],
		["team:t", "share"],
		["user:m", "team:t"],
		["team:admins", "security role System Administrator"],
		["user:a", "security role System Administrator (team:admins)"],
	} with data.world as world
		with data.padlock.config as config
}

test_candidates_are_the_principals_of_the_ways if {
	lists.candidates(world.flows.f) == {"user:o", "user:u", "team:t", "user:m", "team:admins", "user:a"} with data.world as world
		with data.padlock.config as config
}
