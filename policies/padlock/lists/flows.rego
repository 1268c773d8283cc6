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
#   plan for run and invoke). Where the input names flows, only those are
#   considered; where it names a part, only that part of the list is
#   listed (the engine asks a long list so, in parallel).
# schemas:
#   - input: schema.listflows
flows := [entry |
	some id in considered_flows
	flow := data.world.flows[id]
	role := roles.role(flow, p)
	role != "none"
	allowed := _allowed_actions(flow, p, role)
	count(allowed) > 0
	entry := {"flow": id, "name": flow.name, "environment": flow.environment, "role": role, "actions": allowed}
] if p := principal

_all_actions := ["run", "invoke", "edit", "share", "delete", "embed", "unembed", "use"]

_asked := object.get(input, "actions", _all_actions)

# METADATA
# title: Considered flows
# description: |
#   Which flows a what-can query considers, sorted and each once: the flows
#   it names, or the flows the principal might hold a role on, from the
#   indexes; of them, the part the query asks for (part_of). Naming a
#   flow that is not a candidate adds nothing: the principal holds no role
#   on it.
# schemas:
#   - input: schema.listflows
considered_flows := part_of(sort({id | some id in input.flows}), object.get(input, "part", null)) if {
	input.flows
} else := part_of(sort(_flow_candidates), object.get(input, "part", null))

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

# The asked actions of a kind that no reason of the role alone denies,
# in the order of _all_actions: asked once per role (OPA remembers a
# function's answer for the same arguments), not once per flow.
_by_role(kind, role) := [action |
	some action in _all_actions
	_kind(action) == kind
	action in _asked
	not reasons.denied_by_role(action, role)
]

_kind(action) := "runs" if {
	action in reasons.run_actions
} else := "references" if {
	action in reasons.reference_actions
} else := "others"

# reasons.denied, asked group by group where each can change: by role
# above, then by flow, then by reference (unknown_reference cannot apply
# to the flow's own references). The run plan is the same for run and
# invoke: OPA computes it once.
_allowed_actions(flow, p, role) := array.concat(array.concat(runs, others), by_reference) if {
	runs := [{"action": action, "connections": connections.plan(flow, p, role)} |
		some action in _by_role("runs", role)
		not reasons.denied_on_flow(action, flow, role)
	]
	others := [{"action": action} |
		some action in _by_role("others", role)
		not reasons.denied_on_flow(action, flow, role)
	]
	by_reference := [{"action": action, "reference": ref.logicalName} |
		some action in _by_role("references", role)
		some ref in flow.connectionReferences
		not reasons.denied_on(action, ref, p, role)
	]
}
