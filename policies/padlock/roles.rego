# METADATA
# title: Roles on a desktop flow
# description: |
#   Who holds which role on a flow: its owner; the co-owners and run-only
#   users it is shared with, directly or through a Dataverse team; and the
#   implicit co-owners whose security roles read every row of the Process
#   table. Where a principal holds several roles, the strongest one counts.
# related_resources:
#   - description: domain.md, Roles on a desktop flow
#     ref: https://learn.microsoft.com/power-automate/desktop-flows/manage#share-desktop-flows
package padlock.roles

# METADATA
# title: Role
# description: |
#   The strongest role a principal holds on a flow, or none: owner, then
#   co-owner (granted directly or to a team, or implicit through a security
#   role), then user. A flow without an owner (from a solution export) has
#   nobody in the owner role.
role(flow, principal) := "owner" if {
	flow.owner == principal
} else := "co-owner" if {
	"co-owner" in granted(flow, principal)
} else := "co-owner" if {
	implicit_co_owner(flow, principal)
} else := "user" if {
	"user" in granted(flow, principal)
} else := "none"

# METADATA
# title: Granted
# description: |
#   The roles the flow's shares grant to the principal, or to a team the
#   principal is a member of: team members hold the team's role. One set,
#   asked once per flow and principal (OPA remembers it within a query).
granted(flow, principal) := {role | some role, _ in data.world.grants[flow.id][principal]} | {role |
	some team in data.world.memberOf[principal]
	some role, _ in data.world.grants[flow.id][team]
}

# METADATA
# title: Implicit co-owner
# description: |
#   People with read access to all rows of the Process table (security roles
#   such as System Administrator and System Customizer, listed in
#   data.padlock.config.processReadAllRoles) are co-owners of every desktop
#   flow in the environment, through their own or a team's security roles.
implicit_co_owner(flow, principal) if {
	some security_role in data.world.securityRoles[flow.environment][principal]
	security_role in data.padlock.config.processReadAllRoles
}

implicit_co_owner(flow, principal) if {
	some team in data.world.memberOf[principal]
	some security_role in data.world.securityRoles[flow.environment][team]
	security_role in data.padlock.config.processReadAllRoles
}

# METADATA
# title: Editors
# description: Owners and co-owners have full permissions; run-only users and others do not.
editor(role) if role in {"owner", "co-owner"}
