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

_allowed_actions(flow, role) := [entry |
	some action in _all_actions
	action in _asked
	some name in _names(action, flow)
	not reasons.denied(action, flow, principal, role, name)
	entry := _action_entry(action, name, flow, role)
]

_names(action, flow) := [ref.logicalName | some ref in flow.connectionReferences] if {
	action in reasons.reference_actions
} else := [""]

_action_entry(action, name, flow, role) := {"action": action, "connections": connections.plan(flow, principal, role)} if {
	action in {"run", "invoke"}
} else := {"action": action, "reference": name} if {
	name != ""
} else := {"action": action}
