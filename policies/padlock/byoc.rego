# METADATA
# title: The bring-your-own-connection dialog
# description: |
#   Whether a console run shows the BYOC dialog (domain.md rules 6 to 8). It
#   is not shown when every connection the run would use belongs to the
#   runner, a valid connection is available for every reference that needs
#   one, and for each connector all of the runner's available connections
#   are for the same e-mail account.
package padlock.byoc

import data.padlock.connections

# METADATA
# title: Dialog shown
# description: The dialog is shown unless all three conditions of rule 8 hold.
shown(flow, principal, plan) if not suppressed(flow, principal, plan)

# METADATA
# title: Dialog suppressed
# description: All three conditions of rule 8 hold.
suppressed(flow, principal, plan) if {
	all_connections_are_the_runners(plan)
	every_reference_has_a_connection(plan)
	one_account_per_connector(flow, principal, plan)
}

# METADATA
# title: All connections are the runner's
# description: |
#   Every connection the run would use belongs to the runner: their own
#   references (embedded or not) and their own connections. Another
#   co-owner's embedded reference does not.
all_connections_are_the_runners(plan) if {
	every e in plan {
		e.source != "embedded"
	}
}

# METADATA
# title: A connection for every reference
# description: A valid connection is available for every reference that needs one.
every_reference_has_a_connection(plan) if {
	every e in plan {
		_has_connection(e)
	}
}

_has_connection(e) if e.source != "byoc"

_has_connection(e) if e.selected != null

# METADATA
# title: One account per connector
# description: For each connector the runner must bring, all of the runner's available connections are for the same e-mail account.
one_account_per_connector(flow, principal, plan) if {
	every connector in {e.connector | some e in plan; e.source == "byoc"} {
		count({c.account | some c in connections.compatible(principal, flow.environment, connector)}) <= 1
	}
}
