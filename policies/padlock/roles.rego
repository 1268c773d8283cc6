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
# title: Identities of a principal
# description: The principal itself and every team it is a member of; team members hold the team's role.
identities(principal) := {principal} | {team | some team in data.world.memberOf[principal]}

# METADATA
# title: Roles held
# description: Every role a principal holds on a flow, from ownership, shares (direct or team) and security roles.
held(flow, principal) := (ownership(flow, principal) | granted(flow, principal)) | implicit(flow, principal)

# METADATA
# title: Ownership
# description: The flow's owner holds the owner role. A flow without an owner (from a solution export) has nobody in it.
ownership(flow, principal) := {"owner" | flow.owner == principal}

# METADATA
# title: Granted roles
# description: Roles a share grants to the principal or to one of its teams.
granted(flow, principal) := {grant.role |
	ids := identities(principal)
	some grant in data.world.grants[flow.id]
	grant.principal in ids
}

# METADATA
# title: Implicit co-owners
# description: |
#   People with read access to all rows of the Process table (security roles
#   such as System Administrator and System Customizer, listed in
#   data.padlock.config.processReadAllRoles) are co-owners of every desktop
#   flow in the environment, directly or through a team's security roles.
implicit(flow, principal) := {"co-owner" |
	some id in identities(principal)
	some security_role in data.world.securityRoles[flow.environment][id]
	security_role in data.padlock.config.processReadAllRoles
}

# METADATA
# title: Role
# description: The strongest role a principal holds on a flow (owner > co-owner > user), or none.
role(flow, principal) := strongest(held(flow, principal))

# METADATA
# title: Strongest role
# description: The strongest of a set of roles, "none" for the empty set.
strongest(roles) := "owner" if {
	"owner" in roles
} else := "co-owner" if {
	"co-owner" in roles
} else := "user" if {
	"user" in roles
} else := "none"

# METADATA
# title: Editors
# description: Owners and co-owners have full permissions; run-only users and others do not.
editor(role) if role in {"owner", "co-owner"}
