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
# title: Finding
# description: >-
#   A finding of the rule whose metadata is given, about a flow, with the fields it adds (message, reference, principal, location).
finding(meta, flow_id, fields) := object.union(
	{
		"rule": meta.custom.id,
		"severity": meta.custom.severity,
		"flow": flow_id,
		"flowName": input.flows[flow_id].name,
		"location": input.flows[flow_id].location,
	},
	fields,
)

# METADATA
# title: Audited flows
# description: >-
#   The id and DesktopFlow document of every audited flow. An object
#   comprehension, not a partial object rule: OPA checks each key a partial
#   rule produces against every key before it, quadratic in the flows.
audited := {id: data.world.flows[id] | some id, _ in input.flows}

# METADATA
# title: Script location
# description: >-
#   Where a statement of a flow's script is, by script line.
script_location(flow_id, line) := object.union(input.flows[flow_id].location, {"element": sprintf("%s/Definition, script line %d", [input.flows[flow_id].location.element, line])})

# METADATA
# title: Run-only users
# description: >-
#   The principals who hold the user role on a flow, directly or as members of a team it is shared with as user.
run_only_users(flow) := {p |
	some grantee, _ in data.world.grants[flow.id]
	some p in _people(grantee)
	data.padlock.roles.role(flow, p) == "user"
}

_people(grantee) := data.world.teams[grantee] if {
	data.world.teams[grantee]
} else := [grantee]
