package load

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// splitJSON reads one JSON value, or an array of them, as documents.
func splitJSON(name string, data []byte) ([]Doc, error) {
	start := len(data) - len(bytes.TrimLeft(data, " \t\r\n"))
	if start >= len(data) || data[start] != '[' {
		raw, err := decodeOne(data)
		if err != nil {
			return nil, err
		}
		return []Doc{jsonDoc(name, 0, lineAt(data, start), raw)}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // the '['
		return nil, jsonError(data, dec, err)
	}
	var docs []Doc
	// Lines are counted from the previous document on, not from the start
	// of the file: a large array stays linear.
	line, counted := 1, 0
	for dec.More() {
		off := skipSpace(data, int(dec.InputOffset()))
		line += bytes.Count(data[counted:off], []byte{'\n'})
		counted = off
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, jsonError(data, dec, err)
		}
		docs = append(docs, jsonDoc(name, len(docs), line, raw))
	}
	if _, err := dec.Token(); err != nil { // the ']'
		return nil, jsonError(data, dec, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &lineError{line: lineAt(data, int(dec.InputOffset())), msg: "unexpected data after the top-level JSON array"}
	}
	return docs, nil
}

func decodeOne(data []byte) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, jsonError(data, dec, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &lineError{line: lineAt(data, int(dec.InputOffset())), msg: "unexpected data after the JSON document (several documents go in a JSON array or a YAML stream)"}
	}
	return raw, nil
}

func jsonDoc(name string, index, base int, raw json.RawMessage) Doc {
	v, err := normalize(raw)
	if err != nil { // cannot happen: raw was just decoded
		v = nil
	}
	return Doc{
		File: name, Index: index, Line: base, Value: v, JSON: raw,
		locate: func(ptr string) int {
			if l := PointerLine(raw, ptr); l > 0 {
				return base + l - 1
			}
			return 0
		},
	}
}

// jsonError turns a decoder error into one with a line number.
func jsonError(data []byte, dec *json.Decoder, err error) error {
	line, msg := errorAt(data, int(dec.InputOffset()), err)
	return &lineError{line: line, msg: fmt.Sprintf("invalid JSON at line %d: %s", line, msg)}
}

// JSONError says where decoding data as one JSON value failed (err is
// that failure, from any decoder): the 1-based line, and the message. A
// request body is located as a file is. A nil err is no failure: line 0.
func JSONError(data []byte, err error) (line int, msg string) {
	if err == nil {
		return 0, ""
	}
	return errorAt(data, len(data), err)
}

// errorAt locates a decoding error in data; off is where the decoder
// stopped, for errors that carry no offset of their own.
func errorAt(data []byte, off int, err error) (int, string) {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// A streaming decoder's offsets are relative to its buffer; a
		// one-shot parse of the whole input gives the absolute one.
		var v any
		if errors.As(json.Unmarshal(data, &v), &se) {
			off = int(se.Offset)
		}
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		off = int(te.Offset)
	}
	msg := err.Error()
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		msg = "unexpected end of JSON input"
		off = len(data)
	}
	return lineAt(data, off), msg
}

// PointerLine is the 1-based line where the value at an RFC 6901 pointer
// starts in one JSON value, or 0 when there is no such value.
func PointerLine(data []byte, pointer string) int {
	off, ok := jsonPointerOffset(data, pointer)
	if !ok {
		return 0
	}
	return lineAt(data, off)
}

func skipSpace(data []byte, off int) int {
	for off < len(data) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

// jsonPointerOffset finds the byte offset where the value at an RFC 6901
// pointer starts. It walks tokens instead of keeping a map of every
// position because it is only needed when something is wrong.
func jsonPointerOffset(data []byte, ptr string) (int, bool) {
	type frame struct {
		object    bool
		key       string
		index     int
		expectKey bool
	}
	var stack []frame
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			b.WriteByte('/')
			if f.object {
				b.WriteString(escapePointer(f.key))
			} else {
				b.WriteString(strconv.Itoa(f.index))
			}
		}
		return b.String()
	}
	done := func() { // a value finished in the current container
		if n := len(stack); n > 0 {
			if stack[n-1].object {
				stack[n-1].expectKey = true
			} else {
				stack[n-1].index++
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		off := int(dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			return 0, false
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].expectKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:n-1]
				done()
				continue
			}
			key, _ := tok.(string)
			stack[n-1].key, stack[n-1].expectKey = key, false
			continue
		}
		if d, ok := tok.(json.Delim); ok && d == ']' {
			stack = stack[:len(stack)-1]
			done()
			continue
		}
		if path() == ptr {
			return skipSpace(data, off), true
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{object: true, expectKey: true})
		case json.Delim('['):
			stack = append(stack, frame{})
		default:
			done()
		}
	}
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func unescapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}
