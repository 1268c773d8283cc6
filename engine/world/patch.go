package world

// Patch is a change of the tree at data.world, path by path, as a write of
// a few documents makes it: the engine writes it to OPA's store in one
// transaction instead of replacing the whole tree, and its caches ask
// again only the answers that read a path whose value an op changes
// (DifferingPaths).
type Patch struct {
	// Ops set or remove the values at their paths, in order.
	Ops []Op
}

// Op sets the value at Path (a path below data.world, such as
// ["grants", flowID]), creating the objects above it; a nil Value removes
// it, and then the objects above it that it leaves empty, up to the
// top-level index. The tree then holds what Data would build from the
// whole world: an index entry exists exactly when a document gives it.
type Op struct {
	Path  []string
	Value any
}
