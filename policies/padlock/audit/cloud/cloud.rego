# METADATA
# title: Audit of cloud flows
# description: |
#   Findings about the cloud flows of the exports: a cloud flow that starts
#   a desktop flow which cannot be cloud-initiated. The audit evaluates it
#   once, after every desktop flow, over the cloud flows and an index of the
#   desktop flows that something blocks (by id: name and blockers, from
#   data.padlock.audit.blockers), so that the join is a lookup, not a scan.
# schemas:
#   - input: schema.auditcloudinput
package padlock.audit.cloud

# METADATA
# title: Cloud flow starts a flow that cannot be cloud-initiated
# description: >-
#   A cloud flow's "Run a flow built with Power Automate for desktop" action is judged by the rules of invoke; it fails when the desktop flow is v1 or shared with references that are not embedded.
# custom:
#   id: PL010
#   severity: error
#   domain_rule: "5"
findings contains {
	"rule": meta.custom.id,
	"severity": meta.custom.severity,
	"flow": run.desktopFlow,
	"flowName": blocked.flowName,
	"location": cf.location,
	"message": sprintf("cloud flow %q (%s) starts desktop flow %q%s, which will fail: %s", [cf.name, run.action, blocked.name, _mode(run), concat("; ", blocked.blockers)]),
} if {
	some cf in input.cloudFlows
	some run in cf.runs
	blocked := input.blocked[run.desktopFlow]
	count(blocked.blockers) > 0
	meta := rego.metadata.rule()
}

_mode(run) := sprintf(" %s", [run.runMode]) if run.runMode != ""

else := ""
