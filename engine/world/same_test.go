package world

import (
	"reflect"
	"testing"

	"github.com/padlock/padlock/engine/document"
)

// TestSameComparesEveryField: changing any one field of a flow or a share
// makes it another document for sameFlow and sameShare. A field added to
// the documents and not compared would let a reread keep answers it
// changed.
func TestSameComparesEveryField(t *testing.T) {
	flow := document.DesktopFlow{Kind: "DesktopFlow", ID: "f", Name: "F", Environment: "e", Owner: "user:o@x", SchemaVersion: "v2",
		ConnectionReferences: []document.ConnectionReference{{LogicalName: "r", Connector: "shared_sql", Owner: "user:o@x", Embedded: true, Connection: "c"}},
		Actions:              []document.Action{{Connector: "shared_sql", Operation: "Q", Reference: "r"}}}
	share := document.Share{Kind: "Share", Flow: "f", Grants: []document.Grant{{Principal: "user:u@x", Role: "user"}}}
	everyField(t, flow, sameFlow)
	everyField(t, share, sameShare)
}

// everyField changes each field of doc in turn (and each field of the
// first element of a list) and checks that same tells the two apart.
func everyField[D any](t *testing.T, doc D, same func(x, y D) bool) {
	t.Helper()
	if !same(doc, doc) {
		t.Fatalf("%T differs from itself", doc)
	}
	v := reflect.ValueOf(doc)
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		changed := reflect.New(v.Type()).Elem()
		changed.Set(v)
		field := changed.Field(i)
		switch field.Kind() {
		case reflect.Slice:
			if field.Len() == 0 {
				t.Fatalf("%T.%s: give the test's document an element", doc, name)
			}
			for j := range field.Index(0).NumField() {
				elem := reflect.New(field.Type().Elem()).Elem()
				elem.Set(field.Index(0))
				alter(t, elem.Field(j))
				list := reflect.MakeSlice(field.Type(), 1, 1)
				list.Index(0).Set(elem)
				other := reflect.New(v.Type()).Elem()
				other.Set(v)
				other.Field(i).Set(list)
				if same(doc, other.Interface().(D)) {
					t.Errorf("%T.%s[0].%s changed: still the same document", doc, name, field.Type().Elem().Field(j).Name)
				}
			}
			field.Set(reflect.Zero(field.Type()))
		default:
			alter(t, field)
		}
		if same(doc, changed.Interface().(D)) {
			t.Errorf("%T.%s changed: still the same document", doc, name)
		}
	}
}

func alter(t *testing.T, f reflect.Value) {
	t.Helper()
	switch f.Kind() {
	case reflect.String:
		f.SetString(f.String() + "'")
	case reflect.Bool:
		f.SetBool(!f.Bool())
	default:
		t.Fatalf("a field of kind %s: teach the test to change it", f.Kind())
	}
}
