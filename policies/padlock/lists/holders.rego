# How a principal holds a role
#
#   The ways a principal holds a role on a flow, read from the indexed
#   world: its owner, a direct share, a share to one of their teams, a
#   security role (their own or a team's) that reads every desktop flow of
#   the environment.
package padlock.lists

# METADATA
# title: Via
# description: 'Each way the principal holds a role: "owner", "share", "team:<id>", "security role <name>" or "security role <name> (team:<id>)".'
via(flow, principal) := ((({"owner" | flow.owner == principal} | {"share" | data.world.grants[flow.id][principal]}) | {team |
	some team in data.world.memberOf[principal]
	data.world.grants[flow.id][team]
}) | {sprintf("security role %s", [role]) |
	some role in data.world.securityRoles[flow.environment][principal]
	role in data.padlock.config.processReadAllRoles
}) | {sprintf("security role %s (%s)", [role, team]) |
	some team in data.world.memberOf[principal]
	some role in data.world.securityRoles[flow.environment][team]
	role in data.padlock.config.processReadAllRoles
}

# METADATA
# title: Reads every flow
# description: The security roles a principal holds in an environment include one that reads every row of the Process table.
reads_every_flow(environment, principal) if {
	some role in data.world.securityRoles[environment][principal]
	role in data.padlock.config.processReadAllRoles
}
