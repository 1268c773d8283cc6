# The audit rules of policies/padlock/audit that conftest can check one
# flow at a time, written for conftest: one input per desktop flow (the
# flow already parsed, as exporttest writes it), the world as data.world.
# Messages are padlock's, so that the harness can check that both report
# the same findings before it times them. PL010 joins cloud flows to
# desktop flows across files, which conftest cannot: padlock only.
package main

import rego.v1

flow := input.flow

facts := input.facts

deny contains sprintf("PL001 shared flow %q cannot be started from a cloud flow: connection reference %q is not embedded", [flow.name, ref]) if {
	some ref in not_embedded
}

deny contains sprintf("PL002 flow %q has cloud connector actions and is stored in v1: re-save it in v2 before a cloud flow starts it", [flow.name]) if {
	cloud_actions
	flow.schemaVersion != "v2"
}

deny contains sprintf("PL003 run-only user %s must bring their own connection for %d connection references of %q", [p, count(flow.connectionReferences), flow.name]) if {
	cloud_actions
	count(flow.connectionReferences) > 0
	some p in run_only_users
}

deny contains sprintf("PL004 run-only user %s has no connected %s connection in %s for reference %q", [p, ref.connector, flow.environment, ref.logicalName]) if {
	some p in run_only_users
	some ref in flow.connectionReferences
	not connected(p, ref.connector)
}

deny contains sprintf("PL005 connection reference %q of %q is embedded by %s, who is no longer owner or co-owner of the flow", [ref.logicalName, flow.name, ref.owner]) if {
	some ref in flow.connectionReferences
	ref.embedded
	not role(ref.owner) in {"owner", "co-owner"}
}

deny contains sprintf("PL006 action %s (%s) of %q uses connection %s, which is none of the flow's connection references", [a.operation, a.connector, flow.name, a.reference]) if {
	some a in facts.actions
	not a.known
}

deny contains sprintf("PL007 connection reference %q of %q is used by no live action", [ref.logicalName, flow.name]) if {
	some ref in flow.connectionReferences
	not live_use(ref.logicalName)
}

deny contains sprintf("PL008 flow %q embeds connection reference %q: importing the solution will not bring it along", [flow.name, ref.logicalName]) if {
	facts.inSolution
	some ref in flow.connectionReferences
	ref.embedded
}

deny contains sprintf("PL009 v2 flow %q needs %s, which the export does not contain", [flow.name, missing]) if {
	flow.schemaVersion == "v2"
	some missing in facts.missingBinaries
}

deny contains sprintf("PL011 %q sets %s variable %s to a literal value: keep secrets in a credential store, not in the script", [flow.name, c.why, c.variable]) if {
	some c in facts.credentials
}

deny contains sprintf("PL012 action %s (%s) of %q is disabled", [a.operation, a.connector, flow.name]) if {
	some a in facts.actions
	a.disabled
}

cloud_actions if count(flow.connectionReferences) > 0

cloud_actions if count(flow.actions) > 0

not_embedded contains ref.logicalName if {
	cloud_actions
	count(data.world.grants[flow.id]) > 0
	some ref in flow.connectionReferences
	not ref.embedded
}

live_use(name) if {
	some a in facts.actions
	a.reference == name
	not a.disabled
}

people(grantee) := data.world.teams[grantee] if data.world.teams[grantee]

else := [grantee]

run_only_users contains p if {
	some grantee, _ in data.world.grants[flow.id]
	some p in people(grantee)
	role(p) == "user"
}

role(p) := "owner" if {
	flow.owner == p
} else := "co-owner" if {
	granted(p, "co-owner")
} else := "user" if {
	granted(p, "user")
} else := "none"

granted(p, r) if data.world.grants[flow.id][p][r]

granted(p, r) if {
	some team in data.world.memberOf[p]
	data.world.grants[flow.id][team][r]
}

connected(p, connector) if {
	some c in data.world.connections[p][flow.environment][connector]
	c.status == "Connected"
}
