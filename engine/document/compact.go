package document

import (
	"reflect"
	"strings"
)

// Compactor copies documents deeply into memory of their own, with one
// copy of each distinct string among all it copied. A long-lived holder
// (the sidecar) copies what it keeps once documents are valid: the
// decoded values otherwise sit among the reading's discarded forms, and
// every partly used block of memory stays resident (at 100,000 flows a
// third of the heap), while values such as environments, connectors and
// owners repeat in every document.
type Compactor struct {
	strs map[string]string
}

// NewCompactor makes a Compactor; drop it when done, with its strings.
func NewCompactor() *Compactor { return &Compactor{strs: map[string]string{}} }

// Copy returns a deep copy of a document value (structs, slices and
// strings, as the document kinds are made of).
func (c *Compactor) Copy(v any) any {
	if v == nil {
		return nil
	}
	src := reflect.ValueOf(v)
	dst := reflect.New(src.Type()).Elem()
	c.copy(dst, src)
	return dst.Interface()
}

func (c *Compactor) copy(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.String:
		s := src.String()
		kept, ok := c.strs[s]
		if !ok {
			kept = strings.Clone(s)
			c.strs[kept] = kept
		}
		dst.SetString(kept)
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := range src.Len() {
			c.copy(s.Index(i), src.Index(i))
		}
		dst.Set(s)
	case reflect.Struct:
		for i := range src.NumField() {
			if dst.Field(i).CanSet() {
				c.copy(dst.Field(i), src.Field(i))
			}
		}
	default:
		dst.Set(src)
	}
}
