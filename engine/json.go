package engine

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// opaValue keeps a result as OPA's value (rego.EvalGenerateJSON), for a
// caller that decodes it itself.
func opaValue(t *ast.Term, _ *rego.EvalContext) (any, error) { return t.Value, nil }

// decodeAST stores an OPA value in the value out points to, as
// encoding/json stores the JSON of the value's Go form: objects into
// structs by their fields' json names (keys without a field are skipped,
// fields without a key keep their zero value), arrays and sets (sorted)
// into slices, null into nil pointers and slices. A value of another type
// than its field's is an error naming where it is. It is what the lists
// did by way of JSON text, without writing and parsing it.
func decodeAST(v ast.Value, out any) error {
	p := reflect.ValueOf(out)
	if p.Kind() != reflect.Pointer || p.IsNil() {
		return fmt.Errorf("decode into %T: not a pointer", out)
	}
	return decoder{}.value(v, p.Elem())
}

// decoder keeps, for one decodeAST, the fields of each struct type it
// meets: a list of a thousand objects reads its type's tags once and looks
// its keys up with the same terms, not with new ones for every object.
type decoder map[reflect.Type][]structField

// structField is a struct field and the object key it is read from. An
// embedded struct's fields are the object's own (key nil), as
// encoding/json has them.
type structField struct {
	index int
	key   *ast.Term
}

func (d decoder) fields(t reflect.Type) []structField {
	if fs, ok := d[t]; ok {
		return fs
	}
	var fs []structField
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			fs = append(fs, structField{index: i})
		case !f.IsExported() || name == "-":
		case name == "":
			fs = append(fs, structField{index: i, key: ast.StringTerm(f.Name)})
		default:
			fs = append(fs, structField{index: i, key: ast.StringTerm(name)})
		}
	}
	d[t] = fs
	return fs
}

// decodeError says where in the value decodeAST stopped. The path is
// built on the way out of an error, so that decoding a list of a thousand
// values does not write a thousand paths it will never show.
type decodeError struct {
	path []string // innermost first
	msg  string
}

func (e *decodeError) Error() string {
	var at strings.Builder
	for i := len(e.path) - 1; i >= 0; i-- {
		at.WriteString("/" + e.path[i])
	}
	return fmt.Sprintf("at %q: %s", at.String()+"/", e.msg)
}

// within adds the key or index the failed value was found at.
func within(err error, key string) error {
	if e, ok := err.(*decodeError); ok {
		e.path = append(e.path, key)
	}
	return err
}

func (d decoder) value(v ast.Value, dst reflect.Value) error {
	if _, null := v.(ast.Null); null {
		switch dst.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
			dst.SetZero()
		}
		return nil // as encoding/json: null leaves anything else alone
	}
	if s, ok := v.(ast.Set); ok {
		v = s.Sorted()
	}
	mismatch := func() error {
		return &decodeError{msg: fmt.Sprintf("%s is not a %s", ast.ValueName(v), dst.Type())}
	}
	switch dst.Kind() {
	case reflect.Pointer:
		p := reflect.New(dst.Type().Elem())
		if err := d.value(v, p.Elem()); err != nil {
			return err
		}
		dst.Set(p)
	case reflect.Interface: // rare: by way of JSON, for encoding/json's numbers
		goForm, err := ast.JSON(v)
		if err != nil {
			return &decodeError{msg: err.Error()}
		}
		b, err := json.Marshal(goForm)
		if err == nil {
			err = json.Unmarshal(b, dst.Addr().Interface())
		}
		if err != nil {
			return &decodeError{msg: err.Error()}
		}
	case reflect.String:
		s, ok := v.(ast.String)
		if !ok {
			return mismatch()
		}
		dst.SetString(string(s))
	case reflect.Bool:
		b, ok := v.(ast.Boolean)
		if !ok {
			return mismatch()
		}
		dst.SetBool(bool(b))
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, ok := v.(ast.Number)
		if !ok {
			return mismatch()
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil || dst.OverflowInt(i) {
			return mismatch()
		}
		dst.SetInt(i)
	case reflect.Float64:
		n, ok := v.(ast.Number)
		if !ok {
			return mismatch()
		}
		f, err := json.Number(n).Float64()
		if err != nil {
			return mismatch()
		}
		dst.SetFloat(f)
	case reflect.Slice:
		a, ok := v.(*ast.Array)
		if !ok {
			return mismatch()
		}
		s := reflect.MakeSlice(dst.Type(), a.Len(), a.Len())
		for i := range a.Len() {
			if err := d.value(a.Elem(i).Value, s.Index(i)); err != nil {
				return within(err, strconv.Itoa(i))
			}
		}
		dst.Set(s)
	case reflect.Struct:
		o, ok := v.(ast.Object)
		if !ok {
			return mismatch()
		}
		for _, f := range d.fields(dst.Type()) {
			if f.key == nil { // embedded
				if err := d.value(v, dst.Field(f.index)); err != nil {
					return err
				}
				continue
			}
			val := o.Get(f.key)
			if val == nil {
				continue
			}
			if err := d.value(val.Value, dst.Field(f.index)); err != nil {
				return within(err, string(f.key.Value.(ast.String)))
			}
		}
	case reflect.Map:
		o, ok := v.(ast.Object)
		if !ok || dst.Type().Key().Kind() != reflect.String {
			return mismatch()
		}
		m := reflect.MakeMapWithSize(dst.Type(), o.Len())
		err := o.Iter(func(k, val *ast.Term) error {
			key, ok := k.Value.(ast.String)
			if !ok {
				return &decodeError{msg: fmt.Sprintf("key %v is not a string", k)}
			}
			e := reflect.New(dst.Type().Elem()).Elem()
			if err := d.value(val.Value, e); err != nil {
				return within(err, string(key))
			}
			m.SetMapIndex(reflect.ValueOf(string(key)).Convert(dst.Type().Key()), e)
			return nil
		})
		if err != nil {
			return err
		}
		dst.Set(m)
	default:
		return &decodeError{msg: fmt.Sprintf("cannot decode into a %s", dst.Type())}
	}
	return nil
}
