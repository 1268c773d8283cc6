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
#   same connector, same environment, owned by the runner (the index
#   data.world.connections is keyed by all three), status connected (rule 7).
compatible(principal, environment, connector) := [c |
	some c in data.world.connections[principal][environment][connector]
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
entry(flow, ref, principal, role) := _entry(ref, source(ref, principal, role), principal, flow.environment)

_entry(ref, "byoc", principal, environment) := {
	"reference": ref.logicalName,
	"connector": ref.connector,
	"source": "byoc",
	"selected": _first(candidates),
	"candidates": candidates,
} if {
	candidates := [c.id | some c in compatible(principal, environment, ref.connector)]
}

_entry(ref, src, _, _) := {
	"reference": ref.logicalName,
	"connector": ref.connector,
	"source": src,
	"selected": object.get(ref, "connection", null),
	"candidates": [],
} if {
	src != "byoc"
}

_first(list) := list[0]

_first(list) := null if count(list) == 0
