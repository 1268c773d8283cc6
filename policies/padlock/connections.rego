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
plan(flow, principal, role) := [{
	"reference": ref.logicalName,
	"connector": ref.connector,
	"source": source,
	"selected": _selected(source, candidates, ref),
	"candidates": candidates,
} |
	some ref in flow.connectionReferences
	source := sources[object.get(ref, "owner", null) == principal][ref.embedded]
	candidates := [c.id | source == "byoc"; some c in compatible(principal, environment, ref.connector)]
] if {
	# One comprehension and one small function per reference: a who-can
	# asks a plan for every principal, and each call or builtin costs OPA
	# microseconds (README, "Lists": variants measured side by side).
	sources := _sources[_editor(role)] # once per plan, not once per reference
	environment := flow.environment
}

# The connection a run uses: the first candidate a byoc reference has, or
# the reference's own connection; null where there is none.
default _selected(_, _, _) := null

_selected("byoc", candidates, _) := candidates[0]

_selected(source, _, ref) := ref.connection if source != "byoc"
