# How principals hold a role
#
#   The ways anyone holds a role on a flow, read from the indexed world:
#   its owner, a direct share, a share to one of their teams, a security
#   role (their own or a team's) that reads every desktop flow of the
#   environment. Who-can finds its candidates and names each one's ways
#   from this one enumeration.
package padlock.lists

# METADATA
# title: Ways
# description: |
#   Every way anyone holds a role on the flow, as [principal, way] pairs:
#   "owner", "share", "team:<id>", "security role <name>" or "security
#   role <name> (team:<id>)". Teams are listed themselves (their share or
#   security role) and expanded to their members. Found through the
#   indexes (grants by flow, members by team, security roles by
#   environment), never by a scan of every principal.
ways(flow) := ((({[flow.owner, "owner"] | flow.owner} | {[p, "share"] | some p, _ in data.world.grants[flow.id]}) | {[m, team] |
	some team, _ in data.world.grants[flow.id]
	some m in data.world.teams[team]
}) | {[p, sprintf("security role %s", [role])] |
	some p, roles in data.world.securityRoles[flow.environment]
	some role in roles
	role in data.padlock.config.processReadAllRoles
}) | {[m, sprintf("security role %s (%s)", [role, team])] |
	some team, roles in data.world.securityRoles[flow.environment]
	some role in roles
	role in data.padlock.config.processReadAllRoles
	some m in data.world.teams[team]
}

# METADATA
# title: Via
# description: The ways one principal holds a role on the flow (ways).
via(flow, principal) := {way |
	some pair in ways(flow)
	pair[0] == principal
	way := pair[1]
}

# METADATA
# title: Candidates
# description: |
#   Everyone who might hold a role on a flow: the principals of its ways
#   (its owner, the principals of its grants, the members of granted
#   teams, the holders and their teams' members of a security role that
#   reads every flow of its environment).
candidates(flow) := {p | some [p, _] in ways(flow)}

# METADATA
# title: Reads every flow
# description: The security roles a principal holds in an environment include one that reads every row of the Process table.
reads_every_flow(environment, principal) if {
	some role in data.world.securityRoles[environment][principal]
	role in data.padlock.config.processReadAllRoles
}
