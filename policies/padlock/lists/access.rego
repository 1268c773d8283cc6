# Access of a flow
#
#   One row of the access report in one evaluation: who may run the flow,
#   and for each of them whether a cloud flow may start it and, where not,
#   why and what would fix it. The report asks this once per flow instead
#   of a list and then one decision per principal a cloud flow cannot
#   start it for.
package padlock.lists

import data.padlock.authz
import data.padlock.reasons
import data.padlock.remedies

# METADATA
# title: Access
# description: |
#   For the flow of the input, everyone who may run it from the console, as
#   principals lists them (principal, role, via, plan), each with "invoke":
#   whether a cloud flow may start it for them (attended), and where it may
#   not, the "reasons" and "remedies" of that invoke decision. Undefined for
#   an unknown flow.
# schemas:
#   - input: schema.listprincipals
access := [object.union(runner, _cloud_start(flow, runner)) | some runner in runners] if {
	flow := data.world.flows[input.flow]
	runners := principals with input as {"action": "run", "flow": input.flow, "mode": "console"}
}

# A runner a cloud flow may start the flow for (the reason functions the
# invoke decision uses), or the invoke decision's reasons and remedies.
_cloud_start(flow, runner) := {"invoke": true} if {
	not reasons.denied("invoke", flow, runner.principal, runner.role, "")
} else := {"invoke": false, "reasons": refused.reasons, "remedies": refused.remedies} if {
	refused := {"reasons": authz.reasons, "remedies": remedies.remedies} with input as {
		"action": "invoke",
		"principal": runner.principal,
		"flow": flow.id,
		"mode": "attended",
	}
}
