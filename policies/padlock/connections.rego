# METADATA
# title: Connections a run uses
# description: |
#   For each connection reference of a flow, where the run's connection comes
#   from: the runner's own reference, a reference another co-owner embedded,
#   or the runner's own connection brought through the BYOC dialog
#   (domain.md rules 1, 2, 4, 6 and 7).
package padlock.connections

import data.padlock.roles

# METADATA
# title: Compatible connections
# description: |
#   The runner's connections that a reference can use, in document order:
#   same connector, same environment, owned by the runner, status connected
#   (rule 7).
compatible(principal, environment, connector) := [c |
	some c in data.world.connections[principal][environment][connector]
	c.owner == principal
	c.environment == environment
	c.connector == connector
	c.status == "Connected"
]

# METADATA
# title: Source
# description: |
#   A run-only user always brings their own connection, even for embedded
#   references (rule 2). Anyone else uses a reference they own as it is
#   ("own", embedded or not), another co-owner's embedded reference
#   ("embedded", rule 4), and brings their own connection for the rest
#   ("byoc", rule 6). A reference without an owner is nobody's own.
source(ref, principal, role) := "byoc" if {
	not roles.editor(role)
} else := "own" if {
	ref.owner == principal
} else := "embedded" if {
	ref.embedded
} else := "byoc"

# METADATA
# title: Plan
# description: One entry per connection reference of the flow, in the flow's order.
plan(flow, principal, role) := [entry(flow, ref, principal, role) | some ref in flow.connectionReferences]

# METADATA
# title: Entry
# description: |
#   Where the source is byoc, the candidates are the runner's compatible
#   connections and the first is selected (rule 7); otherwise the reference's
#   own connection, where known, is the one used.
entry(flow, ref, principal, role) := {
	"reference": ref.logicalName,
	"connector": ref.connector,
	"source": src,
	"selected": _selected(src, ref, candidates),
	"candidates": candidates,
} if {
	src := source(ref, principal, role)
	candidates := _candidates(src, principal, flow.environment, ref.connector)
}

_candidates(src, principal, environment, connector) := [c.id | some c in compatible(principal, environment, connector)] if {
	src == "byoc"
} else := []

_selected(src, ref, candidates) := candidates[0] if {
	src == "byoc"
} else := ref.connection if {
	src != "byoc"
} else := null
