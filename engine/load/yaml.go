package load

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// maxYAMLAliasNodes bounds the values aliases expand to in one YAML
// document, so that a "billion laughs" file is refused at once instead of
// exhausting memory; values written out are bounded by the file size.
const maxYAMLAliasNodes = 100000

// splitYAML reads a YAML stream; each non-empty document becomes one
// document, and a document that is a sequence contributes its items.
func splitYAML(name string, data []byte) ([]Doc, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []Doc
	for {
		var node yaml.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, yamlError(err)
		}
		if len(node.Content) == 0 {
			continue
		}
		root := node.Content[0]
		if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
			continue
		}
		items := []*yaml.Node{root}
		if root.Kind == yaml.SequenceNode {
			items = root.Content
		}
		for _, item := range items {
			d, err := yamlDoc(name, len(docs), item)
			if err != nil {
				return nil, err
			}
			docs = append(docs, d)
		}
	}
}

func yamlDoc(name string, index int, n *yaml.Node) (Doc, error) {
	budget := maxYAMLAliasNodes
	v, err := toJSONValue(n, &budget, false)
	if err != nil {
		return Doc{}, err
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return Doc{}, &lineError{line: n.Line, msg: fmt.Sprintf("YAML document at line %d: %v", n.Line, err)}
	}
	gv, err := normalize(raw)
	if err != nil {
		return Doc{}, &lineError{line: n.Line, msg: fmt.Sprintf("YAML document at line %d: %v", n.Line, err)}
	}
	return Doc{
		File: name, Index: index, Line: n.Line, Value: gv, JSON: raw,
		locate: func(ptr string) int { return yamlPointerLine(n, ptr) },
	}, nil
}

// toJSONValue converts a YAML node into a value encoding/json can write,
// refusing what JSON cannot say (non-string keys).
func toJSONValue(n *yaml.Node, budget *int, aliased bool) (any, error) {
	if aliased || n.Kind == yaml.AliasNode {
		aliased = true
		if *budget--; *budget < 0 {
			return nil, &lineError{line: n.Line, msg: fmt.Sprintf("line %d: YAML aliases expand to more than %d values", n.Line, maxYAMLAliasNodes)}
		}
	}
	switch n.Kind {
	case yaml.AliasNode:
		return toJSONValue(n.Alias, budget, aliased)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
				return nil, &lineError{line: k.Line, msg: fmt.Sprintf("line %d: YAML merge keys (<<) are not supported", k.Line)}
			}
			if k.Kind != yaml.ScalarNode {
				return nil, &lineError{line: k.Line, msg: fmt.Sprintf("line %d: a mapping key must be a string", k.Line)}
			}
			if _, dup := m[k.Value]; dup {
				return nil, &lineError{line: k.Line, msg: fmt.Sprintf("line %d: duplicate key %q", k.Line, k.Value)}
			}
			cv, err := toJSONValue(v, budget, aliased)
			if err != nil {
				return nil, err
			}
			m[k.Value] = cv
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			cv, err := toJSONValue(c, budget, aliased)
			if err != nil {
				return nil, err
			}
			s = append(s, cv)
		}
		return s, nil
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return nil, &lineError{line: n.Line, msg: fmt.Sprintf("line %d: %v", n.Line, err)}
			}
			return b, nil
		case "!!int", "!!float":
			var f float64
			if err := n.Decode(&f); err != nil {
				return nil, &lineError{line: n.Line, msg: fmt.Sprintf("line %d: %v", n.Line, err)}
			}
			return json.Number(strconv.FormatFloat(f, 'f', -1, 64)), nil
		default: // strings, timestamps and anything else stay text
			return n.Value, nil
		}
	}
	return nil, &lineError{line: n.Line, msg: fmt.Sprintf("line %d: unsupported YAML node", n.Line)}
}

// yamlPointerLine finds the line of the node at a JSON pointer.
func yamlPointerLine(n *yaml.Node, ptr string) int {
	if ptr == "" {
		return n.Line
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = unescapePointer(tok)
		for n.Kind == yaml.AliasNode {
			n = n.Alias
		}
		switch n.Kind {
		case yaml.MappingNode:
			var next *yaml.Node
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == tok {
					next = n.Content[i+1]
					break
				}
			}
			if next == nil {
				return n.Line
			}
			n = next
		case yaml.SequenceNode:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n.Content) {
				return n.Line
			}
			n = n.Content[i]
		default:
			return n.Line
		}
	}
	return n.Line
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

func yamlError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	le := &lineError{msg: "invalid YAML: " + msg}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		le.line, _ = strconv.Atoi(m[1])
	}
	return le
}
