package world

import (
	"reflect"
	"slices"

	"github.com/padlock/padlock/engine/document"
)

// differing returns the documents of a and b outside the longest prefix
// and suffix the two lists share: every document that was added, removed
// or changed is among them, whatever else moved. A reread reads the files
// in the same order, so after one file changed these are its documents.
func differing[D any](a, b []D, same func(x, y D) bool) []D {
	p := 0
	for p < len(a) && p < len(b) && same(a[p], b[p]) {
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && same(a[len(a)-1-s], b[len(b)-1-s]) {
		s++
	}
	return append(slices.Clip(a[p:len(a)-s]), b[p:len(b)-s]...)
}

// sameFlow and sameShare compare every field (TestSameComparesEveryField
// fails when a field is added and not compared), with == where reflection
// costs a second at 100,000 flows. An empty list and none are the same:
// the rules read both as no references, no actions, no grants.
func sameFlow(x, y document.DesktopFlow) bool {
	return x.Kind == y.Kind && x.ID == y.ID && x.Name == y.Name && x.Environment == y.Environment &&
		x.Owner == y.Owner && x.SchemaVersion == y.SchemaVersion &&
		slices.Equal(x.ConnectionReferences, y.ConnectionReferences) && slices.Equal(x.Actions, y.Actions)
}

func sameShare(x, y document.Share) bool {
	return x.Kind == y.Kind && x.Flow == y.Flow && slices.Equal(x.Grants, y.Grants)
}

// maxChangedDocuments is the most documents ChangedPaths names the paths
// of; past it, all paths: a first world or a world most of which changed
// would cost a second build of the whole tree, and caches keep little
// across it anyway.
const maxChangedDocuments = 1 << 12

// indexDepth is how deep each index of Data is keyed: the paths a write
// replaces whole (flows/<flow>, grants/<flow>/<principal>,
// connections/<owner>/<environment>/<connector>, ...).
var indexDepth = map[string]int{
	"flows": 1, "grants": 2, "teams": 1, "memberOf": 1, "securityRoles": 2,
	"connections": 3, "ownedBy": 2, "sharedWith": 2, "flowsIn": 2,
}

// ChangedPaths says which paths of data.world replacing world a by world b
// can change (below "world"), as keys of Data's indexes: every path whose
// value differs is one of them or below one of them. They are the index
// paths of the documents outside the longest prefix and suffix that a
// and b share, kind by kind, in either world: a share's grants and the
// flows it names, a team's entry and its members' teams, a connection's
// owner, environment and connector, and so on. All is set for a nil a
// or b (no world yet), and when more than maxChangedDocuments documents
// differ.
func ChangedPaths(a, b *World) (paths [][]string, all bool) {
	if a == nil || b == nil {
		return nil, true
	}
	differ := World{
		Flows:           differing(a.Flows, b.Flows, sameFlow),
		Shares:          differing(a.Shares, b.Shares, sameShare),
		Teams:           differing(a.Teams, b.Teams, func(x, y document.Team) bool { return reflect.DeepEqual(x, y) }),
		Connections:     differing(a.Connections, b.Connections, func(x, y document.Connection) bool { return x == y }),
		RoleAssignments: differing(a.RoleAssignments, b.RoleAssignments, func(x, y document.RoleAssignment) bool { return reflect.DeepEqual(x, y) }),
	}
	if n := len(differ.Flows) + len(differ.Shares) + len(differ.Teams) + len(differ.Connections) + len(differ.RoleAssignments); n > maxChangedDocuments {
		return nil, true // a first world, or most of one: everything
	}
	for index, tree := range differ.Data() {
		paths = appendKeyPaths(paths, []string{index}, tree, indexDepth[index])
	}
	return paths, false
}

// appendKeyPaths appends the paths of tree's keys depth levels down; an
// empty object below an index is a path of its own (a share with no
// grants gives its flow an empty entry).
func appendKeyPaths(paths [][]string, at []string, tree any, depth int) [][]string {
	m, ok := tree.(map[string]any)
	if depth == 0 || !ok || len(m) == 0 && len(at) > 1 {
		return append(paths, at)
	}
	for k, v := range m {
		paths = appendKeyPaths(paths, append(slices.Clip(at), k), v, depth-1)
	}
	return paths
}

// DifferingPaths are the paths at or below path (a path of data.world
// below "world", starting with an index's name) whose values differ
// between a and b, the values at path in two trees (nil: none), as
// ChangedPaths names paths: down to the index's keys, a key in one tree
// only included, and an empty object that is in one only. A write that
// replaced a whole entry (a flow's grants) changed only these.
func DifferingPaths(path []string, a, b any) [][]string {
	return appendDiffering(nil, slices.Clip(path), a, b, indexDepth[path[0]]+1-len(path))
}

func appendDiffering(paths [][]string, at []string, a, b any, depth int) [][]string {
	if reflect.DeepEqual(a, b) {
		return paths
	}
	ma, oka := a.(map[string]any)
	mb, okb := b.(map[string]any)
	if depth <= 0 || a != nil && !oka || b != nil && !okb || len(ma) == 0 && len(mb) == 0 {
		return append(paths, at)
	}
	for k, v := range ma {
		paths = appendDiffering(paths, append(slices.Clip(at), k), v, mb[k], depth-1)
	}
	for k, v := range mb {
		if _, ok := ma[k]; !ok {
			paths = appendDiffering(paths, append(slices.Clip(at), k), nil, v, depth-1)
		}
	}
	return paths
}
