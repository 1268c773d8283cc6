package padlock.principals_test

import data.padlock.principals

test_a_team_is_kept_as_written if {
	principals.canonical("team:Ops") == "team:Ops"
}

test_a_user_is_lower_case if {
	principals.canonical("user:Frank@Northwind.Example") == "user:frank@northwind.example"
}

test_a_bare_email_is_a_user if {
	principals.canonical("Frank@northwind.example") == "user:frank@northwind.example"
}
