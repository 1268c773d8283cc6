# Who can
#
#   Every principal a decision would allow an action on a flow, as OpenFGA's
#   ListUsers and SpiceDB's LookupSubjects answer: found through the world's
#   indexes (the flow's owner, its grants, the members of granted teams, the
#   holders of security roles in its environment), and each checked with the
#   same reason functions the decision uses (padlock.reasons).
package padlock.lists

import data.padlock.connections
import data.padlock.principals
import data.padlock.reasons
import data.padlock.roles

# METADATA
# title: Principals
# description: |
#   For the flow and action of the input, every principal allowed, sorted:
#   principal, role, how they hold it, and for run and invoke the connection
#   each reference would use. Teams are listed themselves and expanded to
#   their members. Where the input names principals, only those are
#   considered; where it names a part, only that part of the list is
#   listed (the engine asks a long list so, in parallel). Undefined for an
#   unknown flow.
# schemas:
#   - input: schema.listprincipals
principals := [entry |
	some principal in considered_principals
	role := roles.role(flow, principal)
	not reasons.denied(input.action, flow, principal, role, name)
	entry := _listed(flow, principal, role)
] if {
	flow := data.world.flows[input.flow]
	name := object.get(input, "reference", "")
}

# METADATA
# title: Considered principals
# description: |
#   Who a who-can query considers, sorted and each once: the principals it
#   names (canonical), or the flow's candidates; of them, the part the
#   query asks for (part_of). Naming someone who is not a candidate adds
#   nobody: they hold no role on the flow, and the decision denies them.
# schemas:
#   - input: schema.listprincipals
considered_principals := part_of(sort({principals.canonical(p) | some p in input.principals}), object.get(input, "part", null)) if {
	input.principals
} else := part_of(sort(candidates(data.world.flows[input.flow])), object.get(input, "part", null))

# METADATA
# title: Candidates
# description: |
#   Everyone who might hold a role on a flow, from the indexes: its owner,
#   the principals of its grants, the members of granted teams, and the
#   holders (and their teams' members) of a security role that reads every
#   flow of its environment.
candidates(flow) := ((({flow.owner | flow.owner} | {p | some p, _ in data.world.grants[flow.id]}) | {m |
	some team, _ in data.world.grants[flow.id]
	some m in data.world.teams[team]
}) | {p |
	some p, _ in data.world.securityRoles[flow.environment]
	reads_every_flow(flow.environment, p)
}) | {m |
	some team, _ in data.world.securityRoles[flow.environment]
	reads_every_flow(flow.environment, team)
	some m in data.world.teams[team]
}

# METADATA
# title: Editors
# description: |
#   The owner and co-owners of a flow, sorted, teams included: direct and
#   team co-owners and the holders of security roles that read every flow.
#   They may edit, share and delete it, and so make most changes a remedy
#   asks for. The same set as who-can share (checked by a property test),
#   read straight from the grants, as remedies are on a decision's path.
editors(flow) := sort((((({flow.owner | flow.owner} | {p | data.world.grants[flow.id][p]["co-owner"]}) | {m |
	data.world.grants[flow.id][team]["co-owner"]
	some m in data.world.teams[team]
}) | {p |
	some p, _ in data.world.securityRoles[flow.environment]
	reads_every_flow(flow.environment, p)
}) | {m |
	some team, _ in data.world.securityRoles[flow.environment]
	reads_every_flow(flow.environment, team)
	some m in data.world.teams[team]
}))

_listed(flow, principal, role) := {
	"principal": principal,
	"role": role,
	"via": sort(via(flow, principal)),
	"connections": connections.plan(flow, principal, role),
} if {
	_runs
} else := {"principal": principal, "role": role, "via": sort(via(flow, principal))}

_runs if input.action in reasons.run_actions

# METADATA
# title: Canonical principal of a what-can query
# description: The queried principal in canonical form, as the decision reads it.
# schemas:
#   - input: schema.listflows
principal := principals.canonical(input.principal)
