# METADATA
# title: Reasons to deny
# description: |
#   When each reason to deny applies, as a function of the flow, the
#   principal (canonical), their role, the action and the reference asked
#   about. padlock.authz turns them into the decision's reasons for one
#   query; padlock.lists asks the same functions for every candidate, so
#   that a list says exactly what decisions say.
package padlock.reasons

import data.padlock.connections
import data.padlock.flows
import data.padlock.roles

# METADATA
# title: Run actions
# description: The actions that run the flow.
run_actions := {"run", "invoke"}

# METADATA
# title: Actions about a reference
# description: The actions that name one connection reference.
reference_actions := {"embed", "unembed", "use"}

# METADATA
# title: Editing actions
# description: The actions only the owner and co-owners may take.
editing_actions := {"edit", "share", "delete", "embed", "unembed"}

# METADATA
# title: No access
# description: The principal holds no role on the flow.
no_access(role) if role == "none"

# METADATA
# title: Run-only
# description: A run-only user may not edit, share, delete, embed or unembed.
run_only(action, role) if {
	action in editing_actions
	role != "none"
	not roles.editor(role)
}

# METADATA
# title: Cloud-initiated run
# description: An invoke by someone with a role, of a flow with cloud connector actions (rule 5 applies).
cloud_run(action, flow, role) if {
	action == "invoke"
	role != "none"
	flows.contains_cloud_connector_actions(flow)
}

# METADATA
# title: Console only
# description: A run-only user may only run a flow with cloud connector actions from the console (rule 2).
console_only(action, flow, role) if {
	cloud_run(action, flow, role)
	not roles.editor(role)
}

# METADATA
# title: Stored in v1
# description: A cloud-initiated run needs the flow stored in the v2 schema (rule 5).
schema_v1(action, flow, role) if {
	cloud_run(action, flow, role)
	flows.needs_v2(flow)
}

# METADATA
# title: Not embedded
# description: A cloud-initiated run of a shared flow needs every reference embedded (rule 5); one per reference that is not.
not_embedded(action, flow, role) := refs if {
	cloud_run(action, flow, role)
	refs := flows.not_embedded(flow)
	count(refs) > 0
}

# METADATA
# title: Unknown reference
# description: A reference action names a reference the flow lacks.
unknown_reference(action, flow, role, name) if {
	action in reference_actions
	role != "none"
	not flows.reference(flow, name)
}

# METADATA
# title: Not the reference's owner
# description: Only the co-owner who added a reference may embed or unembed it (rule 3).
not_reference_owner(action, ref, principal, role) if {
	action in {"embed", "unembed"}
	role != "none"
	not ref.owner == principal
}

# METADATA
# title: Connection not shared
# description: Use of a reference is allowed exactly where a run would not make the principal bring their own connection for it (rules 1, 2, 4).
connection_not_shared(action, ref, principal, role) if {
	action == "use"
	role != "none"
	connections.source(ref, principal, role) == "byoc"
}

# METADATA
# title: Denied
# description: |
#   Whether any reason applies to a principal with this role on a known
#   flow: every reason function above, so that a list query never allows
#   what a decision denies (checked by a property test over generated
#   worlds). The reasons fall in three groups by what they read: the role
#   alone, the flow, and one reference. Each clause names the actions it
#   can apply to in the head, so that OPA's rule index skips the others. A list asks each group where it
#   changes (by role once per role, by flow once per flow, by reference
#   once per reference), and a decision asks all three.
denied(action, _, _, role, _) if denied_by_role(action, role)

denied("invoke", flow, _, role, _) if denied_on_flow("invoke", flow, role)

denied("embed", flow, principal, role, name) if denied_on_reference("embed", flow, principal, role, name)

denied("unembed", flow, principal, role, name) if denied_on_reference("unembed", flow, principal, role, name)

denied("use", flow, principal, role, name) if denied_on_reference("use", flow, principal, role, name)

# METADATA
# title: Denied by the role alone
# description: |
#   No role, or a run-only user asking to edit, share, delete, embed or
#   unembed. Each clause names what it matches in the head, so that OPA's
#   rule index picks only the clauses that can apply.
denied_by_role(_, "none")

denied_by_role("edit", role) if run_only("edit", role)

denied_by_role("share", role) if run_only("share", role)

denied_by_role("delete", role) if run_only("delete", role)

denied_by_role("embed", role) if run_only("embed", role)

denied_by_role("unembed", role) if run_only("unembed", role)

# METADATA
# title: Denied on the flow
# description: Reasons about the flow itself, whatever reference is named (a cloud-initiated run it cannot have).
denied_on_flow("invoke", flow, role) if console_only("invoke", flow, role)

denied_on_flow("invoke", flow, role) if schema_v1("invoke", flow, role)

denied_on_flow("invoke", flow, role) if not_embedded("invoke", flow, role)

# METADATA
# title: Denied on a named reference
# description: A reference action that names a reference the flow lacks, or one denied on the reference it names.
denied_on_reference(action, flow, _, role, name) if unknown_reference(action, flow, role, name)

denied_on_reference(action, flow, principal, role, name) if denied_on(action, flows.reference(flow, name), principal, role)

# METADATA
# title: Denied on a reference
# description: |
#   Reasons about one of the flow's references: embedding or unembedding
#   another co-owner's reference (rule 3), using a reference whose
#   connection the principal would have to bring themselves.
denied_on("embed", ref, principal, role) if not_reference_owner("embed", ref, principal, role)

denied_on("unembed", ref, principal, role) if not_reference_owner("unembed", ref, principal, role)

denied_on("use", ref, principal, role) if connection_not_shared("use", ref, principal, role)
