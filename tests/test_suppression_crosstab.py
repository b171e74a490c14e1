"""Two-way tables: no count under the threshold can be read or worked out from any row or column.

A cross-tab (age band by answer, place by theme) shows each row's total, each column's total
and the grand total. A small cell hidden in its row could be worked out from its column, and a
cell hidden to protect it could be worked out from its own row; so every row, every column and
both sets of totals are held to the one-way rule at once.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from engage.services.suppression import Hidden, suppress_crosstab, suppress_table
from tests.fuzzing import FUZZ

T = 10

# A pure function, so ten times the examples the app-level fuzz tests take for the same cost.
PURE = settings(FUZZ, max_examples=FUZZ.max_examples * 10)


def _grid(counts: dict[str, list[int]], columns: str):
    return {(r, c): n for r, ns in counts.items() for c, n in zip(columns, ns, strict=True)}


def _words(table):
    """The table as the page reads it: a row of words per row label, then the column totals."""
    said = {
        r: [c.describe(T) for c in row] + [total.describe(T)]
        for r, row, total in zip(table.rows, table.cells, table.row_totals, strict=True)
    }
    said["All"] = [c.describe(T) for c in table.column_totals] + [table.describe_total(T)]
    return said


def test_one_small_cell_in_a_two_by_two_hides_all_four_cells_and_no_total():
    # Hiding the 3 beside 40 in row A is not enough: column X would give it away (33 - 30), and
    # hiding the 30 too leaves the 40 alone in column Y (90 - 50). So all four go.
    table = suppress_crosstab("AB", "XY", _grid({"A": [3, 40], "B": [30, 50]}, "XY"), T)
    assert _words(table) == {
        "A": ["fewer than 10", "not shown", "43"],
        "B": ["not shown", "not shown", "80"],
        "All": ["33", "90", "123"],
    }
    assert table.cells[0][0].hidden is Hidden.SMALL and table.protects
    assert [c.label for c in table.cells[1]] == ["X", "Y"], "a cell is labelled by its column"
    assert [c.label for c in table.row_totals] == ["A", "B"]
    assert [c.label for c in table.column_totals] == ["X", "Y"]


def test_a_row_with_few_people_hides_its_cells_and_its_total_is_protected_by_another_row():
    table = suppress_crosstab(
        "ABC", "XY", _grid({"A": [2, 3], "B": [20, 30], "C": [25, 15]}, "XY"), T
    )
    assert _words(table) == {
        "A": ["fewer than 10", "fewer than 10", "fewer than 10"],
        # Columns X and Y would each give A's cell away (47 - 45, 48 - 45) without one of B's.
        "B": ["not shown", "not shown", "50"],
        # 95 - 50 - 40 would be A's 5, so C's total goes; and 25 + 15 would be C's total again,
        # so the smaller of its cells goes with it.
        "C": ["25", "not shown", "not shown"],
        "All": ["47", "48", "95"],
    }
    assert table.row_totals[0].hidden is Hidden.SMALL
    assert table.row_totals[2].hidden is Hidden.PROTECTS


def test_a_cell_hidden_to_protect_a_small_one_is_not_left_alone_in_its_row():
    # Column X hides K's 5 with M's 20. The one-way test of row M would stop there, since
    # nothing small is in it: but row M would then say 80 - 60 = 20, and column X 65 - 40 - 20
    # = 5. So M's 60 goes too. (P's total goes to protect K's in 135 - 80 - 5, and P's 10
    # with it, or P's total would be 40 + 10 again.)
    table = suppress_crosstab(
        "KPM", "XY", _grid({"K": [5, 0], "P": [40, 10], "M": [20, 60]}, "XY"), T
    )
    assert _words(table) == {
        "K": ["fewer than 10", "0", "fewer than 10"],
        "P": ["40", "not shown", "not shown"],
        "M": ["not shown", "not shown", "80"],
        "All": ["65", "70", "135"],
    }


def test_a_question_with_several_answers_each_counts_people_not_answers():
    # 30 people under 40 gave 39 answers between them: cells add up to more than the row.
    table = suppress_crosstab(
        ["Under 40", "40 and over"],
        ["Bus", "Train", "Cycle"],
        {
            ("Under 40", "Bus"): 20,
            ("Under 40", "Train"): 15,
            ("Under 40", "Cycle"): 4,
            ("40 and over", "Bus"): 18,
            ("40 and over", "Train"): 12,
        },
        T,
        row_totals={"Under 40": 30, "40 and over": 25},
    )
    assert _words(table) == {
        "Under 40": ["not shown", "not shown", "fewer than 10", "30"],
        "40 and over": ["not shown", "not shown", "0", "25"],
        "All": ["38", "not shown", "fewer than 10", "55"],
    }
    assert table.total == 55, "the grand total is the people, the sum of the rows"
    assert table.row_percentages() == [[None, None, None], [None, None, 0.0]]


def test_zeros_stay_shown_and_a_table_with_nothing_small_is_shown_whole():
    counts = _grid({"A": [0, 12], "B": [30, 0]}, "XY")
    table = suppress_crosstab("AB", "XY", counts, T)
    assert _words(table) == {
        "A": ["0", "12", "12"],
        "B": ["30", "0", "30"],
        "All": ["30", "12", "42"],
    }
    assert not table.protects
    assert table.row_percentages() == [[0.0, 100.0], [100.0, 0.0]]
    small = suppress_crosstab("AB", "XY", _grid({"A": [0, 4], "B": [30, 0]}, "XY"), T)
    assert [c.describe(T) for c in small.cells[1]][1] == "0", "a zero beside a hidden cell"


def test_a_small_grand_total_hides_every_count_but_the_zeros():
    table = suppress_crosstab("AB", "XY", _grid({"A": [3, 0], "B": [2, 1]}, "XY"), T)
    assert _words(table) == {
        "A": ["fewer than 10", "0", "fewer than 10"],
        "B": ["fewer than 10", "fewer than 10", "fewer than 10"],
        "All": ["fewer than 10", "fewer than 10", "fewer than 10"],
    }
    assert table.total is None and table.total_hidden is Hidden.SMALL and not table.protects


def test_a_threshold_of_one_hides_nothing():
    table = suppress_crosstab("AB", "XY", _grid({"A": [3, 40], "B": [1, 0]}, "XY"), 1)
    assert [[c.value for c in row] for row in table.cells] == [[3, 40], [1, 0]]
    assert [c.value for c in table.row_totals] == [43, 1] and table.total == 44
    assert [c.value for c in table.column_totals] == [4, 40]


def test_a_single_row_hides_the_column_total_that_would_give_its_protecting_cell_away():
    table = suppress_crosstab("A", "XYZ", _grid({"A": [40, 25, 3]}, "XYZ"), T)
    assert _words(table) == {
        "A": ["40", "not shown", "fewer than 10", "68"],
        "All": ["40", "not shown", "fewer than 10", "68"],
    }


# Properties --------------------------------------------------------------------------------


def _lines(table, counts):
    """Every line: (its total as shown, [(each count as shown, its true value)])."""
    rows, columns, grid = counts["rows"], counts["columns"], counts["grid"]
    lines = [
        (table.row_totals[i], list(zip(table.cells[i], grid[i], strict=True)))
        for i in range(len(rows))
    ]
    lines += [
        (
            table.column_totals[j],
            [(table.cells[i][j], grid[i][j]) for i in range(len(rows))],
        )
        for j in range(len(columns))
    ]
    grand = (table.total, table.total_hidden)
    lines.append((grand, list(zip(table.row_totals, counts["row_totals"], strict=True))))
    lines.append((grand, list(zip(table.column_totals, counts["column_totals"], strict=True))))
    return lines


def _shown(total) -> bool:
    return (total[0] if isinstance(total, tuple) else total.value) is not None


def _could_be(parts, threshold):
    """Every value each hidden count could take, for a reader of this line alone.

    The reader is taken to know the most they could: what the hidden counts add up to, and
    which of them are zero, small (1 to threshold - 1) or not small (threshold or more). Each
    value is tried in turn, and kept if the other hidden counts can make up the rest.
    """
    hidden = [(cell, n) for cell, n in parts if cell.value is None]
    left = sum(n for _, n in hidden)

    def sizes(n):
        if n == 0:
            return 0, 0
        return (1, threshold - 1) if n < threshold else (threshold, left)

    found = []
    for k, (_, n) in enumerate(hidden):
        if n == 0:
            continue
        others = [sizes(m) for i, (_, m) in enumerate(hidden) if i != k]
        least, most = sizes(n)
        possible = [
            v
            for v in range(least, most + 1)
            if sum(lo for lo, _ in others) <= left - v <= sum(hi for _, hi in others)
        ]
        found.append((n, possible))
    return found


def _check(table, counts, threshold):
    grid = counts["grid"]
    everything = [
        (cell, n)
        for row, ns in zip(table.cells, grid, strict=True)
        for cell, n in zip(row, ns, strict=True)
    ]
    everything += list(zip(table.row_totals, counts["row_totals"], strict=True))
    everything += list(zip(table.column_totals, counts["column_totals"], strict=True))
    for cell, n in everything + [(table, counts["total"])]:
        value, why = (cell.total, cell.total_hidden) if cell is table else (cell.value, cell.hidden)
        assert value is None or value == n, "a shown count is the true count"
        assert not (0 < n < threshold and value is not None), "no small count is shown"
        if why is Hidden.SMALL:
            assert 0 < n < threshold, "only a small count reads 'fewer than'"
        elif value is None:
            assert why is Hidden.PROTECTS
    for total, parts in _lines(table, counts):
        hidden = [cell for cell, _ in parts if cell.value is None]
        if not _shown(total):
            if any(n for _, n in parts):
                assert any(cell.value is None for cell, n in parts if n), (
                    "a hidden total must not be the sum of what is shown beside it"
                )
            continue
        assert len(parts) > 1 or not hidden, "a lone hidden count would be its line's total"
        if len(hidden) == len(parts) and Hidden.SMALL not in [c.hidden for c in hidden]:
            continue  # the line reads "not shown" throughout: nothing says which is small
        for n, possible in _could_be(parts, threshold):
            if threshold == 2:
                continue  # "fewer than 2" is 1, whatever the line says
            assert len(possible) >= 2, f"a hidden {n} is pinned to {possible} by its line"
            if n < threshold:
                assert possible[-1] == threshold - 1 and possible[0] >= 1, (
                    "a small count could be anything up to threshold - 1 for all its line says"
                )


@st.composite
def _tables(draw):
    n_rows = draw(st.integers(min_value=1, max_value=5))
    n_columns = draw(st.integers(min_value=1, max_value=5))
    count = st.integers(min_value=0, max_value=40)
    grid = [[draw(count) for _ in range(n_columns)] for _ in range(n_rows)]
    rows = [f"r{i}" for i in range(n_rows)]
    columns = [f"c{j}" for j in range(n_columns)]
    several = draw(st.booleans())  # a question where a person may choose several columns
    if several:
        # People in a row: at least as many as chose its most chosen column, at most its answers.
        row_totals = [
            draw(st.integers(min_value=max(ns), max_value=max(max(ns), sum(ns)))) for ns in grid
        ]
    else:
        row_totals = [sum(ns) for ns in grid]
    return {
        "rows": rows,
        "columns": columns,
        "grid": grid,
        "several": several,
        "row_totals": row_totals,
        "column_totals": [sum(grid[i][j] for i in range(n_rows)) for j in range(n_columns)],
        "total": sum(row_totals),
    }


def _suppress(counts, threshold):
    pairs = {
        (r, c): counts["grid"][i][j]
        for i, r in enumerate(counts["rows"])
        for j, c in enumerate(counts["columns"])
    }
    given = dict(zip(counts["rows"], counts["row_totals"], strict=True))
    return suppress_crosstab(
        counts["rows"],
        counts["columns"],
        pairs,
        threshold,
        row_totals=given if counts["several"] else None,
    )


@PURE
@given(_tables())
def test_no_hidden_count_can_be_worked_out_from_any_row_column_or_total(counts):
    table = _suppress(counts, T)
    _check(table, counts, T)
    assert _suppress(counts, T) == table, "the same table always hides the same counts"
    assert table.rows == counts["rows"] and table.columns == counts["columns"]


@PURE
@given(_tables(), st.integers(min_value=2, max_value=15))
def test_the_rule_holds_at_any_threshold(counts, threshold):
    _check(_suppress(counts, threshold), counts, threshold)


@PURE
@given(st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=6))
def test_a_single_row_is_as_safe_as_the_one_way_table_and_hides_at_least_as_much(values):
    columns = [f"c{j}" for j in range(len(values))]
    counts = {
        "rows": ["r"],
        "columns": columns,
        "grid": [values],
        "several": False,
        "row_totals": [sum(values)],
        "column_totals": values,
        "total": sum(values),
    }
    table = _suppress(counts, T)
    _check(table, counts, T)
    one_way = suppress_table(list(zip(columns, values, strict=True)), sum(values), T)
    for ours, theirs in zip(table.cells[0], one_way.cells, strict=True):
        assert theirs.value is not None or ours.value is None, (
            "what the one-way table hides, the cross-tab hides too"
        )
