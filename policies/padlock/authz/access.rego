# Access
# Reasons that come from who the principal is on the flow, before any rule about connections.
package padlock.authz

import data.padlock.reasons

# METADATA
# title: Unknown flow
# description: No DesktopFlow has the queried id.
# custom:
#   code: UNKNOWN_FLOW
#   domain_rule: none (input)
deny contains {
	"code": "UNKNOWN_FLOW",
	"message": sprintf("no desktop flow has id %q", [input.flow]),
} if {
	not flow
}

# METADATA
# title: No access
# description: The principal is neither owner, co-owner nor user of the flow, directly, through a team or through a security role.
# custom:
#   code: NO_ACCESS
#   domain_rule: Roles on a desktop flow (anyone else has no access)
deny contains {
	"code": "NO_ACCESS",
	"message": sprintf("%s holds no role on flow %q: it is not shared with them or their teams, and they have no security role that reads every desktop flow", [input.principal, flow.name]),
} if {
	flow
	reasons.no_access(role)
}

# METADATA
# title: Run-only
# description: A run-only user may run the flow and use it in a cloud flow; they may not edit, rename, delete or share it, nor embed references.
# custom:
#   code: RUN_ONLY
#   domain_rule: Roles on a desktop flow (user); rule 3
deny contains {
	"code": "RUN_ONLY",
	"message": sprintf("%s is a run-only user of flow %q and may not %s it: only the owner and co-owners may", [input.principal, flow.name, input.action]),
} if {
	reasons.run_only(input.action, role)
}

# METADATA
# title: Invalid input
# description: |
#   The action is not one padlock knows. padlock validates every query
#   against schemas/query.json first, so only a caller that bypasses the
#   validation (plain OPA serving the bundle) can see this.
# custom:
#   code: INVALID_INPUT
#   domain_rule: none (input)
deny contains {
	"code": "INVALID_INPUT",
	"message": sprintf("unknown action %v: want one of %v", [input.action, sort(actions)]),
} if {
	not input.action in actions
}
