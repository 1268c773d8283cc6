package padlock.roles_test

import data.padlock.roles

world := {
	"grants": {"f": {
		"user:u": {"user": true},
		"user:both": {"user": true},
		"team:t": {"co-owner": true},
		"team:viewers": {"user": true},
	}},
	"memberOf": {"user:m": ["team:t"], "user:both": ["team:t"], "user:admin": ["team:admins"], "user:viewer": ["team:viewers"]},
	"securityRoles": {"env": {"team:admins": ["System Administrator"], "user:basic": ["Basic User"], "user:customizer": ["System Customizer"]}},
}

config := {"processReadAllRoles": ["System Administrator", "System Customizer"]}

flow := {"id": "f", "environment": "env", "owner": "user:o"}

role_of(principal) := r if {
	r := roles.role(flow, principal) with data.world as world
		with data.padlock.config as config
}

test_owner if role_of("user:o") == "owner"

test_direct_user if role_of("user:u") == "user"

test_team_member_holds_team_role if role_of("user:m") == "co-owner"

test_team_user if role_of("user:viewer") == "user"

test_strongest_counts if role_of("user:both") == "co-owner"

test_implicit_co_owner_directly if role_of("user:customizer") == "co-owner"

test_implicit_co_owner_through_team_security_role if role_of("user:admin") == "co-owner"

test_other_security_roles_give_nothing if role_of("user:basic") == "none"

test_security_roles_are_per_environment if {
	r := roles.role({"id": "f", "environment": "other"}, "user:customizer") with data.world as world
		with data.padlock.config as config
	r == "none"
}

test_stranger if role_of("user:x") == "none"

test_flow_without_owner_has_no_owner if {
	r := roles.role({"id": "f", "environment": "env"}, "user:o") with data.world as world
		with data.padlock.config as config
	r == "none"
}

test_editors if {
	roles.editor("owner")
	roles.editor("co-owner")
	not roles.editor("user")
	not roles.editor("none")
}
