package engine

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// opaValue keeps a result as OPA's value (rego.EvalGenerateJSON), for a
// caller that encodes it itself.
func opaValue(t *ast.Term, _ *rego.EvalContext) (any, error) { return t.Value, nil }

// appendJSON appends the JSON of an OPA value: objects in OPA's key order
// (keys must be strings, as JSON's are), sets as arrays in sorted order.
// It decodes as encoding/json's encoding of OPA's Go form of the value
// does, without building that form.
func appendJSON(dst []byte, v ast.Value) ([]byte, error) {
	switch v := v.(type) {
	case ast.Null:
		return append(dst, "null"...), nil
	case ast.Boolean:
		return strconv.AppendBool(dst, bool(v)), nil
	case ast.Number:
		return append(dst, v...), nil
	case ast.String:
		return appendJSONString(dst, string(v)), nil
	case *ast.Array:
		dst = append(dst, '[')
		for i := range v.Len() {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendJSON(dst, v.Elem(i).Value); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	case ast.Set:
		return appendJSON(dst, v.Sorted())
	case ast.Object:
		dst = append(dst, '{')
		var err error
		i := 0
		v.Foreach(func(k, val *ast.Term) {
			if err != nil {
				return
			}
			key, ok := k.Value.(ast.String)
			if !ok {
				err = fmt.Errorf("object key %v is not a string", k)
				return
			}
			if i > 0 {
				dst = append(dst, ',')
			}
			i++
			dst = appendJSONString(dst, string(key))
			dst = append(dst, ':')
			dst, err = appendJSON(dst, val.Value)
		})
		if err != nil {
			return nil, err
		}
		return append(dst, '}'), nil
	default:
		return nil, fmt.Errorf("%v is not JSON", v)
	}
}

// appendJSONString quotes s as encoding/json does, leaving <, >, & and
// U+2028/9 as they are (valid JSON, and read back the same).
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 { // invalid UTF-8, as encoding/json writes it
				dst = append(dst, s[start:i]...)
				dst = append(dst, `\ufffd`...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
