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
#   their members. Undefined for an unknown flow.
# schemas:
#   - input: schema.listprincipals
principals := [entry |
	some principal in sort(_candidates)
	entry := _principal_entry(principal)
] if _flow

_flow := data.world.flows[input.flow]

_name := object.get(input, "reference", "")

_candidates contains _flow.owner

_candidates contains principal if some principal, _ in data.world.grants[_flow.id]

_candidates contains member if {
	some team, _ in data.world.grants[_flow.id]
	some member in data.world.teams[team]
}

_candidates contains principal if {
	some principal, _ in data.world.securityRoles[_flow.environment]
	reads_every_flow(_flow.environment, principal)
}

_candidates contains member if {
	some team, _ in data.world.securityRoles[_flow.environment]
	reads_every_flow(_flow.environment, team)
	some member in data.world.teams[team]
}

_principal_entry(principal) := object.union(
	{"principal": principal, "role": role, "via": sort(via(_flow, principal))},
	_plan(input.action, _flow, principal, role),
) if {
	role := roles.role(_flow, principal)
	not reasons.denied(input.action, _flow, principal, role, _name)
}

_plan(action, flow, principal, role) := {"connections": connections.plan(flow, principal, role)} if {
	action in {"run", "invoke"}
} else := {}

# METADATA
# title: Canonical principal of a what-can query
# description: The queried principal in canonical form, as the decision reads it.
# schemas:
#   - input: schema.listflows
principal := principals.canonical(input.principal)
