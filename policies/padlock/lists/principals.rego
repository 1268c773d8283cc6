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
principals := [{
	"principal": principal,
	"role": role,
	"via": sort(ways),
	"connections": connections.plan(flow, principal, role),
} |
	some [principal, role] in _allowed(flow)

	# indexed by OPA: the flow's ways are grouped by principal once
	ways := [way | _ways[_] = [principal, way]]
] if {
	input.action in reasons.run_actions
	flow := data.world.flows[input.flow]
} else := [{"principal": principal, "role": role, "via": sort(ways)} |
	some [principal, role] in _allowed(flow)
	ways := [way | _ways[_] = [principal, way]]
] if {
	flow := data.world.flows[input.flow]
}

# The ways of the input's flow: a rule, not a call, so that OPA indexes
# the comprehensions above that pick one principal's ways from it.
_ways := ways(data.world.flows[input.flow])

# The considered principals the decision allows, each with their role.
_allowed(flow) := [[principal, role] |
	some principal in considered_principals
	role := roles.role(flow, principal)
	not reasons.denied(input.action, flow, principal, role, name)
] if {
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

# METADATA
# title: Canonical principal of a what-can query
# description: The queried principal in canonical form, as the decision reads it.
# schemas:
#   - input: schema.listflows
principal := principals.canonical(input.principal)
