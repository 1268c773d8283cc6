package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// jsonToYAML writes one JSON document as block-style YAML, keys in their
// JSON order. It walks the bytes once: a YAML library's round trip through
// its node tree costs more than the rest of an import together. Strings
// are written plain where YAML would read them back as the same string,
// else as the JSON string itself, which is a valid YAML double-quoted
// scalar.
func jsonToYAML(b *bytes.Buffer, raw []byte) error {
	s := &yamlWriter{src: raw, out: b}
	s.skipSpace()
	if err := s.value(0, false); err != nil {
		return err
	}
	s.skipSpace()
	if s.pos != len(s.src) {
		return fmt.Errorf("trailing data after the document")
	}
	return nil
}

type yamlWriter struct {
	src []byte
	pos int
	out *bytes.Buffer
}

func (w *yamlWriter) skipSpace() {
	for w.pos < len(w.src) && (w.src[w.pos] == ' ' || w.src[w.pos] == '\n' || w.src[w.pos] == '\t' || w.src[w.pos] == '\r') {
		w.pos++
	}
}

func (w *yamlWriter) indent(n int) {
	for range n {
		w.out.WriteString("  ")
	}
}

// value writes the value at pos. inline: the caller already wrote "key:"
// or "- ", so a scalar follows on the same line and a collection on the
// next ones (an object inside a list starts on the dash's line).
func (w *yamlWriter) value(depth int, afterDash bool) error {
	if w.pos >= len(w.src) {
		return fmt.Errorf("unexpected end of JSON")
	}
	switch w.src[w.pos] {
	case '{':
		return w.object(depth, afterDash)
	case '[':
		return w.array(depth)
	case '"':
		start := w.pos
		if err := w.skipString(); err != nil {
			return err
		}
		str, err := w.unquote(start)
		if err != nil {
			return err
		}
		w.scalar(str)
		w.out.WriteByte('\n')
		return nil
	default: // number, true, false, null: the same in YAML
		start := w.pos
		for w.pos < len(w.src) && !strings.ContainsRune(",]} \n\t\r", rune(w.src[w.pos])) {
			w.pos++
		}
		w.out.Write(w.src[start:w.pos])
		w.out.WriteByte('\n')
		return nil
	}
}

func (w *yamlWriter) object(depth int, afterDash bool) error {
	w.pos++ // {
	w.skipSpace()
	if w.pos < len(w.src) && w.src[w.pos] == '}' {
		w.pos++
		w.out.WriteString("{}\n")
		return nil
	}
	first := true
	for {
		w.skipSpace()
		start := w.pos
		if err := w.skipString(); err != nil {
			return err
		}
		key, err := w.unquote(start)
		if err != nil {
			return err
		}
		if !(first && afterDash) {
			if depth > 0 || !first {
				w.indent(depth)
			}
		}
		first = false
		w.scalar(key)
		w.out.WriteByte(':')
		w.skipSpace()
		w.pos++ // :
		w.skipSpace()
		switch w.src[w.pos] {
		case '{':
			if w.src[w.pos+1+countSpace(w.src[w.pos+1:])] == '}' {
				w.out.WriteByte(' ')
			} else {
				w.out.WriteByte('\n')
			}
			if err := w.object(depth+1, false); err != nil {
				return err
			}
		case '[':
			if w.src[w.pos+1+countSpace(w.src[w.pos+1:])] == ']' {
				w.out.WriteByte(' ')
			} else {
				w.out.WriteByte('\n')
			}
			if err := w.array(depth + 1); err != nil {
				return err
			}
		default:
			w.out.WriteByte(' ')
			if err := w.value(depth+1, false); err != nil {
				return err
			}
		}
		if done, err := w.next('}', "an object"); done || err != nil {
			return err
		}
	}
}

// next reads what follows a member or an item: a comma, or the closing
// bracket, which ends the collection.
func (w *yamlWriter) next(closing byte, what string) (bool, error) {
	w.skipSpace()
	if w.pos >= len(w.src) {
		return false, fmt.Errorf("unexpected end of JSON")
	}
	c := w.src[w.pos]
	w.pos++
	switch c {
	case closing:
		return true, nil
	case ',':
		return false, nil
	}
	return false, fmt.Errorf("unexpected %q in %s", c, what)
}

// array writes a list's items one level in from their key, as padlock's
// own fixtures are written.
func (w *yamlWriter) array(depth int) error {
	w.pos++ // [
	w.skipSpace()
	if w.pos < len(w.src) && w.src[w.pos] == ']' {
		w.pos++
		w.out.WriteString("[]\n")
		return nil
	}
	for {
		w.skipSpace()
		w.indent(depth)
		w.out.WriteString("- ")
		if err := w.value(depth+1, true); err != nil {
			return err
		}
		if done, err := w.next(']', "an array"); done || err != nil {
			return err
		}
	}
}

// scalar writes a string plain where that is safe, else double-quoted.
// Go's quoting escapes exactly what YAML forbids raw in a double-quoted
// scalar (control characters, non-printing ones) with escapes YAML reads
// (\n, \t, \xNN, \uNNNN, \UNNNNNNNN).
func (w *yamlWriter) scalar(s string) {
	if plainSafe(s) {
		w.out.WriteString(s)
		return
	}
	w.out.WriteString(strconv.Quote(s))
}

// unquote decodes the string literal from start to pos; most have no
// escapes and are taken as they are.
func (w *yamlWriter) unquote(start int) (string, error) {
	lit := w.src[start:w.pos]
	if bytes.IndexByte(lit, '\\') < 0 && utf8.Valid(lit) {
		return string(lit[1 : len(lit)-1]), nil
	}
	var s string
	err := json.Unmarshal(lit, &s)
	return s, err
}

func (w *yamlWriter) skipString() error {
	if w.pos >= len(w.src) || w.src[w.pos] != '"' {
		return fmt.Errorf("want a string at byte %d", w.pos)
	}
	for i := w.pos + 1; i < len(w.src); i++ {
		switch w.src[i] {
		case '\\':
			i++
		case '"':
			w.pos = i + 1
			return nil
		}
	}
	return fmt.Errorf("unterminated string")
}

func countSpace(b []byte) int {
	n := 0
	for n < len(b) && (b[n] == ' ' || b[n] == '\n' || b[n] == '\t' || b[n] == '\r') {
		n++
	}
	return n
}

// plainSafe: YAML reads the string back unquoted as the same string. It
// is conservative: letters, digits and a few punctuation marks, not
// starting with an indicator, not a word YAML 1.1 or 1.2 reads as a bool
// or null, not a number.
func plainSafe(s string) bool {
	if s == "" || strings.HasSuffix(s, ":") || strings.Contains(s, ": ") || strings.Contains(s, " #") ||
		strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") {
		return false
	}
	switch c := s[0]; {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '/', c == '_':
	case c >= '0' && c <= '9':
		// An id such as a GUID reads back as a string; a number, a hex,
		// octal or binary literal or a YAML 1.1 date or time does not.
		if p := strings.ToLower(s[:min(2, len(s))]); p == "0x" || p == "0o" || p == "0b" || !strings.ContainsFunc(s, func(r rune) bool {
			return r >= 'a' && r <= 'z' && r != 'e' || r >= 'A' && r <= 'Z' && r != 'E'
		}) {
			return false
		}
	default:
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("_./@:+-() ", r):
		default:
			return false
		}
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "y", "n", "null":
		return false
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return false
	}
	return true
}
