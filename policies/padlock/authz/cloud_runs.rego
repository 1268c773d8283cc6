# Cloud-initiated runs
#
#   When a cloud flow may start a desktop flow that contains cloud connector
#   actions (domain.md rules 2 and 5). Flows without cloud connector actions
#   may be started from a cloud flow by anyone with a role on them.
package padlock.authz

import data.padlock.flows
import data.padlock.reasons

# METADATA
# title: Console only
# description: A run-only user may only do attended, console-initiated runs of a flow with cloud connector actions.
# custom:
#   code: CONSOLE_ONLY
#   domain_rule: 2
deny contains {
	"code": "CONSOLE_ONLY",
	"message": sprintf("%s is a run-only user of flow %q, which contains cloud connector actions: run-only users may only run it from the console", [input.principal, flow.name]),
} if {
	reasons.console_only(input.action, flow, role)
}

# METADATA
# title: Stored in v1
# description: A cloud-initiated run needs the flow stored in the v2 schema.
# custom:
#   code: SCHEMA_V1
#   domain_rule: 5
deny contains {
	"code": "SCHEMA_V1",
	"message": sprintf("flow %q is stored in the v1 schema: a cloud flow can start it only once it is saved in the v2 schema", [flow.name]),
} if {
	reasons.schema_v1(input.action, flow, role)
}

# METADATA
# title: Not embedded
# description: A cloud-initiated run of a shared flow needs every connection reference embedded; one reason per reference that is not.
# custom:
#   code: NOT_EMBEDDED
#   domain_rule: 5
deny contains {
	"code": "NOT_EMBEDDED",
	"message": sprintf("connection reference %q (%s) of shared flow %q is not embedded: a cloud flow can start a shared flow only when every reference is embedded", [ref.logicalName, ref.connector, flow.name]),
	"reference": ref.logicalName,
} if {
	some name in reasons.not_embedded(input.action, flow, role)
	ref := flows.reference(flow, name)
}

# A cloud-initiated run, by someone with access, of a flow the rules of
# cloud connector actions apply to.
