package padlock.lists_test

import data.padlock.lists

test_no_part_is_the_whole_list if {
	lists.part_of(["a", "b", "c"], null) == ["a", "b", "c"]
}

test_parts_joined_in_order_are_the_list if {
	every n in numbers.range(1, 7) {
		every size in numbers.range(0, 9) {
			all := array.slice(numbers.range(1, 9), 0, size)
			joined := [x | some i in numbers.range(0, n - 1); some x in lists.part_of(all, {"index": i, "of": n})]
			joined == all
		}
	}
}

test_parts_are_as_even_as_they_can_be if {
	[count(lists.part_of(numbers.range(1, 7), {"index": i, "of": 3})) | some i in numbers.range(0, 2)] == [2, 2, 3]
}

test_a_part_past_the_last_is_empty if {
	lists.part_of(["a", "b"], {"index": 5, "of": 2}) == []
}
