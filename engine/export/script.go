package export

import (
	"bytes"
	byteorder "encoding/binary"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/padlock/padlock/engine/document"
)

var passwordLike = regexp.MustCompile(`(?i)(pass(word|wd)?|pwd|secret|token|api_?key|credential)`)

// passwordLikeWords are what passwordLike matches in an ASCII name, in
// lower case ("pass" covers password and passwd).
var passwordLikeWords = []string{"pass", "pwd", "secret", "token", "apikey", "api_key", "credential"}

// isPasswordLike is passwordLike.MatchString(name), without the regexp for
// the ASCII names scripts use: a real script sets a literal on one line in
// a hundred, and the regexp's case folding was a tenth of its parse. A
// name with other letters keeps the regexp, whose (?i) also folds the
// Kelvin sign to k and the long s to s.
func isPasswordLike(name string) bool {
	var buf [64]byte
	if len(name) > len(buf) {
		return passwordLike.MatchString(name)
	}
	lower := buf[:len(name)]
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= utf8.RuneSelf:
			return passwordLike.MatchString(name)
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	for _, w := range passwordLikeWords {
		if bytes.Contains(lower, []byte(w)) {
			return true
		}
	}
	return false
}

// scriptFacts is what padlock reads from a flow script.
type scriptFacts struct {
	actions     []document.AuditAction
	credentials []document.AuditCredential
}

// parseScript finds the cloud connector actions (linked to references by
// padInternalId) and the credentials written as literals, over the
// statements of robin.go's tokenizer. Values are never kept: a finding
// names the variable and the line only.
//
// Nothing it returns shares memory with the script (strings kept are
// copies): the caller may reuse the script's bytes.
func parseScript(script string, refByPadID map[string]string) scriptFacts {
	var f scriptFacts
	l := lexers.Get().(*lexer)
	defer lexers.Put(l)
	stmts := l.statements(script, filter{first: wanted, second: func(first, second token) bool {
		// A DISABLE statement is read as the statement it disables.
		return first.text != "DISABLE" || second.kind == tokWord && (second.text == "External.InvokeCloudConnector" || second.text == "SET")
	}, starts: wantedWords})
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
	type call struct {
		connector, operation, reference string
		known, disabled                 bool
	}
	seen := map[call]int{} // → its index in f.actions
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
				a.Disabled = disabled
				key := call{a.Connector, a.Operation, a.Reference, a.Known, a.Disabled}
				if i, ok := seen[key]; ok {
					f.actions[i].Lines = append(f.actions[i].Lines, s.line)
					continue
				}
				seen[key] = len(f.actions)
				a.Lines = []int{s.line}
				f.actions = append(f.actions, a)
			}
		case "SET":
			if len(ts) < 4 || ts[1].kind != tokWord || ts[2].kind != tokWord || ts[2].text != "TO" || !isLiteralValue(ts[3:]) {
				continue
			}
			switch name := strings.Clone(ts[1].text); { // a copy: see parseScript
			case sensitive[name]:
				f.credentials = append(f.credentials, document.AuditCredential{Variable: name, Why: "sensitive", Line: s.line})
			case isPasswordLike(name):
				f.credentials = append(f.credentials, document.AuditCredential{Variable: name, Why: "password-like", Line: s.line})
			}
		}
	}
	return f
}

// lexers are reused from script to script (their token slices).
var lexers = sync.Pool{New: func() any { return new(lexer) }}

// wantedWords are the first words of the statements parseScript reads.
var wantedWords = []string{"External.InvokeCloudConnector", "SET", "DISABLE", "@SENSITIVE:"}

// wanted are the statements parseScript reads, by their first word.
func wanted(first token) bool {
	return first.kind == tokWord && slices.Contains(wantedWords, first.text)
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
	// Copies: a token is a slice of the script, which must not outlive
	// its flow's parse.
	return document.AuditAction{Connector: strings.Clone(connector), Operation: strings.Clone(op), Reference: strings.Clone(ref), Known: known}, true
}

// unquoteJSONInto is unquoteJSON appending to dst.
func unquoteJSONInto(dst, raw []byte) ([]byte, error) {
	raw = bytes.Trim(raw, " \t\r\n") // JSON's whitespace, which json.Unmarshal skips
	if out, ok := unquoteSimple(dst, raw); ok {
		return out, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return dst, err
	}
	return append(dst, s...), nil
}

// unquoteJSON decodes a JSON string (a flow's <Definition>), as
// json.Unmarshal does: the common escapes are decoded here, several times
// faster; surrogate pairs, invalid UTF-8 and anything malformed are left
// to json.Unmarshal, for its result or its error.
func unquoteJSON(raw string) (string, error) {
	out, err := unquoteJSONInto(nil, []byte(raw))
	return string(out), err
}

// unquoteSimple appends the common case to dst; false leaves the rest to
// json.Unmarshal.
func unquoteSimple(dst, s []byte) ([]byte, bool) {
	if len(s) < 2 || s[0] != '"' {
		return dst, false
	}
	orig := len(dst)
	out := slices.Grow(dst, len(s)) // the text is never longer than its quoted form
	start := 1
	for i := 1; i < len(s); i++ {
		i = nextSpecial(s, i)
		if i >= len(s) {
			break
		}
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) {
				return dst, false
			}
			out = append(out, s[start:i]...)
			var r byte
			switch s[i+1] {
			case 'u': // \uXXXX outside the surrogates
				if i+6 > len(s) {
					return dst, false
				}
				n, err := strconv.ParseUint(string(s[i+2:i+6]), 16, 32)
				if err != nil || n >= 0xD800 && n < 0xE000 {
					return dst, false
				}
				out = utf8.AppendRune(out, rune(n))
				i += 5
				start = i + 1
				continue
			case 'n':
				r = '\n'
			case 'r':
				r = '\r'
			case 't':
				r = '\t'
			case '"', '\\', '/':
				r = s[i+1]
			case 'b':
				r = '\b'
			case 'f':
				r = '\f'
			default:
				return dst, false
			}
			out = append(out, r)
			i++
			start = i + 1
		case c == '"':
			if i != len(s)-1 {
				return dst, false
			}
			out = append(out, s[start:i]...)
			return out, utf8.Valid(out[orig:])
		default: // a control character
			return dst, false
		}
	}
	return dst, false
}

// nextSpecial finds, from i, the first byte of s that a JSON string
// treats specially: a quote, a backslash or a control character. It
// tests eight bytes at a time (the "has a zero byte" trick of Hacker's
// Delight): a script is 100 KB with an escape every line.
func nextSpecial(s []byte, i int) int {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	for ; i+8 <= len(s); i += 8 {
		x := byteorder.LittleEndian.Uint64(s[i:])
		quote := x ^ (ones * '"')
		slash := x ^ (ones * '\\')
		if ((quote-ones)&^quote|(slash-ones)&^slash|(x-ones*0x20)&^x)&highs != 0 {
			break
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' || c < 0x20 {
			return i
		}
	}
	return i
}
