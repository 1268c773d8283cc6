package padlock.dataverse_test

import data.padlock.dataverse

config := {"accessMaskRoles": [{"role": "co-owner", "allOf": 2}, {"role": "user", "allOf": 1}]}

test_write_is_a_co_owner if {
	dataverse.role_of_mask(852023) == "co-owner" with data.padlock.config as config
	dataverse.role_of_mask(3) == "co-owner" with data.padlock.config as config
}

test_read_without_write_is_a_run_only_user if {
	dataverse.role_of_mask(262145) == "user" with data.padlock.config as config
}

test_anything_else_is_no_role if {
	not dataverse.role_of_mask(4) with data.padlock.config as config
	not dataverse.role_of_mask(0) with data.padlock.config as config
}

test_the_first_matching_entry_wins if {
	dataverse.role_of_mask(3) == "user" with data.padlock.config as {"accessMaskRoles": [{"role": "user", "allOf": 1}, {"role": "co-owner", "allOf": 2}]}
}
