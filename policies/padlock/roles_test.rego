package padlock.roles_test

import data.padlock.roles

world := {
	"grants": {"f": [
		{"principal": "user:u", "role": "user"},
		{"principal": "team:t", "role": "co-owner"},
	]},
	"memberOf": {"user:m": ["team:t"], "user:admin": ["team:admins"]},
	"securityRoles": {"env": {"team:admins": ["System Administrator"], "user:basic": ["Basic User"]}},
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

test_implicit_co_owner_through_team_security_role if role_of("user:admin") == "co-owner"

test_other_security_roles_give_nothing if role_of("user:basic") == "none"

test_stranger if role_of("user:x") == "none"

test_flow_without_owner_has_no_owner if {
	roles.role({"id": "f", "environment": "env"}, "user:o") == "none" with data.world as world
		with data.padlock.config as config
}

test_strongest_counts if {
	roles.strongest({"user", "co-owner"}) == "co-owner"
	roles.strongest({"user", "owner", "co-owner"}) == "owner"
	roles.strongest({"user"}) == "user"
	roles.strongest(set()) == "none"
}

test_editors if {
	roles.editor("owner")
	roles.editor("co-owner")
	not roles.editor("user")
	not roles.editor("none")
}
