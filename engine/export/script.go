package export

import (
	"regexp"
	"strings"

	"github.com/padlock/padlock/engine/document"
)

// A statement such as
//
//	External.InvokeCloudConnector Connection: '<padInternalId>' ConnectorId: '/providers/...' OperationId: 'Op' ...
//
// possibly switched off with a leading DISABLE.
var invokeRE = regexp.MustCompile(`^\s*(DISABLE\s+)?External\.InvokeCloudConnector\s+Connection:\s*'([^']*)'\s+ConnectorId:\s*'([^']*)'\s+OperationId:\s*'([^']*)'`)

// SET <variable> TO <value>, possibly disabled.
var setRE = regexp.MustCompile(`^\s*(?:DISABLE\s+)?SET\s+([A-Za-z_][A-Za-z0-9_]*)\s+TO\s+(.*?)\s*$`)

// @SENSITIVE: [A, B]
var sensitiveRE = regexp.MustCompile(`^\s*@SENSITIVE:\s*\[([^\]]*)\]`)

var passwordLike = regexp.MustCompile(`(?i)(pass(word|wd)?|pwd|secret|token|api_?key|credential)`)

// scriptFacts is what padlock reads from a flow script.
type scriptFacts struct {
	actions     []document.AuditAction
	credentials []document.AuditCredential
}

// parseScript finds the cloud connector actions (linked to references by
// padInternalId) and the credentials written as literals. Values are
// never kept: a finding names the variable and the line only.
func parseScript(script string, refByPadID map[string]string) scriptFacts {
	var f scriptFacts
	sensitive := map[string]bool{}
	lines := strings.Split(strings.ReplaceAll(script, "\r\n", "\n"), "\n")
	for _, l := range lines {
		if m := sensitiveRE.FindStringSubmatch(l); m != nil {
			for _, v := range strings.Split(m[1], ",") {
				sensitive[strings.TrimSpace(v)] = true
			}
		}
	}
	for i, l := range lines {
		if m := invokeRE.FindStringSubmatch(l); m != nil {
			ref, known := refByPadID[m[2]]
			if !known {
				ref = m[2]
			}
			f.actions = append(f.actions, document.AuditAction{
				Connector: m[3], Operation: m[4], Reference: ref, Known: known, Disabled: m[1] != "", Line: i + 1,
			})
			continue
		}
		if m := setRE.FindStringSubmatch(l); m != nil && isLiteral(m[2]) {
			switch {
			case sensitive[m[1]]:
				f.credentials = append(f.credentials, document.AuditCredential{Variable: m[1], Why: "sensitive", Line: i + 1})
			case passwordLike.MatchString(m[1]):
				f.credentials = append(f.credentials, document.AuditCredential{Variable: m[1], Why: "password-like", Line: i + 1})
			}
		}
	}
	return f
}

// isLiteral: a non-empty text literal, 'text' or $fx'text', as opposed to
// a formula ($fx'=...'), a variable (%x%) or an empty value.
func isLiteral(v string) bool {
	v = strings.TrimSpace(v)
	v = strings.TrimPrefix(v, "$fx")
	if len(v) < 3 || v[0] != '\'' || v[len(v)-1] != '\'' {
		return false
	}
	inner := v[1 : len(v)-1]
	return inner != "" && !strings.HasPrefix(inner, "=") && !strings.Contains(inner, "%")
}
