# A part of a list
#
#   How the engine asks a long list on every core: each query names one of
#   n contiguous parts of what the list considers (input.part), finds the
#   candidates itself and lists only its share; the parts joined in order
#   are the list. No query waits for another to learn the candidates.
package padlock.lists

# METADATA
# title: Part of
# description: |
#   The share of a sorted list that a part {"index": i, "of": n} asks for:
#   the i-th (from 0) of n contiguous runs, as even as they can be, so
#   that the n parts joined in order are the list (a part past the last is
#   empty). With no part (null), the whole list.
part_of(all, null) := all

part_of(all, part) := array.slice(all, floor((part.index * count(all)) / part.of), floor(((part.index + 1) * count(all)) / part.of)) if {
	part != null
}
