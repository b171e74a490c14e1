"""Small-number suppression: no count under the threshold can be read or worked out."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from engage.services.suppression import Hidden, describe, suppress_count, suppress_table

T = 10


def test_counts_from_one_to_nine_are_hidden_and_zero_and_ten_are_shown():
    assert [suppress_count(n, T) for n in (0, 1, 9, 10, 250)] == [0, None, None, 10, 250]


def _words(table):
    return {c.label: c.describe(T) for c in table.cells}


def test_a_single_hidden_cell_takes_the_next_smallest_with_it():
    table = suppress_table({"Blackpool": 40, "Lancashire": 25, "Pennine": 3}, 68, T)
    assert table.as_dict() == {"Blackpool": 40, "Lancashire": None, "Pennine": None}
    assert table.total == 68, "the total stays shown once two cells hide each other"


def test_a_cell_hidden_only_to_protect_a_small_one_reads_not_shown():
    # The reviewer's table: 48 respondents, "Not known" is about 40, not fewer than 10.
    table = suppress_table({"Female": 8, "Male": 0, "Not known": 40}, 48, T)
    assert _words(table) == {"Female": "fewer than 10", "Male": "0", "Not known": "not shown"}
    assert table.cells[0].hidden is Hidden.SMALL and table.cells[2].hidden is Hidden.PROTECTS
    assert table.protects and table.describe_total(T) == "48"
    assert _words(suppress_table({"A": 40, "B": 25, "C": 3}, 68, T)) == {
        "A": "40",
        "B": "not shown",
        "C": "fewer than 10",
    }


def test_a_table_with_only_small_hidden_cells_says_fewer_than_and_nothing_else():
    table = suppress_table({"A": 50, "B": 4, "C": 6}, 60, T)
    assert _words(table) == {"A": "50", "B": "fewer than 10", "C": "fewer than 10"}
    assert not table.protects, "no cell here needs the 'not shown' explanation"


def test_a_protecting_cell_must_leave_the_small_ones_room_to_be_anything_under_ten():
    # Hiding D (11) with B and C would say "B + C + D = 16, and D is at least 10", so B and C
    # could be no more than 6 between them. Hiding A (63) instead leaves them unknown.
    table = suppress_table({"A": 63, "B": 2, "C": 3, "D": 11}, 79, T)
    assert _words(table) == {
        "A": "not shown",
        "B": "fewer than 10",
        "C": "fewer than 10",
        "D": "11",
    }


def test_two_small_cells_that_could_only_be_nine_each_are_protected_by_a_third():
    # "Fewer than 10" twice beside "total minus shown = 18" would mean 9 and 9.
    table = suppress_table({"A": 9, "B": 9, "C": 50}, 68, T)
    assert _words(table) == {"A": "fewer than 10", "B": "fewer than 10", "C": "not shown"}


def test_a_small_total_hides_everything():
    table = suppress_table({"A": 4, "B": 3}, 7, T)
    assert table.total is None and table.as_dict() == {"A": None, "B": None}
    assert _words(table) == {"A": "fewer than 10", "B": "fewer than 10"}
    assert table.describe_total(T) == "fewer than 10"


def test_when_no_cell_is_left_to_hide_every_cell_reads_not_shown():
    table = suppress_table({"A": 12, "B": 0}, 12, T)
    assert table.as_dict() == {"A": 12, "B": 0} and table.total == 12
    lonely = suppress_table({"A": 4, "B": 0}, 14, T)  # A comes out of 14 minus what is shown
    assert _words(lonely) == {"A": "not shown", "B": "not shown"}, "so the zero is hidden too"
    # "Fewer than 10" + "at least 10" + "at least 10" = 21 would give the 1 away.
    pinned = suppress_table({"A": 1, "B": 10, "C": 10}, 21, T)
    assert _words(pinned) == {"A": "not shown", "B": "not shown", "C": "not shown"}
    assert pinned.total == 21, "with nothing said of any cell's size, the total gives none away"
    assert suppress_table({"A": 4}, 14, T).total is None, "a lone cell would be the total"


def test_the_threshold_is_configurable():
    assert suppress_table({"A": 6, "B": 40}, 46, 5).as_dict() == {"A": 6, "B": 40}
    assert describe(None, 5) == "fewer than 5" and describe(1234, 5) == "1,234"
    assert describe(None, 5, Hidden.PROTECTS) == "not shown"


def _could_be(table, values, threshold):
    """For each cell saying "fewer than", the least and most it could be, from what is shown.

    The reader knows the total, the shown cells, that a "fewer than" cell is 1 to threshold - 1
    and that a "not shown" one, not being small, is at least the threshold.
    """
    hidden_sum = sum(values) - sum(c.value for c in table.cells if c.value is not None)
    bounds = [
        (1, threshold - 1) if c.hidden is Hidden.SMALL else (threshold, hidden_sum)
        for c in table.cells
        if c.value is None
    ]
    found = []
    for i, (low, high) in enumerate(bounds):
        if (low, high) != (1, threshold - 1):
            continue
        others_least = sum(lo for j, (lo, _) in enumerate(bounds) if j != i)
        others_most = sum(hi for j, (_, hi) in enumerate(bounds) if j != i)
        found.append((max(low, hidden_sum - others_most), min(high, hidden_sum - others_least)))
    return found


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=8),
    st.integers(min_value=2, max_value=15),
)
def test_no_hidden_cell_can_be_worked_out_from_the_total(values, threshold):
    counts = [(f"c{i}", v) for i, v in enumerate(values)]
    total = sum(values)
    table = suppress_table(counts, total, threshold)
    shown = [c.value for c in table.cells]
    for cell, value in zip(table.cells, values, strict=True):
        assert cell.value is None or cell.value == value, "a shown cell is the true count"
        assert not (0 < value < threshold and cell.value is not None), "small counts are hidden"
        if cell.hidden is Hidden.SMALL:
            assert 0 < value < threshold, "only a small count reads 'fewer than'"
    hidden = [v for c, v in zip(shown, values, strict=True) if c is None]
    if table.total is not None and hidden:
        assert len(hidden) >= 2, "one hidden cell would be total minus the others"
        assert sum(hidden) >= threshold, "the hidden cells together must not be a small number"
        for cell, value in zip(table.cells, values, strict=True):
            if cell.value is None and not 0 < value < threshold:
                assert cell.hidden is Hidden.PROTECTS, "a count that is not small is 'not shown'"
        for least, most in _could_be(table, values, threshold):
            assert most == threshold - 1, "the words must not say a small cell is smaller still"
            assert least < most or threshold == 2, "a small cell must not be pinned to one value"
    if any(0 < v < threshold for v in values) and Hidden.SMALL not in [
        c.hidden for c in table.cells
    ]:
        assert total >= threshold and all(c.value is None for c in table.cells), (
            "a small count reads 'fewer than' unless the table cannot be made safe, and then "
            "nothing in it is shown, so it cannot be told from the others"
        )
    if 0 < total < threshold:
        assert table.total is None


def test_protected_counts_are_hidden_under_the_threshold_and_rounded_to_five_above():
    from engage.services.suppression import protect_count, round_count

    assert [protect_count(n, T) for n in (0, 1, 9, 10, 12, 13, 17, 523)] == [
        0, None, None, 10, 10, 15, 15, 525
    ]  # fmt: skip
    assert [round_count(n) for n in (0, 1, 2, 3, 7, 8)] == [0, 5, 5, 5, 5, 10], (
        "a count above zero must never read as nobody"
    )
