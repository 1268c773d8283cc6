package engine

// WithMinPerPart lets the engine's external tests split the small lists of
// the worlds they generate.
var WithMinPerPart = withMinPerPart
