# METADATA
# title: Remedies
# description: |
#   For every reason a decision denies, and every reference a run would find
#   no connection for, the smallest change that would lift it and who may
#   make that change under the same rules. Where the change is one of
#   documents, whatIf holds it ({op, document}) so that `decide --what-if`
#   can show that it works.
package padlock.remedies

import data.padlock.authz
import data.padlock.flows
import data.padlock.lists
import data.padlock.reasons
import data.padlock.roles

# METADATA
# title: Remedies of the decision
# description: Every remedy of the current query, sorted by code and reference; none, cheaply, for a decision with nothing to remedy.
default remedies := []

remedies := [r | some r in remedy] if _needed

_needed if count(authz.deny) > 0

_needed if {
	some entry in authz.run_connections
	entry.selected == null
}

_flow_doc(flow) := object.union(flow, {"kind": "DesktopFlow"})

# A share as a what-if, where the role alone would allow the action: a
# co-owner may still not embed another's reference, and then sharing is
# not a change that lifts the denial on its own.
_share(role) := {"whatIf": [{"op": "put", "document": {"kind": "Share", "flow": authz.flow.id, "grants": [{"principal": authz.principal, "role": role}]}}]} if {
	not reasons.denied(input.action, authz.flow, authz.principal, role, object.get(input, "reference", ""))
	not _sharing_blocks_invoke
} else := {"note": "other reasons remain for this action once the role is given"}

# Sharing a flow makes it shared: then a cloud flow may start it only once
# every reference is embedded (rule 5).
_sharing_blocks_invoke if {
	input.action == "invoke"
	flows.contains_cloud_connector_actions(authz.flow)
	some ref in authz.flow.connectionReferences
	not ref.embedded
}

_with_reference(flow, name, changes) := object.union(_flow_doc(flow), {"connectionReferences": [_changed(ref, name, changes) | some ref in flow.connectionReferences]})

_changed(ref, name, changes) := object.union(ref, changes) if ref.logicalName == name

else := ref

# The role that would let the principal do the action.
_role_needed := "user" if {
	input.action == "run"
} else := "user" if {
	input.action == "invoke"
	not flows.contains_cloud_connector_actions(authz.flow)
} else := "co-owner"

# METADATA
# title: Unknown flow
# description: No flow has the id; padlock's documents must say what the tenant has.
# custom:
#   remedy_for: UNKNOWN_FLOW
remedy contains {"code": "UNKNOWN_FLOW", "change": sprintf("check the flow id %q, or add the flow's DesktopFlow document", [input.flow]), "by": []} if {
	some r in authz.deny
	r.code == "UNKNOWN_FLOW"
}

# METADATA
# title: No access
# description: Share the flow with the principal, in the role the action needs; the owner and co-owners can share.
# custom:
#   remedy_for: NO_ACCESS
remedy contains object.union(
	{
		"code": "NO_ACCESS",
		"change": sprintf("share flow %q with %s as %s", [authz.flow.name, input.principal, _role_needed]),
		"by": lists.editors(authz.flow),
	},
	_share(_role_needed),
) if {
	some r in authz.deny
	r.code == "NO_ACCESS"
}

# METADATA
# title: Run-only
# description: Make the principal a co-owner; the owner and co-owners can.
# custom:
#   remedy_for: RUN_ONLY
remedy contains object.union(
	{
		"code": "RUN_ONLY",
		"change": sprintf("share flow %q with %s as co-owner", [authz.flow.name, input.principal]),
		"by": lists.editors(authz.flow),
	},
	_share("co-owner"),
) if {
	some r in authz.deny
	r.code == "RUN_ONLY"
}

# METADATA
# title: Console only
# description: Make the principal a co-owner (the owner and co-owners can), or run the flow from the console.
# custom:
#   remedy_for: CONSOLE_ONLY
remedy contains object.union(
	{
		"code": "CONSOLE_ONLY",
		"change": sprintf("share flow %q with %s as co-owner, or run it from the console instead of a cloud flow", [authz.flow.name, input.principal]),
		"by": lists.editors(authz.flow),
	},
	_share("co-owner"),
) if {
	some r in authz.deny
	r.code == "CONSOLE_ONLY"
}

# METADATA
# title: Stored in v1
# description: Re-save the flow so that Dataverse stores it in the v2 schema; its owner or a co-owner can.
# custom:
#   remedy_for: SCHEMA_V1
remedy contains {
	"code": "SCHEMA_V1",
	"change": sprintf("open flow %q in Power Automate for desktop and save it, in an environment with v2 storage on", [authz.flow.name]),
	"by": lists.editors(authz.flow),
	"whatIf": [{"op": "put", "document": object.union(_flow_doc(authz.flow), {"schemaVersion": "v2"})}],
} if {
	some r in authz.deny
	r.code == "SCHEMA_V1"
}

# METADATA
# title: Not embedded
# description: |
#   The reference's owner embeds it (rule 3: nobody else can). When it has
#   no owner, or its owner is no longer owner or co-owner, a co-owner must
#   re-add the reference and embed it.
# custom:
#   remedy_for: NOT_EMBEDDED
remedy contains {
	"code": "NOT_EMBEDDED",
	"reference": r.reference,
	"change": sprintf("%s embeds connection reference %q of flow %q", [ref.owner, r.reference, authz.flow.name]),
	"by": [ref.owner],
	"whatIf": [{"op": "put", "document": _with_reference(authz.flow, r.reference, {"embedded": true})}],
} if {
	some r in authz.deny
	r.code == "NOT_EMBEDDED"
	ref := flows.reference(authz.flow, r.reference)
	roles.editor(roles.role(authz.flow, ref.owner))
}

remedy contains {
	"code": "NOT_EMBEDDED",
	"reference": r.reference,
	"change": sprintf("a co-owner re-adds connection reference %q of flow %q (its owner %s can no longer manage it) and embeds it", [r.reference, authz.flow.name, object.get(ref, "owner", "is unknown and")]),
	"by": editors,
	"whatIf": [{"op": "put", "document": _with_reference(authz.flow, r.reference, {"embedded": true, "owner": editors[0]})}],
} if {
	some r in authz.deny
	r.code == "NOT_EMBEDDED"
	ref := flows.reference(authz.flow, r.reference)
	not roles.editor(roles.role(authz.flow, ref.owner))
	editors := [p | some p in lists.editors(authz.flow); not startswith(p, "team:")]
	count(editors) > 0
}

# METADATA
# title: Not the reference's owner
# description: Only the co-owner who added a reference may embed or unembed it; when that co-owner is gone, a co-owner re-adds it.
# custom:
#   remedy_for: NOT_REFERENCE_OWNER
remedy contains {
	"code": "NOT_REFERENCE_OWNER",
	"reference": r.reference,
	"change": sprintf("only %s, who added connection reference %q, may %s it: ask them", [ref.owner, r.reference, input.action]),
	"by": [ref.owner],
} if {
	some r in authz.deny
	r.code == "NOT_REFERENCE_OWNER"
	ref := flows.reference(authz.flow, r.reference)
	roles.editor(roles.role(authz.flow, ref.owner))
}

remedy contains {
	"code": "NOT_REFERENCE_OWNER",
	"reference": r.reference,
	"change": sprintf("connection reference %q has no owner who may manage it: %s re-adds it, and then owns it", [r.reference, input.principal]),
	"by": [authz.principal],
	"whatIf": [{"op": "put", "document": _with_reference(authz.flow, r.reference, {"owner": authz.principal})}],
} if {
	some r in authz.deny
	r.code == "NOT_REFERENCE_OWNER"
	ref := flows.reference(authz.flow, r.reference)
	not roles.editor(roles.role(authz.flow, ref.owner))
	roles.editor(authz.role)
}

# METADATA
# title: Connection not shared
# description: |
#   For a co-owner, the reference's owner embeds it; a run-only user always
#   brings their own connection, so they must first be made a co-owner.
# custom:
#   remedy_for: CONNECTION_NOT_SHARED
remedy contains {
	"code": "CONNECTION_NOT_SHARED",
	"reference": r.reference,
	"change": sprintf("%s embeds connection reference %q, or %s uses a connection of their own", [ref.owner, r.reference, input.principal]),
	"by": [ref.owner],
	"whatIf": [{"op": "put", "document": _with_reference(authz.flow, r.reference, {"embedded": true})}],
} if {
	some r in authz.deny
	r.code == "CONNECTION_NOT_SHARED"
	roles.editor(authz.role)
	ref := flows.reference(authz.flow, r.reference)
	roles.editor(roles.role(authz.flow, ref.owner))
}

remedy contains {
	"code": "CONNECTION_NOT_SHARED",
	"reference": r.reference,
	"change": sprintf("run-only users always bring their own connection: share flow %q with %s as co-owner, and have connection reference %q embedded", [authz.flow.name, input.principal, r.reference]),
	"by": lists.editors(authz.flow),
} if {
	some r in authz.deny
	r.code == "CONNECTION_NOT_SHARED"
	not roles.editor(authz.role)
}

# METADATA
# title: Unknown reference
# description: The flow has no reference of that name.
# custom:
#   remedy_for: UNKNOWN_REFERENCE
remedy contains {"code": "UNKNOWN_REFERENCE", "reference": r.reference, "change": sprintf("flow %q has no connection reference %q: check its logical name", [authz.flow.name, r.reference]), "by": []} if {
	some r in authz.deny
	r.code == "UNKNOWN_REFERENCE"
}

# METADATA
# title: No compatible connection
# description: A run would ask the principal for a connection they do not have; they create one (same connector, same environment, status Connected).
# custom:
#   remedy_for: NO_CONNECTION
remedy contains {
	"code": "NO_CONNECTION",
	"reference": entry.reference,
	"change": sprintf("%s creates a connection to %s in environment %s (or repairs one that is not Connected)", [input.principal, entry.connector, authz.flow.environment]),
	"by": [authz.principal],
	"whatIf": [{"op": "put", "document": {
		"kind": "Connection", "id": sprintf("what-if-%s-%s", [entry.connector, authz.flow.environment]),
		"connector": entry.connector, "environment": authz.flow.environment, "owner": authz.principal,
		"account": trim_prefix(authz.principal, "user:"), "status": "Connected",
	}}],
} if {
	authz.allow
	startswith(authz.principal, "user:")
	some entry in authz.run_connections
	entry.source == "byoc"
	entry.selected == null
}
