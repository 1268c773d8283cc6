# METADATA
# title: Dataverse record access
# description: |
#   padlock's reading of the platform: how a principalobjectaccess row's
#   access rights (Read 1, Write 2, Append 4, AppendTo 16, Create 32,
#   Delete 65536, Share 262144, Assign 524288) map onto the portal's roles
#   on a desktop flow. Microsoft's pages do not state it; the mapping is the
#   data padlock.config.accessMaskRoles (first entry whose bits are all set
#   wins), so a policy author changes it without touching Go.
package padlock.dataverse

# METADATA
# title: Role of an access mask
# description: |
#   The role a grant with these access rights gives (the row's own and its
#   inherited rights together); undefined when no entry matches, which the
#   importer reports as a grant with no role.
role_of_mask(mask) := matching[0] if {
	matching := [entry.role |
		some entry in data.padlock.config.accessMaskRoles
		bits.and(mask, entry.allOf) == entry.allOf
	]
	count(matching) > 0
}
