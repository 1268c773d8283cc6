package padlock.authz_test

import data.padlock.authz

test_run_only_covers_every_editing_action if {
	every action in ["edit", "share", "delete"] {
		codes(decide({"action": action, "principal": "user:u", "flow": "f"})) == {"RUN_ONLY"}
	}
}

test_co_owner_edits if {
	every action in ["edit", "share", "delete"] {
		decide({"action": action, "principal": "user:c", "flow": "f"}).allow
	}
}

test_no_access_hides_flow_reasons if {
	d := decide({"action": "invoke", "principal": "user:x", "flow": "f", "mode": "attended"})
	codes(d) == {"NO_ACCESS"}
}

test_allow_defaults_false if {
	not authz.allow with input as {"action": "run", "principal": "user:o", "flow": "f"}
		with data.world as {}
}
