package export

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// customizations.xml is nearly all flow scripts: each <Workflow>'s
// <Definition> is a JSON string of about 100 KB, and a tenant's exports
// hold tens of thousands. encoding/xml reads it a byte at a time (about
// 40 MB/s, most of an audit's time), so the <Workflow> elements are read
// by this scanner instead: it finds markup with bytes.IndexByte, checks
// that elements nest and end, that entities are known and that the text
// it keeps is valid UTF-8, and decodes only the attributes and the text of
// the elements padlock reads. What it refuses is read again with
// encoding/xml, so that a malformed file is reported as before, with the
// line encoding/xml gives.

// xmlSyntaxError is what the scanner refuses; the caller reads the file
// again with encoding/xml, for its verdict and its message.
type xmlSyntaxError struct {
	line int
	msg  string
}

func (e *xmlSyntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// workflowFields are the children of <Workflow> whose text padlock reads.
var workflowFields = map[string]func(w *xmlWorkflow) *string{
	"JsonFileName":         func(w *xmlWorkflow) *string { return &w.JSONFileName },
	"Category":             func(w *xmlWorkflow) *string { return &w.Category },
	"UIFlowType":           func(w *xmlWorkflow) *string { return &w.UIFlowType },
	"Definition":           func(w *xmlWorkflow) *string { return &w.Definition },
	"ConnectionReferences": func(w *xmlWorkflow) *string { return &w.ConnectionReferences },
	"Dependencies":         func(w *xmlWorkflow) *string { return &w.Dependencies },
}

// scriptBuffers hold <Definition>s between the scan and the parse: each
// is 100 KB, tens of thousands an audit, and garbage right after.
var scriptBuffers = sync.Pool{New: func() any { return new([]byte) }}

// xmlScanner streams an XML document through a window of its bytes.
type xmlScanner struct {
	r   io.Reader
	buf []byte
	pos int // next byte to scan
	eof bool
	// line is the line of buf[lineAt]; lines are counted lazily.
	line, lineAt int
}

// scanWorkflows calls visit with every <Workflow> element of the document,
// with the line of its start tag's end (as encoding/xml's InputPos gives).
func scanWorkflows(r io.Reader, visit func(w xmlWorkflow, line int)) error {
	s := &xmlScanner{r: r, buf: make([]byte, 0, 256<<10), line: 1}
	var (
		stack   []string
		root    bool
		wf      *xmlWorkflow
		wfLine  int
		wfDepth int     // len(stack) inside the <Workflow>
		field   *string // the child whose text is being captured
		text    []byte  // its text so far, decoded
	)
	capturing := func() bool { return field != nil && len(stack) == wfDepth+1 }
	for {
		i, err := s.index(0, "<")
		if err == io.EOF {
			switch {
			case len(stack) > 0:
				return s.syntax(len(s.buf), "unexpected EOF")
			case len(bytes.TrimSpace(s.buf[s.pos:])) > 0:
				return s.syntax(len(s.buf), "text outside the root element")
			}
			return nil
		}
		if err != nil {
			return err
		}
		if capturing() {
			if text, err = decodeAppend(text, s.buf[s.pos:s.pos+i]); err != nil {
				return s.syntax(s.pos, err.Error())
			}
		} else if len(stack) == 0 && len(bytes.TrimSpace(s.buf[s.pos:s.pos+i])) > 0 {
			return s.syntax(s.pos, "text outside the root element")
		}
		s.pos += i
		switch {
		case s.hasPrefix("<!--"):
			if err := s.skipPast("-->"); err != nil {
				return err
			}
		case s.hasPrefix("<![CDATA["):
			j, err := s.index(len("<![CDATA["), "]]>")
			if err != nil {
				return s.eofErr(err)
			}
			if capturing() { // as written, but for line ends
				raw := s.buf[s.pos+len("<![CDATA[") : s.pos+j]
				text = append(text, bytes.ReplaceAll(bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n")), []byte("\r"), []byte("\n"))...)
			}
			s.pos += j + len("]]>")
		case s.hasPrefix("<?"):
			if err := s.skipPast("?>"); err != nil {
				return err
			}
		case s.hasPrefix("<!"):
			j, err := s.index(0, ">")
			if err != nil {
				return s.eofErr(err)
			}
			if bytes.IndexByte(s.buf[s.pos:s.pos+j], '[') >= 0 {
				return s.syntax(s.pos, "a DOCTYPE with an internal subset")
			}
			s.pos += j + 1
		case s.hasPrefix("</"):
			j, err := s.index(0, ">")
			if err != nil {
				return s.eofErr(err)
			}
			name := string(bytes.TrimRight(s.buf[s.pos+2:s.pos+j], " \t\r\n"))
			if len(stack) == 0 || stack[len(stack)-1] != name {
				return s.syntax(s.pos, "unexpected end element </"+name+">")
			}
			s.pos += j + 1
			stack = stack[:len(stack)-1]
			switch {
			case field != nil && len(stack) == wfDepth:
				if !utf8.Valid(text) {
					return s.syntax(s.pos, "invalid UTF-8")
				}
				if field == &wf.Definition { // the script: into a buffer the parse gives back
					wf.definition = scriptBuffers.Get().(*[]byte)
					*wf.definition = append((*wf.definition)[:0], text...)
				} else {
					*field = string(text)
				}
				field = nil
			case wf != nil && len(stack) == wfDepth-1:
				visit(*wf, wfLine)
				wf = nil
			}
		default:
			j, err := s.tagEnd()
			if err != nil {
				return err
			}
			tag := s.buf[s.pos+1 : s.pos+j]
			s.pos += j + 1
			selfClosing := len(tag) > 0 && tag[len(tag)-1] == '/'
			if selfClosing {
				tag = tag[:len(tag)-1]
			}
			name, attrs, err := parseTag(tag)
			if err != nil {
				return s.syntax(s.pos, err.Error())
			}
			if len(stack) == 0 {
				if root {
					return s.syntax(s.pos, "a second root element <"+name+">")
				}
				root = true
			}
			local := name[strings.IndexByte(name, ':')+1:]
			switch {
			case wf == nil && local == "Workflow":
				wf, wfDepth, wfLine = &xmlWorkflow{}, len(stack)+1, s.lineOf(s.pos)
				for _, a := range attrs {
					switch a.name {
					case "WorkflowId":
						wf.ID = a.value
					case "Name":
						wf.Name = a.value
					}
				}
			case wf != nil && len(stack) == wfDepth && field == nil:
				if f, ok := workflowFields[local]; ok {
					field, text = f(wf), text[:0]
				}
			}
			if !selfClosing {
				stack = append(stack, name)
				continue
			}
			switch {
			case field != nil && len(stack) == wfDepth:
				*field, field = "", nil
			case wf != nil && len(stack)+1 == wfDepth:
				visit(*wf, wfLine)
				wf = nil
			}
		}
	}
}

type xmlAttr struct{ name, value string }

// parseTag reads a start tag's name and attributes (without < and >).
func parseTag(tag []byte) (string, []xmlAttr, error) {
	end := bytes.IndexAny(tag, " \t\r\n")
	if end < 0 {
		end = len(tag)
	}
	name := string(tag[:end])
	if !validName(name) {
		return "", nil, fmt.Errorf("invalid element name %q", name)
	}
	var attrs []xmlAttr
	rest := tag[end:]
	for {
		rest = bytes.TrimLeft(rest, " \t\r\n")
		if len(rest) == 0 {
			return name, attrs, nil
		}
		eq := bytes.IndexByte(rest, '=')
		if eq < 0 {
			return "", nil, fmt.Errorf("attribute %q without a value", rest)
		}
		an := string(bytes.TrimRight(rest[:eq], " \t\r\n"))
		if !validName(an) {
			return "", nil, fmt.Errorf("invalid attribute name %q", an)
		}
		rest = bytes.TrimLeft(rest[eq+1:], " \t\r\n")
		if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
			return "", nil, fmt.Errorf("unquoted value of attribute %s", an)
		}
		q := bytes.IndexByte(rest[1:], rest[0])
		if q < 0 {
			return "", nil, fmt.Errorf("unterminated value of attribute %s", an)
		}
		raw := rest[1 : 1+q]
		if bytes.IndexByte(raw, '<') >= 0 {
			return "", nil, fmt.Errorf("'<' in the value of attribute %s", an)
		}
		v, err := decodeText(raw)
		if err != nil {
			return "", nil, err
		}
		attrs = append(attrs, xmlAttr{name: an[strings.IndexByte(an, ':')+1:], value: v})
		rest = rest[2+q:]
	}
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		ok := r == '_' || r == ':' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r > 0x7f ||
			i > 0 && (r == '-' || r == '.' || r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return true
}

// decodeAppend appends character data with its entities resolved and
// its line ends normalized (XML reads \r\n and a lone \r as \n).
func decodeAppend(out, b []byte) ([]byte, error) {
	for len(b) > 0 {
		// Two IndexByte calls (vectorized) beat one IndexAny over a
		// script's 100 KB.
		i := bytes.IndexByte(b, '&')
		limit := b
		if i >= 0 {
			limit = b[:i]
		}
		if j := bytes.IndexByte(limit, '\r'); j >= 0 {
			i = j
		}
		if i < 0 {
			return append(out, b...), nil
		}
		out, b = append(out, b[:i]...), b[i:]
		if b[0] == '\r' {
			out, b = append(out, '\n'), b[1:]
			if len(b) > 0 && b[0] == '\n' {
				b = b[1:]
			}
			continue
		}
		semi := bytes.IndexByte(b, ';')
		if semi < 0 || semi > 12 {
			return nil, errors.New("invalid character entity (no semicolon)")
		}
		r, ok := entity(string(b[1:semi]))
		if !ok {
			return nil, fmt.Errorf("invalid character entity %s", b[:semi+1])
		}
		out, b = utf8.AppendRune(out, r), b[semi+1:]
	}
	return out, nil
}

// decodeText is decodeAppend for an attribute value.
func decodeText(b []byte) (string, error) {
	out, err := decodeAppend(nil, b)
	if err == nil && !utf8.Valid(out) {
		err = errors.New("invalid UTF-8")
	}
	return string(out), err
}

func entity(name string) (rune, bool) {
	switch name {
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "amp":
		return '&', true
	case "apos":
		return '\'', true
	case "quot":
		return '"', true
	}
	if strings.HasPrefix(name, "#") {
		var n uint64
		var err error
		if strings.HasPrefix(name, "#x") {
			n, err = strconv.ParseUint(name[2:], 16, 32)
		} else {
			n, err = strconv.ParseUint(name[1:], 10, 32)
		}
		if err == nil && isXMLChar(rune(n)) {
			return rune(n), true
		}
	}
	return 0, false
}

func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// index finds sep at or after pos+from, reading more as needed; the
// result is relative to pos.
func (s *xmlScanner) index(from int, sep string) (int, error) {
	for {
		if i := bytes.Index(s.buf[s.pos+from:], []byte(sep)); i >= 0 {
			return from + i, nil
		}
		from = max(from, len(s.buf)-s.pos-len(sep)+1)
		if err := s.fill(); err != nil {
			return 0, err
		}
	}
}

// tagEnd finds the > that ends the start tag at pos, outside quotes.
func (s *xmlScanner) tagEnd() (int, error) {
	for j, quote := 1, byte(0); ; j++ {
		for s.pos+j >= len(s.buf) {
			if err := s.fill(); err != nil {
				return 0, s.eofErr(err)
			}
		}
		c := s.buf[s.pos+j]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return j, nil
		case c == '<':
			return 0, s.syntax(s.pos+j, "'<' inside a tag")
		}
	}
}

func (s *xmlScanner) hasPrefix(p string) bool {
	for len(s.buf)-s.pos < len(p) {
		if s.fill() != nil {
			break
		}
	}
	return bytes.HasPrefix(s.buf[s.pos:], []byte(p))
}

func (s *xmlScanner) skipPast(end string) error {
	j, err := s.index(0, end)
	if err != nil {
		return s.eofErr(err)
	}
	s.pos += j + len(end)
	return nil
}

// fill reads more input, first dropping what was scanned (counting its
// lines); io.EOF when there is no more.
func (s *xmlScanner) fill() error {
	if s.eof {
		return io.EOF
	}
	if s.pos > 0 && s.pos >= len(s.buf)/2 {
		s.line += bytes.Count(s.buf[s.lineAt:s.pos], []byte{'\n'})
		n := copy(s.buf, s.buf[s.pos:])
		s.buf, s.pos, s.lineAt = s.buf[:n], 0, 0
	}
	if cap(s.buf)-len(s.buf) < 64<<10 {
		grown := make([]byte, len(s.buf), 2*cap(s.buf)+64<<10)
		copy(grown, s.buf)
		s.buf = grown
	}
	n, err := s.r.Read(s.buf[len(s.buf):cap(s.buf)])
	s.buf = s.buf[:len(s.buf)+n]
	if err == io.EOF {
		s.eof = true
		if n == 0 {
			return io.EOF
		}
		return nil
	}
	return err
}

// lineOf is the line of buf[off], counting from the last counted point.
func (s *xmlScanner) lineOf(off int) int {
	if off < s.lineAt {
		return s.line
	}
	s.line += bytes.Count(s.buf[s.lineAt:off], []byte{'\n'})
	s.lineAt = off
	return s.line
}

func (s *xmlScanner) syntax(off int, msg string) error {
	return &xmlSyntaxError{line: s.lineOf(min(off, len(s.buf))), msg: msg}
}

func (s *xmlScanner) eofErr(err error) error {
	if err == io.EOF {
		return s.syntax(len(s.buf), "unexpected EOF")
	}
	return err
}
