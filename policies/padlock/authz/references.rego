# Connection references
#
#   Who may embed, unembed and use the connection under one connection
#   reference of a flow (domain.md rules 1 to 4).
package padlock.authz

import data.padlock.flows
import data.padlock.reasons
import data.padlock.roles

# METADATA
# title: Reference
# description: The queried connection reference of the flow.
reference := flows.reference(flow, input.reference)

# METADATA
# title: Unknown reference
# description: The flow has no connection reference with the queried logical name.
# custom:
#   code: UNKNOWN_REFERENCE
#   domain_rule: none (input)
deny contains {
	"code": "UNKNOWN_REFERENCE",
	"message": sprintf("flow %q has no connection reference %q", [flow.name, input.reference]),
	"reference": input.reference,
} if {
	reasons.unknown_reference(input.action, flow, role, input.reference)
}

# METADATA
# title: Not the reference's owner
# description: A co-owner may embed, or remove from embedding, only the connection references they added; a reference without a known owner can be managed by nobody.
# custom:
#   code: NOT_REFERENCE_OWNER
#   domain_rule: 3
deny contains {
	"code": "NOT_REFERENCE_OWNER",
	"message": sprintf("%s did not add connection reference %q (%s): only the co-owner who added it may %s it", [input.principal, reference.logicalName, _added_by(reference), input.action]),
	"reference": reference.logicalName,
} if {
	reasons.not_reference_owner(input.action, reference, principal, role)
}

# METADATA
# title: Connection not shared
# description: |
#   Sharing a flow never grants access to the connections under it. Only the
#   reference's owner uses its connection, and the other co-owners only once
#   it is embedded; a run-only user always brings their own, even for a
#   reference they added while a co-owner. The answer is the run plan's: use
#   is allowed exactly where a run would not ask for the principal's own
#   connection (connections.source).
# custom:
#   code: CONNECTION_NOT_SHARED
#   domain_rule: 1, 2, 4
deny contains {
	"code": "CONNECTION_NOT_SHARED",
	"message": _not_shared_message,
	"reference": reference.logicalName,
} if {
	reasons.connection_not_shared(input.action, reference, principal, role)
}

_not_shared_message := sprintf("%s is a run-only user of flow %q: run-only users never get the connection under reference %q, embedded or not, and must bring their own", [input.principal, flow.name, reference.logicalName]) if {
	not roles.editor(role)
} else := sprintf("connection reference %q of flow %q belongs to %s and is not embedded: sharing a flow never shares its connections", [reference.logicalName, flow.name, _added_by(reference)])

_added_by(ref) := ref.owner if {
	ref.owner
} else := "nobody known (the source does not say who added it)"
