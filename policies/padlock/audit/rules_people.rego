# Findings about who holds which role on a flow and what they must bring.
package padlock.audit

import data.padlock.connections
import data.padlock.flows
import data.padlock.roles

# METADATA
# title: Run-only user brings their own connections
# description: >-
#   Run-only users must always bring their own connections, even for embedded references, at every console run.
# custom:
#   id: PL003
#   severity: info
#   domain_rule: 2, 6
findings contains finding(rego.metadata.rule(), {
	"principal": p,
	"message": sprintf("run-only user %s must bring their own connection for %d connection references of %q", [p, count(flow.connectionReferences), flow.name]),
}) if {
	flows.contains_cloud_connector_actions(flow)
	count(flow.connectionReferences) > 0
	some p in run_only_users
}

# METADATA
# title: Run-only user without a compatible connection
# description: >-
#   A run-only user who has no compatible connection (same connector and environment, theirs, connected) for a reference cannot run the flow until they create one.
# custom:
#   id: PL004
#   severity: warning
#   domain_rule: "7"
findings contains finding(rego.metadata.rule(), {
	"principal": p,
	"reference": e.reference,
	"message": sprintf("run-only user %s has no connected %s connection in %s for reference %q", [p, e.connector, flow.environment, e.reference]),
}) if {
	some p in run_only_users
	some e in connections.plan(flow, p, "user")
	e.selected == null
}

# METADATA
# title: Orphaned embedded reference
# description: >-
#   An embedded reference whose owner is no longer the flow's owner or a co-owner: nobody can manage it, and it still lends their connection.
# custom:
#   id: PL005
#   severity: error
#   domain_rule: 3, 4
findings contains finding(rego.metadata.rule(), {
	"reference": ref.logicalName,
	"principal": ref.owner,
	"message": sprintf("connection reference %q of %q is embedded by %s, who is no longer owner or co-owner of the flow", [ref.logicalName, flow.name, ref.owner]),
}) if {
	some ref in flow.connectionReferences
	ref.embedded
	not roles.editor(roles.role(flow, ref.owner))
}
