package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/padlock/padlock/engine/load"
)

// duplicateKey finds the first object key that appears twice in one
// object, at any depth. Go's decoder keeps the last one; a gateway in front
// of padlock may keep the first: the two must never see different
// requests, so such a body is refused. It returns "" when there is none,
// and an error for JSON that does not parse.
func duplicateKey(body []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	type frame struct {
		object bool
		keys   map[string]bool
		key    bool // the next token of an object is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.key {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].key = true // the object was a value: a key comes next
				}
				continue
			}
			k, _ := tok.(string)
			if top.keys[k] {
				return k, nil
			}
			top.keys[k] = true
			top.key = false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, keys: map[string]bool{}, key: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim(']'), json.Delim('}'):
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = true // a value was read: a key comes next
		}
	}
}

// dataRequest reads OPA's Data API request ({"input": ...}) strictly: one
// JSON object, exactly the key "input" (not "INPUT", which Go's decoder
// would take), nothing after it. It returns the input's JSON.
func dataRequest(body []byte) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var req map[string]json.RawMessage
	if err := dec.Decode(&req); err != nil {
		line, msg := load.JSONError(body, err)
		return nil, fmt.Errorf("the body must be a JSON object {\"input\": ...}: line %d: %s", line, msg)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("the body holds more than one JSON value")
	}
	for k := range req {
		if k != "input" {
			return nil, fmt.Errorf("unknown key %q in the body: want only \"input\"", k)
		}
	}
	in, ok := req["input"]
	if !ok {
		return nil, errMissingInput
	}
	return in, nil
}

var errMissingInput = errors.New(`missing input: the body must be {"input": {...}}`)

// splitWhatIf takes "whatIf" out of a decision request: the rest is the
// query, validated as every query is; changes is nil without a what-if.
func splitWhatIf(body []byte) (query, changes []byte) {
	if !bytes.Contains(body, []byte(`"whatIf"`)) {
		return body, nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return body, nil // the query's validation says what is wrong
	}
	changes, ok := m["whatIf"]
	if !ok {
		return body, nil
	}
	delete(m, "whatIf")
	query, err := json.Marshal(m)
	if err != nil {
		return body, nil
	}
	return query, changes
}
