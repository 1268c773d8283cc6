package padlock.byoc_test

import data.padlock.byoc

conns(accounts) := {"user:r": {"env": {"shared_sql": [{"id": sprintf("c%d", [i]), "owner": "user:r", "environment": "env", "connector": "shared_sql", "account": a, "status": "Connected"} | some i, a in accounts]}}}

flow := {"environment": "env"}

own := {"source": "own", "connector": "shared_sql", "selected": "c-own"}

brought := {"source": "byoc", "connector": "shared_sql", "selected": "c0"}

test_all_own_suppresses if {
	byoc.suppressed(flow, "user:r", [own, brought]) with data.world.connections as conns(["r@x"])
}

test_embedded_by_another_shows if {
	byoc.shown(flow, "user:r", [{"source": "embedded", "connector": "shared_sql", "selected": null}]) with data.world.connections as conns(["r@x"])
}

test_missing_connection_shows if {
	byoc.shown(flow, "user:r", [{"source": "byoc", "connector": "shared_sql", "selected": null}]) with data.world.connections as conns([])
}

test_two_accounts_show if {
	byoc.shown(flow, "user:r", [brought]) with data.world.connections as conns(["r@x", "r2@x"])
}

test_two_connections_one_account_suppress if {
	byoc.suppressed(flow, "user:r", [brought]) with data.world.connections as conns(["r@x", "r@x"])
}

test_no_references_no_dialog if {
	byoc.suppressed(flow, "user:r", []) with data.world.connections as conns([])
}
