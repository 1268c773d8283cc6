package export

import (
	"slices"
	"strings"
)

// The flow script is PAD's "Robin" language. padlock does not need its
// grammar, only its statements, their words and their text literals, so
// that every script rule (cloud connector actions, credentials) reads
// literals the same way. The literal forms:
//
//	'text'            plain text, as action parameters write it
//	$'''text'''       text with %variable% interpolation, may span lines
//	$fx'text'         Power Fx text; $fx'=expr' is a formula, not a literal
//	$fx'''text'''     the same, triple-quoted
//
// A backslash escapes the next character ('\'' is a quote, '\%' a percent
// sign that does not start an interpolation). %name% outside a literal is
// a variable or expression, never a literal. /# ... #/ is a comment.

// tokenKind says what a token is.
type tokenKind int

const (
	tokWord tokenKind = iota // a keyword, a name, an operator: anything unquoted
	tokText                  // a text literal
	tokExpr                  // %expression% outside a literal
)

// token is one lexical unit of a statement.
type token struct {
	kind tokenKind
	// text is the word as written, the literal's value with escapes
	// resolved, or the expression between its percent signs.
	text string
	// interpolated: a literal that contains %...%, so its value is not
	// known from the script alone.
	interpolated bool
	// formula: a $fx literal whose text starts with "=".
	formula bool
}

// statement is one line of script, or more where a literal spans lines.
type statement struct {
	line   int // 1-based line of its first token
	tokens []token
}

// isLiteralValue reports whether the statement's value part (the tokens
// after SET x TO) is one known, non-empty text: neither a formula, nor an
// interpolation, nor a variable.
func isLiteralValue(ts []token) bool {
	return len(ts) == 1 && ts[0].kind == tokText && ts[0].text != "" && !ts[0].interpolated && !ts[0].formula
}

// lexer splits a script into statements.
type lexer struct {
	src  string
	pos  int
	line int
	out  []statement
	cur  statement
	// arena holds every kept token, statement after statement (one slice
	// that grows, not one per statement); the current statement's tokens
	// are arena[start:].
	arena []token
	start int
	// want says which statements are wanted; the rest of an unwanted
	// one is scanned the same way (literals can span lines) but not kept,
	// so that a 100 KB script costs its few wanted statements, not 1,500
	// token lists.
	want filter
	skip bool // the current statement is not wanted
	// lexUntil: up to here, lines were found to need tokenizing.
	lexUntil int
	// hazards: see hazards; found on the first skip.
	hazards []int
}

// filter says which statements to tokenize whole, from their first
// tokens; a nil function wants all.
type filter struct {
	first  func(first token) bool
	second func(first, second token) bool // asked of statements first wants
	// starts, if not empty, holds the words a wanted first token starts
	// with: a statement that starts otherwise (and not with a comment) is
	// skipped without reading its first token. Most lines of a script
	// start with END, ELSE or an @@ annotation, which share a wanted
	// word's first byte but not its prefix.
	starts []string
}

// statements tokenizes a whole script.
func statements(script string) []statement { return statementsWhere(script, filter{}) }

// statementsWhere tokenizes the statements want wants.
func statementsWhere(script string, want filter) []statement {
	return (&lexer{}).statements(script, want)
}

// statements tokenizes with the lexer's slices from an earlier script
// (their statements must no longer be used): a parse of tens of
// thousands of scripts reuses them instead of growing new ones.
func (l *lexer) statements(script string, want filter) []statement {
	*l = lexer{src: script, line: 1, want: want, arena: l.arena[:0], out: l.out[:0]}
	var firsts [256]bool // the first bytes of want.starts
	for _, w := range want.starts {
		firsts[w[0]] = true
	}
	for l.pos < len(l.src) {
		if l.skip && l.skipLine() {
			continue
		}
		c := l.src[l.pos]
		if c == ' ' || c == '\t' || c == '\r' { // indentation: every line has some
			for l.pos+8 <= len(l.src) && l.src[l.pos:l.pos+8] == "        " { // one load and compare
				l.pos += 8
			}
			for ; l.pos < len(l.src) && (l.src[l.pos] == ' ' || l.src[l.pos] == '\t' || l.src[l.pos] == '\r'); l.pos++ {
			}
			continue
		}
		if l.want.starts != nil && !l.skip && len(l.arena) == l.start && c != '\n' && c != '/' && (!firsts[c] || !hasAnyPrefix(l.src[l.pos:], l.want.starts)) {
			l.skip = true // the first token cannot be a wanted one
			continue
		}
		switch {
		case c == '\n':
			l.end()
			l.line++
			l.pos++
		case strings.HasPrefix(l.src[l.pos:], "/#"):
			l.comment()
		case c == '%':
			l.expr()
		case c == '\'' || c == '$' && (strings.HasPrefix(l.src[l.pos:], "$'") || strings.HasPrefix(l.src[l.pos:], "$fx'")):
			if !l.literal() {
				l.word()
			}
		default:
			l.word()
		}
	}
	l.end()
	return l.out
}

// offsets are the offsets, in order, of every occurrence of the words in
// src.
func offsets(src string, words []string) []int {
	out := []int{}
	for _, w := range words {
		for i := 0; ; {
			j := strings.Index(src[i:], w)
			if j < 0 {
				break
			}
			out = append(out, i+j)
			i += j + 1
		}
	}
	slices.Sort(out)
	return out
}

// hasAnyPrefix reports whether s starts with one of prefixes.
func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// hazards are the offsets, in order, of what can carry a statement onto
// the next line: every triple quote, every /# and every backslash right
// before a newline. Any other backslash escapes a character of its own line, where
// a single-quoted literal still ends: real scripts escape quotes in
// control names on one line in twelve, and those lines are skipped, not
// tokenized.
func hazards(src string) []int {
	return offsets(src, []string{"'''", "/#", "\\\n"})
}

// skipLine moves an unwanted statement to the end of its line when
// nothing in the rest of the line can carry a token onto the next one: a
// statement spans lines only through a triple-quoted literal, a comment
// or a backslash escaping the newline in a literal. That is exactly where
// tokenizing would have ended it, at a fraction of the cost.
func (l *lexer) skipLine() bool {
	if l.pos < l.lexUntil {
		return false
	}
	rest := l.src[l.pos:]
	end := strings.IndexByte(rest, '\n')
	if end < 0 {
		end = len(rest)
	}
	if l.hazards == nil {
		l.hazards = hazards(l.src)
	}
	for len(l.hazards) > 0 && l.hazards[0] < l.pos {
		l.hazards = l.hazards[1:]
	}
	if len(l.hazards) > 0 && l.hazards[0] < l.pos+end {
		l.lexUntil = l.pos + end // tokenized, and not searched again on every token
		return false
	}
	l.pos += end
	return end > 0
}

func (l *lexer) emit(t token) {
	if l.skip {
		return
	}
	switch len(l.arena) - l.start {
	case 0:
		if l.want.first != nil && !l.want.first(t) {
			l.skip = true
			return
		}
		l.cur.line = l.line
	case 1:
		if l.want.second != nil && !l.want.second(l.arena[l.start], t) {
			l.arena, l.skip = l.arena[:l.start], true
			return
		}
	}
	l.arena = append(l.arena, t)
}

func (l *lexer) end() {
	if len(l.arena) > l.start {
		l.cur.tokens = l.arena[l.start:len(l.arena):len(l.arena)]
		l.out = append(l.out, l.cur)
		l.start = len(l.arena)
	}
	l.cur, l.skip = statement{}, false
}

// unescape drops the backslash of every escape in a literal's text.
func unescape(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	for i := 0; i < len(text); i++ {
		if text[i] == '\\' && i+1 < len(text) {
			i++
		}
		b.WriteByte(text[i])
	}
	return b.String()
}

// wordEnd marks the bytes that end a word.
var wordEnd = [256]bool{' ': true, '\t': true, '\r': true, '\n': true, '\'': true, '%': true}

// word reads unquoted characters up to a space, a newline or a quote.
func (l *lexer) word() {
	start := l.pos
	l.pos++ // at least one character, so that a stray quote cannot loop
	for l.pos < len(l.src) {
		if wordEnd[l.src[l.pos]] {
			break
		}
		l.pos++
	}
	l.emit(token{kind: tokWord, text: l.src[start:l.pos]})
}

// expr reads %...% outside a literal; an unclosed percent sign is a word.
func (l *lexer) expr() {
	end := strings.IndexAny(l.src[l.pos+1:], "%\n")
	if end < 0 || l.src[l.pos+1+end] != '%' {
		l.word()
		return
	}
	l.emit(token{kind: tokExpr, text: l.src[l.pos+1 : l.pos+1+end]})
	l.pos += end + 2
}

// comment skips /# ... #/, counting its lines.
func (l *lexer) comment() {
	end := strings.Index(l.src[l.pos+2:], "#/")
	if end < 0 {
		end = len(l.src) - l.pos - 2
	}
	body := l.src[l.pos : l.pos+2+end]
	l.line += strings.Count(body, "\n")
	l.pos += min(len(l.src)-l.pos, 2+end+2)
}

// emitText emits a literal's text, with the prefix it was written with
// and the percent signs it holds.
func (l *lexer) emitText(text, prefix string, percents int) {
	l.emit(token{
		kind:         tokText,
		text:         text,
		interpolated: percents >= 2,
		formula:      prefix == "$fx" && strings.HasPrefix(strings.TrimSpace(text), "="),
	})
}

// literalForm splits a literal at the start of rest into its prefix ("",
// "$" or "$fx"), its body (from the opening quote) and its quote (' or
// three of them).
func literalForm(rest string) (prefix, body, quote string) {
	switch {
	case strings.HasPrefix(rest, "$fx'"):
		prefix = "$fx"
	case strings.HasPrefix(rest, "$'"):
		prefix = "$"
	}
	body = rest[len(prefix):]
	quote = "'"
	if strings.HasPrefix(body, "'''") {
		quote = "'''"
	}
	return prefix, body, quote
}

// literal reads a text literal at l.pos. It reports false, consuming
// nothing, when the literal is not closed: the opening quote is then read
// as a word, and the rest of the script is still tokenized.
func (l *lexer) literal() bool {
	prefix, body, quote := literalForm(l.src[l.pos:])
	if quote == "'" {
		// Most literals hold neither a backslash nor a newline before their
		// closing quote: found with vectorized searches, not byte by byte
		// (FuzzLiteralFastPath holds it to scanLiteral).
		if end := strings.IndexByte(body[1:], '\''); end >= 0 {
			if text := body[1 : 1+end]; strings.IndexByte(text, '\\') < 0 && strings.IndexByte(text, '\n') < 0 {
				percents := 0
				if prefix != "$fx" {
					percents = strings.Count(text, "%")
				}
				l.emitText(text, prefix, percents)
				l.pos += len(prefix) + 1 + end + 1
				return true
			}
		}
	}
	return l.scanLiteral(prefix, body, quote)
}

// scanLiteral reads the literal that body (after its prefix) starts with
// a byte at a time: any literal, escapes and lines included.
func (l *lexer) scanLiteral(prefix, body, quote string) bool {
	// The text is the literal's own bytes unless it has escapes: only then
	// is it copied, without its backslashes.
	escaped := false
	percents, lines := 0, 0
	for i := len(quote); i < len(body); i++ {
		c := body[i]
		switch {
		case c == '\\' && i+1 < len(body):
			i++
			escaped = true
			if body[i] == '\n' {
				lines++
			}
		case c == '\'' && strings.HasPrefix(body[i:], quote):
			text := body[len(quote):i]
			if escaped && !l.skip {
				text = unescape(text)
			}
			l.emitText(text, prefix, percents)
			l.pos += len(prefix) + i + len(quote)
			l.line += lines
			return true
		case c == '\n' && quote == "'":
			return false // a single-quoted literal ends on its line
		default:
			if c == '\n' {
				lines++
			}
			if c == '%' && prefix != "$fx" { // %name% inside: not known from the script alone
				percents++
			}
		}
	}
	return false
}
