// Package stats holds what the measuring harnesses in cmd/ compute over
// their runs.
package stats

import (
	"cmp"
	"slices"
)

// Median is the median of one figure of items (the upper one of an even
// count): each figure of a run is taken on its own, since on a noisy
// machine no single run is the typical one.
func Median[T any, N cmp.Ordered](items []T, figure func(T) N) N {
	v := make([]N, len(items))
	for i, it := range items {
		v[i] = figure(it)
	}
	slices.Sort(v)
	return v[len(v)/2]
}
