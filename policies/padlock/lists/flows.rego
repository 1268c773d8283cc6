# METADATA
# title: List queries
# description: |
#   Who can (principals.rego) and what can (flows.rego): the questions
#   OpenFGA's ListUsers and ListObjects answer, asked of the same reason
#   functions a decision uses. What can: every flow, and every action on it, a decision would allow one principal,
#   as OpenFGA's ListObjects and SpiceDB's LookupResources answer: found
#   through the world's reverse indexes (flows owned, shared with them or
#   their teams, flows of environments where a security role reads every
#   flow), each action checked with the decision's reason functions.
package padlock.lists

import data.padlock.connections
import data.padlock.reasons
import data.padlock.roles

# METADATA
# title: Flows
# description: |
#   For the principal of the input, every flow on which some asked action is
#   allowed, sorted by id: the flow, the principal's role, and each allowed
#   action (per reference for embed, unembed and use; with the connection
#   plan for run and invoke).
# schemas:
#   - input: schema.listflows
flows := [entry |
	some id in sort(_flow_candidates)
	flow := data.world.flows[id]
	role := roles.role(flow, principal)
	role != "none"
	allowed := _allowed_actions(flow, role)
	count(allowed) > 0
	entry := {"flow": id, "name": flow.name, "environment": flow.environment, "role": role, "actions": allowed}
]

_all_actions := ["run", "invoke", "edit", "share", "delete", "embed", "unembed", "use"]

_asked := object.get(input, "actions", _all_actions)

_flow_candidates contains id if some id, _ in data.world.ownedBy[principal]

_flow_candidates contains id if some id, _ in data.world.sharedWith[principal]

_flow_candidates contains id if {
	some team in data.world.memberOf[principal]
	some id, _ in data.world.sharedWith[team]
}

_flow_candidates contains id if {
	some environment, _ in data.world.securityRoles
	_reads_every_flow_in(environment)
	some id, _ in data.world.flowsIn[environment]
}

_reads_every_flow_in(environment) if reads_every_flow(environment, principal)

_reads_every_flow_in(environment) if {
	some team in data.world.memberOf[principal]
	reads_every_flow(environment, team)
}

_plain_actions := [action |
	some action in _all_actions
	action in _asked
	not action in reasons.reference_actions
]

_reference_actions := [action |
	some action in _all_actions
	action in _asked
	action in reasons.reference_actions
]

# The run plan is computed once per flow, for run and invoke alike.
_allowed_actions(flow, role) := array.concat(plain, by_reference) if {
	plan := connections.plan(flow, principal, role)
	plain := [_plain_entry(action, plan) |
		some action in _plain_actions
		not reasons.denied(action, flow, principal, role, "")
	]
	by_reference := [{"action": action, "reference": ref.logicalName} |
		some action in _reference_actions
		some ref in flow.connectionReferences
		not reasons.denied(action, flow, principal, role, ref.logicalName)
	]
}

_plain_entry(action, plan) := {"action": action, "connections": plan} if {
	action in {"run", "invoke"}
} else := {"action": action}
