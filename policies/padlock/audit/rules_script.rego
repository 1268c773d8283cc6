# Findings about the flow script: its actions, references and secrets.
package padlock.audit

# METADATA
# title: Action without its reference
# description: >-
#   A cloud connector action points at a connection reference the flow does not have.
# custom:
#   id: PL006
#   severity: warning
#   domain_rule: Cloud connector actions (padInternalId)
findings contains object.union(
	finding(rego.metadata.rule(), {
		"reference": a.reference,
		"message": sprintf("action %s (%s) of %q uses connection %s, which is none of the flow's connection references", [a.operation, a.connector, facts.name, a.reference]),
	}),
	{"location": script_location(line)},
) if {
	some a in facts.actions
	not a.known
	some line in a.lines
}

# METADATA
# title: Unused reference
# description: >-
#   A connection reference that no live cloud connector action uses (a disabled action is not a live use).
# custom:
#   id: PL007
#   severity: info
#   domain_rule: Cloud connector actions
findings contains finding(rego.metadata.rule(), {
	"reference": ref.logicalName,
	"message": sprintf("connection reference %q of %q is used by no live action", [ref.logicalName, flow.name]),
}) if {
	some ref in flow.connectionReferences
	not _live_use(ref.logicalName)
}

_live_use(name) if {
	some a in facts.actions
	a.reference == name
	not a.disabled
}

# METADATA
# title: Disabled cloud connector action
# description: >-
#   A cloud connector action switched off with DISABLE: not a live use of its reference, but worth knowing before the flow is shared.
# custom:
#   id: PL012
#   severity: info
#   domain_rule: Cloud connector actions
findings contains object.union(
	finding(rego.metadata.rule(), {
		"reference": a.reference,
		"message": sprintf("action %s (%s) of %q is disabled", [a.operation, a.connector, facts.name]),
	}),
	{"location": script_location(line)},
) if {
	some a in facts.actions
	a.disabled
	some line in a.lines
}

# METADATA
# title: Credential written in the script
# description: >-
#   A password-like variable SET to a literal, or a literal in an @SENSITIVE variable; the secret itself is never reported.
# custom:
#   id: PL011
#   severity: error
#   domain_rule: none (security)
findings contains object.union(finding(rego.metadata.rule(), {"message": sprintf("%q sets %s variable %s to a literal value: keep secrets in a credential store, not in the script", [facts.name, c.why, c.variable])}), {"location": script_location(c.line)}) if {
	some c in facts.credentials
}
