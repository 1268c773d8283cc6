package export

import (
	"regexp"
	"strings"

	"github.com/padlock/padlock/engine/document"
)

var passwordLike = regexp.MustCompile(`(?i)(pass(word|wd)?|pwd|secret|token|api_?key|credential)`)

// scriptFacts is what padlock reads from a flow script.
type scriptFacts struct {
	actions     []document.AuditAction
	credentials []document.AuditCredential
}

// parseScript finds the cloud connector actions (linked to references by
// padInternalId) and the credentials written as literals, over the
// statements of robin.go's tokenizer. Values are never kept: a finding
// names the variable and the line only.
func parseScript(script string, refByPadID map[string]string) scriptFacts {
	var f scriptFacts
	stmts := statements(script)
	sensitive := map[string]bool{}
	for _, s := range stmts {
		if w := s.tokens[0]; w.kind == tokWord && w.text == "@SENSITIVE:" {
			for _, t := range s.tokens[1:] {
				for _, v := range strings.FieldsFunc(t.text, func(r rune) bool { return r == '[' || r == ']' || r == ',' }) {
					sensitive[v] = true
				}
			}
		}
	}
	for _, s := range stmts {
		ts, disabled := s.tokens, false
		if ts[0].kind == tokWord && ts[0].text == "DISABLE" {
			ts, disabled = ts[1:], true
		}
		if len(ts) == 0 || ts[0].kind != tokWord {
			continue
		}
		switch ts[0].text {
		case "External.InvokeCloudConnector":
			if a, ok := invokeAction(ts[1:], refByPadID); ok {
				a.Disabled, a.Line = disabled, s.line
				f.actions = append(f.actions, a)
			}
		case "SET":
			if len(ts) < 4 || ts[1].kind != tokWord || ts[2].kind != tokWord || ts[2].text != "TO" || !isLiteralValue(ts[3:]) {
				continue
			}
			switch name := ts[1].text; {
			case sensitive[name]:
				f.credentials = append(f.credentials, document.AuditCredential{Variable: name, Why: "sensitive", Line: s.line})
			case passwordLike.MatchString(name):
				f.credentials = append(f.credentials, document.AuditCredential{Variable: name, Why: "password-like", Line: s.line})
			}
		}
	}
	return f
}

// invokeAction reads the parameters of External.InvokeCloudConnector:
// Connection: '<padInternalId>' ConnectorId: '...' OperationId: '...'.
func invokeAction(ts []token, refByPadID map[string]string) (document.AuditAction, bool) {
	params := map[string]string{}
	for i := 0; i+1 < len(ts); i++ {
		if ts[i].kind == tokWord && strings.HasSuffix(ts[i].text, ":") && ts[i+1].kind == tokText {
			params[strings.TrimSuffix(ts[i].text, ":")] = ts[i+1].text
			i++
		}
	}
	pad, hasConn := params["Connection"]
	connector, hasConnector := params["ConnectorId"]
	op, hasOp := params["OperationId"]
	if !hasConn || !hasConnector || !hasOp {
		return document.AuditAction{}, false
	}
	ref, known := refByPadID[pad]
	if !known {
		ref = pad
	}
	return document.AuditAction{Connector: connector, Operation: op, Reference: ref, Known: known}, true
}
