"""Small-number suppression: no count under the threshold can be read or worked out."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from engage.services.suppression import describe, suppress_count, suppress_table

T = 10


def test_counts_from_one_to_nine_are_hidden_and_zero_and_ten_are_shown():
    assert [suppress_count(n, T) for n in (0, 1, 9, 10, 250)] == [0, None, None, 10, 250]


def test_a_single_hidden_cell_takes_the_next_smallest_with_it():
    table = suppress_table({"Blackpool": 40, "Lancashire": 25, "Pennine": 3}, 68, T)
    assert table.as_dict() == {"Blackpool": 40, "Lancashire": None, "Pennine": None}
    assert table.total == 68, "the total stays shown once two cells hide each other"


def test_hidden_cells_must_add_up_to_at_least_the_threshold():
    # 2 and 3 hidden would still be "68 - 63 = 5 between them": take one more.
    table = suppress_table({"A": 63, "B": 2, "C": 3, "D": 11}, 79, T)
    assert table.as_dict() == {"A": 63, "B": None, "C": None, "D": None}


def test_a_small_total_hides_everything():
    table = suppress_table({"A": 4, "B": 3}, 7, T)
    assert table.total is None and table.as_dict() == {"A": None, "B": None}


def test_when_no_cell_is_left_to_hide_the_total_is_hidden():
    table = suppress_table({"A": 12, "B": 0}, 12, T)
    assert table.as_dict() == {"A": 12, "B": 0} and table.total == 12
    lonely = suppress_table({"A": 4, "B": 0}, 14, T)  # A comes out of 14 minus what is shown
    assert lonely.as_dict() == {"A": None, "B": 0} and lonely.total is None


def test_the_threshold_is_configurable():
    assert suppress_table({"A": 6, "B": 40}, 46, 5).as_dict() == {"A": 6, "B": 40}
    assert describe(None, 5) == "fewer than 5" and describe(1234, 5) == "1,234"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=8),
    st.integers(min_value=2, max_value=15),
)
def test_no_hidden_cell_can_be_worked_out_from_the_total(values, threshold):
    counts = [(f"c{i}", v) for i, v in enumerate(values)]
    total = sum(values)
    table = suppress_table(counts, total, threshold)
    shown = [c.value for c in table.cells]
    for cell, value in zip(shown, values, strict=True):
        assert cell is None or cell == value, "a shown cell is the true count"
        assert not (0 < value < threshold and cell is not None), "small counts are hidden"
    hidden = [v for c, v in zip(shown, values, strict=True) if c is None]
    if table.total is not None and hidden:
        assert len(hidden) >= 2, "one hidden cell would be total minus the others"
        assert sum(hidden) >= threshold, "the hidden cells together must not be a small number"
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
