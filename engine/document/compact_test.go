package document

import (
	"reflect"
	"testing"
	"unsafe"
)

// TestCompactorCopiesDeeplyAndSharesEqualStrings: the copy equals the
// original, shares no memory with it, and equal strings of two documents
// are one string.
func TestCompactorCopiesDeeplyAndSharesEqualStrings(t *testing.T) {
	docs := []any{
		DesktopFlow{Kind: KindDesktopFlow, ID: "f1", Name: "n", Environment: "env-1", Owner: "user:a@x.example", SchemaVersion: SchemaV2,
			ConnectionReferences: []ConnectionReference{{LogicalName: "r", Connector: "shared_sql", Owner: "user:a@x.example", Embedded: true}},
			Actions:              []Action{{Connector: "shared_sql", Operation: "Op", Reference: "r"}}},
		Share{Kind: KindShare, Flow: "f1", Grants: []Grant{{Principal: "user:a@x.example", Role: RoleUser}}},
		Team{Kind: KindTeam, ID: "team:t", Members: nil},
	}
	c := NewCompactor()
	var copies []any
	for _, d := range docs {
		cp := c.Copy(d)
		if !reflect.DeepEqual(cp, d) {
			t.Fatalf("copy %+v differs from %+v", cp, d)
		}
		copies = append(copies, cp)
	}
	f, orig := copies[0].(DesktopFlow), docs[0].(DesktopFlow)
	if &f.ConnectionReferences[0] == &orig.ConnectionReferences[0] || unsafe.StringData(f.ID) == unsafe.StringData(orig.ID) {
		t.Error("the copy shares memory with the original")
	}
	if s := copies[1].(Share); unsafe.StringData(string(s.Grants[0].Principal)) != unsafe.StringData(string(f.Owner)) {
		t.Error("an owner repeated in two documents is two strings")
	}
}
