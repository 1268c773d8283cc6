# METADATA
# title: Desktop flows
# description: Facts about one desktop flow that the rules ask about.
package padlock.flows

# METADATA
# title: Lookup
# description: The flow with this id, undefined when no DesktopFlow has it.
flow(id) := data.world.flows[id]

# METADATA
# title: Contains cloud connector actions
# description: A flow contains cloud connector actions when it has at least one connection reference or one cloud connector action.
contains_cloud_connector_actions(flow) if count(flow.connectionReferences) > 0

contains_cloud_connector_actions(flow) if count(flow.actions) > 0

# METADATA
# title: Shared
# description: A flow is shared when a Share grants a role on it to anyone.
shared(flow) if count(data.world.grants[flow.id]) > 0

# METADATA
# title: Reference
# description: The connection reference of a flow with this logical name.
reference(flow, logical_name) := ref if {
	some ref in flow.connectionReferences
	ref.logicalName == logical_name
}

# METADATA
# title: Stored in v2
# description: Whether Dataverse stores the flow in the v2 schema (its binaries beside the workflow row).
v2(flow) if flow.schemaVersion == "v2"

# METADATA
# title: Needs v2 for a cloud-initiated run
# description: A flow with cloud connector actions stored in v1 cannot be started from a cloud flow until it is saved in v2 (rule 5).
needs_v2(flow) if {
	contains_cloud_connector_actions(flow)
	not v2(flow)
}

# METADATA
# title: References that block a cloud-initiated run
# description: The logical names of a shared flow's references that are not embedded, where the flow contains cloud connector actions (rule 5).
not_embedded(flow) := {ref.logicalName |
	contains_cloud_connector_actions(flow)
	shared(flow)
	some ref in flow.connectionReferences
	not ref.embedded
}
