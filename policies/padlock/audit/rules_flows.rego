# Findings about a flow's cloud-initiated runs, schema and binaries.
package padlock.audit

import data.padlock.flows

# METADATA
# title: Shared flow cannot be cloud-initiated
# description: >-
#   A shared flow with cloud connector actions can be started from a cloud flow only when every connection reference is embedded; one finding per reference that is not.
# custom:
#   id: PL001
#   severity: error
#   domain_rule: "5"
findings contains finding(rego.metadata.rule(), {
	"reference": ref,
	"message": sprintf("shared flow %q cannot be started from a cloud flow: connection reference %q is not embedded", [flow.name, ref]),
}) if {
	some ref in _not_embedded
}

# METADATA
# title: v1 flow with cloud connector actions
# description: >-
#   A flow with cloud connector actions stored in the v1 schema cannot be cloud-initiated until it is re-saved in v2.
# custom:
#   id: PL002
#   severity: warning
#   domain_rule: "5"
findings contains finding(rego.metadata.rule(), {"message": sprintf("flow %q has cloud connector actions and is stored in v1: re-save it in v2 before a cloud flow starts it", [flow.name])}) if {
	_needs_v2
}

# METADATA
# title: Required binaries missing
# description: >-
#   A v2 flow's binaries are required parts of it; an export that lacks one (or a binary's data file) imports a broken flow.
# custom:
#   id: PL009
#   severity: error
#   domain_rule: Known limits (v2 binaries are required)
findings contains finding(rego.metadata.rule(), {"message": sprintf("v2 flow %q needs %s, which the export does not contain", [flow.name, missing])}) if {
	flows.v2(flow)
	some missing in facts.missingBinaries
}

# METADATA
# title: Embedded references in a solution
# description: >-
#   Importing a solution with a flow that has embedded references does not bring the needed connection references along.
# custom:
#   id: PL008
#   severity: warning
#   domain_rule: Known limits (import and embedded references)
findings contains finding(rego.metadata.rule(), {
	"reference": ref.logicalName,
	"message": sprintf("flow %q embeds connection reference %q: importing the solution will not bring it along", [flow.name, ref.logicalName]),
}) if {
	facts.inSolution
	some ref in flow.connectionReferences
	ref.embedded
}

# METADATA
# title: Blockers
# description: >-
#   Why a cloud flow cannot start the audited flow, if anything: it is stored in v1, or shared with references that are not embedded. The cloud flow rule (padlock.audit.cloud) joins cloud flows to the blockers of the flows they start.
blockers contains "it is stored in v1" if _needs_v2

blockers contains sprintf("connection reference %q is not embedded", [ref]) if {
	some ref in _not_embedded
}

# A finding and the blockers ask both of the flow: as rules, not calls,
# they are worked out once per flow (OPA keeps a rule's value within a
# query, not a function's).
_not_embedded := flows.not_embedded(flow)

_needs_v2 if flows.needs_v2(flow)
