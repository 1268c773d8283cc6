// Package live is the world a sidecar decides over while it changes, one
// write of the documents API at a time. A full load (start, a reload of the
// files, a bundle) builds it from documents that validate.World accepted;
// a write is then checked through its indexes instead of re-validating the
// world (Check), and applied to them (Apply), which gives the world's new
// snapshot and the patch of the paths of data.world the write changes. The
// property test in this package holds both to the full path: the same
// documents accepted or refused, the same world, the same data tree.
package live

import (
	"cmp"
	"slices"

	"github.com/padlock/padlock/engine/document"
	"github.com/padlock/padlock/engine/load"
	"github.com/padlock/padlock/engine/validate"
	"github.com/padlock/padlock/engine/world"
)

// Key identifies a document: its kind and id, a Share by the flow it
// shares. Keys are unique across the world, except that several sources
// may each share one flow (their shares add up); the documents API holds
// at most one Share per flow.
type Key struct {
	Kind document.Kind
	ID   string
}

// KeyOf is the key of a document.
func KeyOf(v any) (Key, bool) {
	kind, id, ok := document.KeyOf(v)
	return Key{kind, id}, ok && id != ""
}

// Doc is a valid document with its place in the world: Seq orders the
// documents of a kind (document order: the files, the import and the
// bundle, then the API's writes in the order their keys were first
// written), API says that the documents API wrote it.
type Doc struct {
	validate.Typed
	Seq uint64
	API bool
}

// Write is one change of the documents API: the API's document at Key
// is replaced by Doc (which has Key), or deleted when Doc is nil.
type Write struct {
	Key Key
	Doc *Doc
}

// Live is the world with its indexes. It is not safe for concurrent
// writers (the server serialises writes); the snapshots World returns are
// never changed afterwards, so any number of readers may use them.
type Live struct {
	flows  column[document.DesktopFlow]
	shares column[document.Share]
	teams  column[document.Team]
	conns  column[document.Connection]
	ras    column[document.RoleAssignment]

	docs     map[Key]entry                   // keyed documents, and the API's shares
	sharesOf map[string][]uint64             // flow → its shares' seqs
	teamsOf  map[document.Principal][]string // member → its teams' ids
	rolesOf  map[rolesKey][]string           // (environment, principal) → role assignment ids
	connsOf  map[connsKey][]string           // (owner, environment, connector) → connection ids
	teamRefs map[document.Principal]int      // team → grants and role assignments naming it
	seen     map[document.Principal]int      // principal → mentions (validate.Mentions)
}

type entry struct {
	seq uint64
	api bool
	src load.Doc // where it was read, for a duplicate's error
}

type rolesKey struct{ env, principal string }

type connsKey struct{ owner, env, connector string }

// Build indexes the documents of a valid world (validate.World accepted
// them), given in document order.
func Build(docs []Doc) *Live {
	l := &Live{
		docs: map[Key]entry{}, sharesOf: map[string][]uint64{}, teamsOf: map[document.Principal][]string{},
		rolesOf: map[rolesKey][]string{}, connsOf: map[connsKey][]string{},
		teamRefs: map[document.Principal]int{}, seen: map[document.Principal]int{},
	}
	for _, d := range docs {
		l.insert(d)
	}
	return l
}

// World is the current snapshot of the documents, in document order.
func (l *Live) World() *world.World {
	return &world.World{Flows: l.flows.docs, Shares: l.shares.docs, Teams: l.teams.docs, Connections: l.conns.docs, RoleAssignments: l.ras.docs}
}

// Defined reports whether a document has the key, and whether the API
// wrote it.
func (l *Live) Defined(k Key) (exists, api bool) {
	e, ok := l.docs[k]
	return ok, e.api
}

// Apply makes the writes, which Check accepted, and returns the world's
// new snapshot and the patch of data.world that turns the tree of the old
// world into the tree of the new one.
func (l *Live) Apply(writes []Write) (*world.World, world.Patch) {
	t := newTouched()
	for _, w := range writes {
		if old, ok := l.remove(w.Key, w.Doc); ok {
			t.doc(old)
		}
		if w.Doc != nil {
			l.insert(*w.Doc)
			t.doc(w.Doc.Value)
		}
	}
	return l.World(), t.patch(l)
}

// insert adds a document to its column and the indexes.
func (l *Live) insert(d Doc) {
	k, _ := KeyOf(d.Value)
	if d.API || k.Kind != document.KindShare {
		l.docs[k] = entry{seq: d.Seq, api: d.API, src: d.Source.Kept(nil)}
	}
	validate.Mentions(d.Value, func(p document.Principal) { l.seen[p]++ })
	teamRefs(d.Value, func(team document.Principal) { l.teamRefs[team]++ })
	switch v := d.Value.(type) {
	case document.DesktopFlow:
		l.flows.put(d.Seq, v)
	case document.Share:
		l.shares.put(d.Seq, v)
		l.sharesOf[v.Flow] = insertSorted(l.sharesOf[v.Flow], d.Seq)
	case document.Team:
		l.teams.put(d.Seq, v)
		for _, m := range v.Members {
			l.teamsOf[m] = append(l.teamsOf[m], v.ID)
		}
	case document.Connection:
		l.conns.put(d.Seq, v)
		ck := connsKey{string(v.Owner), v.Environment, document.ShortConnector(v.Connector)}
		l.connsOf[ck] = append(l.connsOf[ck], v.ID)
	case document.RoleAssignment:
		l.ras.put(d.Seq, v)
		rk := rolesKey{v.Environment, string(v.Principal)}
		l.rolesOf[rk] = append(l.rolesOf[rk], v.ID)
	}
}

// remove takes the API's document at k out of the indexes, and returns
// it. Its column keeps its slot when a document of the same seq replaces
// it (put then changes the slot in place: one copy of the column, not two).
func (l *Live) remove(k Key, replacedBy *Doc) (any, bool) {
	e, ok := l.docs[k]
	if !ok || !e.api {
		return nil, false
	}
	delete(l.docs, k)
	old := l.current(k, e.seq)
	switch d := old.(type) {
	case document.Share:
		l.sharesOf[d.Flow] = deleteFirst(l.sharesOf[d.Flow], e.seq)
	case document.Team:
		for _, m := range d.Members {
			l.teamsOf[m] = deleteFirst(l.teamsOf[m], d.ID)
		}
	case document.Connection:
		ck := connsKey{string(d.Owner), d.Environment, document.ShortConnector(d.Connector)}
		l.connsOf[ck] = deleteFirst(l.connsOf[ck], d.ID)
	case document.RoleAssignment:
		rk := rolesKey{d.Environment, string(d.Principal)}
		l.rolesOf[rk] = deleteFirst(l.rolesOf[rk], d.ID)
	}
	if replacedBy == nil || replacedBy.Seq != e.seq {
		switch k.Kind {
		case document.KindDesktopFlow:
			l.flows.remove(e.seq)
		case document.KindShare:
			l.shares.remove(e.seq)
		case document.KindTeam:
			l.teams.remove(e.seq)
		case document.KindConnection:
			l.conns.remove(e.seq)
		case document.KindRoleAssignment:
			l.ras.remove(e.seq)
		}
	}
	validate.Mentions(old, func(p document.Principal) { decrement(l.seen, p) })
	teamRefs(old, func(team document.Principal) { decrement(l.teamRefs, team) })
	return old, true
}

// teamRefs calls f with every team a share grants to or a role
// assignment names: a team they name must exist.
func teamRefs(v any, f func(document.Principal)) {
	switch d := v.(type) {
	case document.Share:
		for _, g := range d.Grants {
			if g.Principal.IsTeam() {
				f(g.Principal)
			}
		}
	case document.RoleAssignment:
		if d.Principal.IsTeam() {
			f(d.Principal)
		}
	}
}

func decrement[K comparable](m map[K]int, k K) {
	if m[k] <= 1 {
		delete(m, k)
		return
	}
	m[k]--
}

// column is the documents of one kind in seq order. Its slice is shared
// with the world snapshots handed out, so it is never changed in place:
// a change makes a new slice, except an append past every snapshot's end.
type column[T any] struct {
	docs []T
	seqs []uint64
}

func (c *column[T]) find(seq uint64) (int, bool) {
	return slices.BinarySearch(c.seqs, seq)
}

func (c *column[T]) get(seq uint64) T {
	i, _ := c.find(seq)
	return c.docs[i]
}

func (c *column[T]) put(seq uint64, v T) {
	i, found := c.find(seq)
	switch {
	case found:
		c.docs = slices.Clone(c.docs)
		c.docs[i] = v
	case i == len(c.docs):
		// Appending writes past the end of every snapshot: they never see it.
		c.docs, c.seqs = append(c.docs, v), append(c.seqs, seq)
	default:
		c.docs = slices.Insert(slices.Clip(c.docs), i, v)
		c.seqs = slices.Insert(slices.Clip(c.seqs), i, seq)
	}
}

func (c *column[T]) remove(seq uint64) {
	i, _ := c.find(seq)
	c.docs = slices.Delete(slices.Clone(c.docs), i, i+1)
	c.seqs = slices.Delete(slices.Clone(c.seqs), i, i+1)
}

func insertSorted(s []uint64, v uint64) []uint64 {
	i, _ := slices.BinarySearch(s, v)
	return slices.Insert(s, i, v)
}

// deleteFirst removes one v from s, keeping the others' order; an empty
// result is nil, so that the index holds no empty entries.
func deleteFirst[T comparable](s []T, v T) []T {
	if i := slices.Index(s, v); i >= 0 {
		s = slices.Delete(s, i, i+1)
	}
	if len(s) == 0 {
		return nil
	}
	return s
}

// bySeq sorts ids of documents of one kind into document order.
func (l *Live) bySeq(kind document.Kind, ids []string) []string {
	out := slices.Clone(ids)
	slices.SortFunc(out, func(a, b string) int { return cmp.Compare(l.docs[Key{kind, a}].seq, l.docs[Key{kind, b}].seq) })
	return out
}
