# METADATA
# title: Audit of exported desktop flows
# description: |
#   Findings about desktop flows from solution exports, Dataverse dumps and
#   padlock documents: which flows break for whom before they are shared or
#   imported. Each rule is a `findings contains ...` definition whose
#   metadata (custom.id, custom.severity, custom.domain_rule) is its
#   catalogue entry; a finding takes its id and severity from there.
# schemas:
#   - input: schema.auditinput
package padlock.audit

# METADATA
# title: Audited flow
# description: >-
#   The flow being audited, as the rules know flows (its DesktopFlow
#   document, connector ids in short form). The audit evaluates these rules
#   once per flow, with that flow and its export facts as input, so that no
#   rule ever scans all flows for each flow.
flow := input.flow

# METADATA
# title: Export facts
# description: >-
#   What the export says about the audited flow beyond its document: script
#   lines, disabled actions, credentials, binaries, where it is.
facts := input.facts

# METADATA
# title: Finding
# description: >-
#   A finding about the audited flow of the rule whose metadata is given, with the fields it adds (message, reference, principal, location).
finding(meta, fields) := object.union(
	{
		"rule": meta.custom.id,
		"severity": meta.custom.severity,
		"flow": flow.id,
		"flowName": facts.name,
		"location": facts.location,
	},
	fields,
)

# METADATA
# title: Script location
# description: >-
#   Where a script line of the audited flow is: its Workflow element, down to the line.
script_location(line) := object.union(facts.location, {"element": sprintf("%s/Definition, script line %d", [facts.location.element, line])})

# METADATA
# title: Run-only users
# description: >-
#   The people who hold only the user role on the audited flow: grantees, teams expanded to their members.
run_only_users contains p if {
	some grantee, roles in data.world.grants[flow.id]
	roles.user # only a user grant makes anyone run-only: skip the co-owners' teams
	some p in _people(grantee)
	data.padlock.roles.role(flow, p) == "user"
}

_people(grantee) := data.world.teams[grantee] if {
	data.world.teams[grantee]
} else := [grantee]
