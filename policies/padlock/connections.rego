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
source(ref, principal, role) := _sources[_editor(role)][object.get(ref, "owner", null) == principal][object.get(ref, "embedded", false)]

# Where the connection comes from, by whether the runner is an owner or
# co-owner, whether they own the reference, and whether it is embedded:
# a decision table, so that a plan asks no function per reference.
_sources := {
	false: {false: {false: "byoc", true: "byoc"}, true: {false: "byoc", true: "byoc"}}, # rule 2
	true: {
		true: {false: "own", true: "own"}, # rule 1
		false: {false: "byoc", true: "embedded"}, # rules 6 and 4
	},
}

_editor(role) if roles.editor(role)

else := false

# METADATA
# title: Plan
# description: |
#   One entry per connection reference of the flow, in the flow's order.
#   Where the source is byoc, the candidates are the runner's compatible
#   connections and the first is selected (rule 7); otherwise the
#   reference's own connection, where known, is the one used.
plan(flow, principal, role) := [_entry(ref, sources[object.get(ref, "owner", null) == principal][object.get(ref, "embedded", false)], principal, environment) |
	some ref in flow.connectionReferences
] if {
	sources := _sources[_editor(role)] # once per plan, not once per reference
	environment := flow.environment
}

_entry(ref, "byoc", principal, environment) := {
	"reference": ref.logicalName,
	"connector": ref.connector,
	"source": "byoc",
	"selected": _first(candidates),
	"candidates": candidates,
} if {
	candidates := [c.id | some c in compatible(principal, environment, ref.connector)]
}

_entry(ref, "own", _, _) := _given(ref, "own")

_entry(ref, "embedded", _, _) := _given(ref, "embedded")

# A reference that brings its connection is the same entry for every
# runner: computed once per reference and query.
_given(ref, src) := {
	"reference": ref.logicalName,
	"connector": ref.connector,
	"source": src,
	"selected": object.get(ref, "connection", null),
	"candidates": [],
}

_first(list) := list[0]

_first(list) := null if count(list) == 0
