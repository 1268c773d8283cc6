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
findings contains finding(rego.metadata.rule(), id, {
	"reference": ref,
	"message": sprintf("shared flow %q cannot be started from a cloud flow: connection reference %q is not embedded", [flow.name, ref]),
}) if {
	some id, flow in audited
	some ref in flows.not_embedded(flow)
}

# METADATA
# title: v1 flow with cloud connector actions
# description: >-
#   A flow with cloud connector actions stored in the v1 schema cannot be cloud-initiated until it is re-saved in v2.
# custom:
#   id: PL002
#   severity: warning
#   domain_rule: "5"
findings contains finding(rego.metadata.rule(), id, {"message": sprintf("flow %q has cloud connector actions and is stored in v1: re-save it in v2 before a cloud flow starts it", [flow.name])}) if {
	some id, flow in audited
	flows.needs_v2(flow)
}

# METADATA
# title: Required binaries missing
# description: >-
#   A v2 flow's binaries are required parts of it; an export that lacks one (or a binary's data file) imports a broken flow.
# custom:
#   id: PL009
#   severity: error
#   domain_rule: Known limits (v2 binaries are required)
findings contains finding(rego.metadata.rule(), id, {"message": sprintf("v2 flow %q needs %s, which the export does not contain", [flow.name, missing])}) if {
	some id, flow in audited
	flows.v2(flow)
	some missing in input.flows[id].missingBinaries
}

# METADATA
# title: Embedded references in a solution
# description: >-
#   Importing a solution with a flow that has embedded references does not bring the needed connection references along.
# custom:
#   id: PL008
#   severity: warning
#   domain_rule: Known limits (import and embedded references)
findings contains finding(rego.metadata.rule(), id, {
	"reference": ref.logicalName,
	"message": sprintf("flow %q embeds connection reference %q: importing the solution will not bring it along", [flow.name, ref.logicalName]),
}) if {
	some id, flow in audited
	input.flows[id].inSolution
	some ref in flow.connectionReferences
	ref.embedded
}

# METADATA
# title: Cloud flow starts a flow that cannot be cloud-initiated
# description: >-
#   A cloud flow's "Run a flow built with Power Automate for desktop" action is judged by the rules of invoke; it fails when the desktop flow is v1 or shared with references that are not embedded.
# custom:
#   id: PL010
#   severity: error
#   domain_rule: "5"
findings contains object.union(object.remove(finding(rego.metadata.rule(), run.desktopFlow, {"message": sprintf("cloud flow %q (%s) starts desktop flow %q%s, which will fail: %s", [cf.name, run.action, flow.name, _mode(run), concat("; ", _blockers(flow))])}), ["location"]), {"location": cf.location}) if {
	some cf in input.cloudFlows
	some run in cf.runs
	flow := audited[run.desktopFlow]
	count(_blockers(flow)) > 0
}

_blockers(flow) := {"it is stored in v1" | flows.needs_v2(flow)} | {sprintf("connection reference %q is not embedded", [ref]) | some ref in flows.not_embedded(flow)}

_mode(run) := sprintf(" %s", [run.runMode]) if run.runMode != ""

else := ""
