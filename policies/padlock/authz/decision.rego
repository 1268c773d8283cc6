# METADATA
# title: Decision
# description: |
#   The one decision document padlock answers for every query: may
#   input.principal do input.action on input.flow, in which role, why not,
#   which connections a run would use, and whether the BYOC dialog shows.
#   Deny by default: allow only when the flow is known, the principal holds a
#   role on it, and no deny rule applies.
# schemas:
#   - input: schema.query
package padlock.authz

import data.padlock.byoc
import data.padlock.connections
import data.padlock.flows
import data.padlock.principals
import data.padlock.remedies
import data.padlock.roles

# METADATA
# title: The decision
# description: "{allow, role, reasons, connections, byocDialog, remedies}: the contract of padlock's query API."
decision := {
	"allow": allow,
	"role": role,
	"reasons": reasons,
	"connections": run_connections,
	"byocDialog": byoc_dialog,
	"remedies": remedies.remedies,
}

# METADATA
# title: Allow
# description: Only a known action on a known flow by a principal with a role on it, with no reason to deny.
default allow := false

allow if {
	input.action in actions
	flow
	role != "none"
	count(deny) == 0
}

# METADATA
# title: Actions
# description: Every action a query may ask about.
actions := {"run", "invoke", "edit", "share", "delete", "embed", "unembed", "use"}

# METADATA
# title: Flow
# description: The flow the query is about.
flow := flows.flow(input.flow)

# METADATA
# title: Principal
# description: The queried principal in canonical form; messages echo input.principal as the caller wrote it.
principal := principals.canonical(input.principal)

# METADATA
# title: Role
# description: The principal's strongest role on the flow; none for an unknown flow.
default role := "none"

role := roles.role(flow, principal)

# METADATA
# title: Has access
# description: The principal holds some role on a known flow.
access if role != "none"

# METADATA
# title: Reasons
# description: Every reason to deny, ordered by code, then reference.
reasons := [r | some r in deny]

# METADATA
# title: Connections
# description: For a run or invoke the principal may attempt, one entry per connection reference.
default run_connections := []

run_connections := connections.plan(flow, principal, role) if {
	input.action in data.padlock.reasons.run_actions
	access
}

# METADATA
# title: BYOC dialog
# description: Whether an allowed console run shows the bring-your-own-connection dialog; always false for invoke.
default byoc_dialog := false

byoc_dialog if {
	input.action == "run"
	allow
	byoc.shown(flow, principal, run_connections)
}
