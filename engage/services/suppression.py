"""Small-number suppression for every count a report shows, charts or exports.

The rule, applied to one table of counts (a breakdown, a trend, a list of linked themes) that
is shown beside its total:

1. Primary: a count from 1 to ``threshold - 1`` is hidden and reads "fewer than 10" (for a
   threshold of 10). Zero is shown: it identifies nobody.
2. If the total itself is below the threshold, the total and every cell are hidden.
3. Secondary: whenever the total is shown, the hidden cells must not be workable out from it.
   More cells are hidden, each reading "not shown" (it is hidden to protect another, and may
   be any size: saying "fewer than 10" of it would mislead), until what the page says (the
   total, the shown cells, and that each hidden cell is "fewer than 10" or, being not small,
   at least 10) still allows every small cell to be anything from 1 to ``threshold - 1``,
   and pins none of them to one value. The cell hidden is the smallest shown non-zero cell
   that makes the table safe on its own, else the smallest (ties: the later category, so the
   order is stable).
4. If every cell is hidden and the table is still not safe, every cell (zeros too) reads
   "not shown", so nothing says which is small. The total stays shown, unless the table has
   one cell: a report's headline shows it anyway, so hiding it would protect nothing.

Cells of a table need not add up to its total (a comment can speak of several themes, a person
can answer in two months); the rule still holds, and only hides more than strictly needed.

A two-way table (``suppress_crosstab``) is held to the same rule in every row, every column and
both sets of totals at once; its docstring says how.

Counts that can be asked for again and again with overlapping choices (who an invitation would
reach, chosen by age, sex or ethnic group) are also *rounded* to the nearest 5 once shown
(``protect_count``), in the style of NHS Digital's and ONS's rules: otherwise
"everyone in Preston" minus "everyone in Preston but one ethnic group" gives that group's size
exactly. Zero stays zero, and a count that is not zero never rounds to zero.

This module is pure: no Flask, no database. Callers pass the threshold from
``ENGAGE_SMALL_NUMBER_THRESHOLD``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

NOT_SHOWN = "not shown"


class Hidden(StrEnum):
    """Why a count is hidden, which decides how it reads."""

    SMALL = "small"  # from 1 to threshold - 1: "fewer than 10"
    PROTECTS = "protects"  # hidden so that a small count cannot be worked out: "not shown"


def describe(value: int | None, threshold: int, hidden: Hidden | None = None) -> str:
    """How a count reads on a page or in an export.

    A count hidden on its own (``suppress_count``, ``protect_count``) is hidden only for being
    small, so ``hidden`` defaults to that.
    """
    if value is not None:
        return f"{value:,}"
    return NOT_SHOWN if hidden is Hidden.PROTECTS else f"fewer than {threshold}"


@dataclass(frozen=True)
class Cell:
    """One count as it may be shown: ``value`` is None when hidden, and ``hidden`` says why."""

    label: str
    value: int | None
    hidden: Hidden | None = None

    def __post_init__(self) -> None:
        if self.value is not None and self.hidden is not None:
            raise ValueError("a shown count has no reason to be hidden")
        if self.value is None and self.hidden is None:
            # "Not shown" is true of any hidden count; "fewer than" must be earned.
            object.__setattr__(self, "hidden", Hidden.PROTECTS)

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def describe(self, threshold: int) -> str:
        return describe(self.value, threshold, self.hidden)


@dataclass(frozen=True)
class SuppressedTable:
    cells: list[Cell]
    total: int | None
    total_hidden: Hidden | None = None

    def __post_init__(self) -> None:
        if self.total is None and self.total_hidden is None:
            object.__setattr__(self, "total_hidden", Hidden.PROTECTS)

    @property
    def total_suppressed(self) -> bool:
        return self.total is None

    @property
    def protects(self) -> bool:
        """True when some count here is hidden only to protect another (it reads "not shown")."""
        hidden = [c.hidden for c in self.cells]
        return Hidden.PROTECTS in hidden or self.total_hidden is Hidden.PROTECTS

    def describe_total(self, threshold: int) -> str:
        return describe(self.total, threshold, self.total_hidden)

    def as_dict(self) -> dict[str, int | None]:
        return {c.label: c.value for c in self.cells}


def is_small(count: int, threshold: int) -> bool:
    """True for a count that primary suppression hides (1 to threshold - 1)."""
    return 0 < count < threshold


def suppress_count(count: int, threshold: int) -> int | None:
    """A single count on its own (no total shown beside it): primary suppression only."""
    return None if is_small(count, threshold) else count


def _safe(values: Sequence[int], small: set[int], protecting: set[int], threshold: int) -> bool:
    """Whether the total, the shown cells and the words leave every small cell unknown.

    A reader knows the hidden cells add up to the total less the shown ones, that a small cell
    is 1 to threshold - 1 and that a protecting one, not being small, is at least threshold.
    """
    if not small:
        return True
    hidden_sum = sum(values[i] for i in small | protecting)
    # The most a small cell could be, with every other hidden cell at its least.
    most = hidden_sum - (len(small) - 1) - len(protecting) * threshold
    if most < threshold - 1:
        return False
    if protecting:
        return True  # a protecting cell has no upper bound, so a small one could be 1
    # The least it could be, with every other small cell at threshold - 1: pinned if no less.
    least = hidden_sum - (len(small) - 1) * (threshold - 1)
    return least < threshold - 1


_SafetyTest = Callable[[Sequence[int], set[int], set[int], int], bool]


def _next_to_hide(
    values: Sequence[int], small: set[int], protecting: set[int], threshold: int, safe: _SafetyTest
) -> int | None:
    """The cell to hide next so that ``small`` stays unknown, or None when none is left.

    The smallest shown non-zero cell that makes the table safe on its own, else the smallest;
    ties go to the later cell, so the order is stable.
    """
    candidates = [
        i for i, n in enumerate(values) if n > 0 and i not in small and i not in protecting
    ]
    if not candidates:
        return None
    enough = [i for i in candidates if safe(values, small, protecting | {i}, threshold)]
    return min(enough or candidates, key=lambda i: (values[i], -i))


def suppress_table(
    counts: Mapping[str, int] | Sequence[tuple[str, int]],
    total: int,
    threshold: int,
) -> SuppressedTable:
    """Apply primary and secondary suppression to ``counts`` shown beside ``total``."""
    items = list(counts.items()) if isinstance(counts, Mapping) else list(counts)
    if threshold <= 1:
        return SuppressedTable([Cell(label, n) for label, n in items], total)
    if is_small(total, threshold):
        cells = [Cell(label, None, Hidden.SMALL) if n else Cell(label, 0) for label, n in items]
        return SuppressedTable(cells, None, Hidden.SMALL)

    values = [n for _, n in items]
    small = {i for i, n in enumerate(values) if is_small(n, threshold)}
    protecting: set[int] = set()
    while not _safe(values, small, protecting, threshold):
        chosen = _next_to_hide(values, small, protecting, threshold, _safe)
        if chosen is None:
            # Nothing says any count is small, zeros included, so none can be worked out from
            # the total; only a lone cell would still be the total itself.
            everything = [Cell(label, None) for label, _ in items]
            return SuppressedTable(everything, total if len(items) > 1 else None)
        protecting.add(chosen)
    cells = [
        Cell(label, None, Hidden.SMALL if i in small else Hidden.PROTECTS)
        if i in small or i in protecting
        else Cell(label, n)
        for i, (label, n) in enumerate(items)
    ]
    return SuppressedTable(cells, total)


ROUNDING_BASE = 5


def round_count(count: int, base: int = ROUNDING_BASE) -> int:
    """``count`` to the nearest multiple of ``base``; a count above zero is at least ``base``."""
    if count <= 0:
        return 0
    return max(base, base * ((count + base // 2) // base))


def protect_count(count: int, threshold: int, base: int = ROUNDING_BASE) -> int | None:
    """A single count on its own: hidden from 1 to ``threshold - 1``, otherwise rounded."""
    value = suppress_count(count, threshold)
    return None if value is None else round_count(value, base)


# Two-way tables ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SuppressedCrosstab:
    """A two-way table as it may be shown: ``cells[i][j]`` is ``rows[i]`` by ``columns[j]``.

    A cell's label is its column's; a row total's label is its row's and a column total's its
    column's.
    """

    rows: list[str]
    columns: list[str]
    cells: list[list[Cell]]
    row_totals: list[Cell]
    column_totals: list[Cell]
    total: int | None
    total_hidden: Hidden | None = None

    def __post_init__(self) -> None:
        if self.total is None and self.total_hidden is None:
            object.__setattr__(self, "total_hidden", Hidden.PROTECTS)

    @property
    def total_suppressed(self) -> bool:
        return self.total is None

    @property
    def protects(self) -> bool:
        """True when some count here is hidden only to protect another (it reads "not shown")."""
        counts = [c for row in self.cells for c in row] + self.row_totals + self.column_totals
        hidden = [c.hidden for c in counts]
        return Hidden.PROTECTS in hidden or self.total_hidden is Hidden.PROTECTS

    def describe_total(self, threshold: int) -> str:
        return describe(self.total, threshold, self.total_hidden)

    def row_percentages(self) -> list[list[float | None]]:
        """Each cell as a percentage of its row's total, where both are shown and it is not 0."""
        return [
            [
                c.value / total.value * 100
                if c.value is not None and total.value is not None and total.value > 0
                else None
                for c in row
            ]
            for row, total in zip(self.cells, self.row_totals, strict=True)
        ]


# A count in a two-way table: ("cell", row, column), ("row", row, 0), ("column", column, 0) or
# ("total", 0, 0).
_Key = tuple[str, int, int]
_GRAND: _Key = ("total", 0, 0)


def _line_safe(
    values: Sequence[int], small: set[int], protecting: set[int], threshold: int
) -> bool:
    """``_safe``, and no hidden count in the line pinned by it, small or not.

    In a two-way table a cell hidden to protect a small one in its column also sits in a row:
    if that row's total gave it away (it is alone there, or every hidden cell there could only
    be exactly the threshold), the column's small cell would be its total less the rest.
    """
    if not _safe(values, small, protecting, threshold):
        return False
    if small or not protecting:
        return True  # with a small cell beside it, _safe already leaves room either way
    hidden_sum = sum(values[i] for i in protecting)
    return len(protecting) > 1 and hidden_sum > len(protecting) * threshold


def suppress_crosstab(
    rows: Sequence[str],
    columns: Sequence[str],
    counts: Mapping[tuple[str, str], int],
    threshold: int,
    *,
    row_totals: Mapping[str, int] | None = None,
    column_totals: Mapping[str, int] | None = None,
    total: int | None = None,
) -> SuppressedCrosstab:
    """Apply primary and secondary suppression to a two-way table and its totals.

    ``counts`` maps (row, column) to a count; a pair it lacks is 0. A row's total is the sum of
    its cells unless ``row_totals`` gives it (a row or column it lacks is summed as well), and
    likewise for columns; the grand total is the sum of the row totals unless given. Totals
    are given when cells need not add up to them: people answering a question where they may
    choose several columns are fewer than the answers in their row, and some may not answer.

    The rule, the one-way rule applied to every row and column at once:

    1. Primary: every count from 1 to ``threshold - 1`` is hidden and reads "fewer than 10":
       cells, row totals, column totals and the grand total. Zero is shown.
    2. If the grand total is below the threshold, every count that is not zero is hidden
       (and reads "not shown" in the rare case it is not small, which only given totals allow).
    3. A row whose total is below the threshold has every cell hidden that is not zero (a
       cell that is not small, which only given totals allow, reads "not shown"), and so does
       such a column.
    4. Secondary: the table is read as lines, each a set of counts beside the total they make:
       every row (its cells beside its row total), every column (beside its column total), the
       row totals beside the grand total, and the column totals beside the grand total. Every
       line whose total is shown must pass the one-way test: what the page says (the total,
       the counts shown, and that each hidden count is "fewer than 10" or at least 10) still
       allows every small count in it to be anything from 1 to ``threshold - 1`` and pins
       none of them. It must also pin no hidden count that is not small, because that count
       sits in another line too, where it protects a small one. More counts are hidden,
       reading "not shown", chosen as for a one-way table: the smallest shown count (not zero)
       that makes the line safe on its own, else the smallest (ties: the later one).
    5. A line whose total is hidden must still have a hidden count among those that are not
       zero, or its total is just the sum of what is shown: the smallest is hidden if not.
    6. A count hidden for one line is hidden in every line it is in, which can make another
       line need more, so the lines are gone through again until nothing changes.
    7. A line that cannot be made safe, because no shown count is left to hide in it, reads
       "not shown" throughout, zeros too, so nothing in it says which count is small; its
       total stays shown unless it has only one count (that count would be the total). The
       lines it crosses still protect each of its counts, as the lines are gone through again.
       So every line ends safe or wholly "not shown", and a table that can be made safe no
       other way ends with every count "not shown" but the grand total.

    Where cells do not add up to their totals, the test takes the reader to know what the
    hidden counts add up to, which they do not: the rule still holds and only hides more.

    Each line is tested on its own, as the one-way rule is, taking each hidden count at its
    true size (a small one that reads "not shown" is still small). A reader who works rows and
    columns out together can sometimes narrow a count further than any one line lets them (a
    hidden row total is at least its shown cells plus 10 for each hidden one): this rule does
    not check that. A threshold of 1 or less hides nothing.
    """
    row_labels, column_labels = list(rows), list(columns)
    value: dict[_Key, int] = {}
    for i, r in enumerate(row_labels):
        for j, c in enumerate(column_labels):
            value[("cell", i, j)] = counts.get((r, c), 0)
    for i, r in enumerate(row_labels):
        summed = sum(value[("cell", i, j)] for j in range(len(column_labels)))
        value[("row", i, 0)] = summed if row_totals is None else row_totals.get(r, summed)
    for j, c in enumerate(column_labels):
        summed = sum(value[("cell", i, j)] for i in range(len(row_labels)))
        value[("column", j, 0)] = summed if column_totals is None else column_totals.get(c, summed)
    row_keys: list[_Key] = [("row", i, 0) for i in range(len(row_labels))]
    column_keys: list[_Key] = [("column", j, 0) for j in range(len(column_labels))]
    value[_GRAND] = sum(value[k] for k in row_keys) if total is None else total

    lines: list[tuple[_Key, list[_Key]]] = [
        (("row", i, 0), [("cell", i, j) for j in range(len(column_labels))])
        for i in range(len(row_labels))
    ]
    lines += [
        (("column", j, 0), [("cell", i, j) for i in range(len(row_labels))])
        for j in range(len(column_labels))
    ]
    lines += [(_GRAND, row_keys), (_GRAND, column_keys)]

    hidden: dict[_Key, Hidden] = {}
    if threshold > 1 and is_small(value[_GRAND], threshold):
        for key, n in value.items():
            if n:
                hidden[key] = Hidden.SMALL if is_small(n, threshold) else Hidden.PROTECTS
    elif threshold > 1:
        for key, n in value.items():
            if is_small(n, threshold):
                hidden[key] = Hidden.SMALL
        for line_total, parts in lines:
            if line_total != _GRAND and is_small(value[line_total], threshold):
                for part in parts:
                    if value[part] and part not in hidden:
                        hidden[part] = Hidden.PROTECTS
        _secondary(lines, value, hidden, threshold)

    def shown(label: str, key: _Key) -> Cell:
        return Cell(label, None, hidden[key]) if key in hidden else Cell(label, value[key])

    return SuppressedCrosstab(
        rows=row_labels,
        columns=column_labels,
        cells=[
            [shown(c, ("cell", i, j)) for j, c in enumerate(column_labels)]
            for i in range(len(row_labels))
        ],
        row_totals=[shown(r, k) for r, k in zip(row_labels, row_keys, strict=True)],
        column_totals=[shown(c, k) for c, k in zip(column_labels, column_keys, strict=True)],
        total=None if _GRAND in hidden else value[_GRAND],
        total_hidden=hidden.get(_GRAND),
    )


def _secondary(
    lines: list[tuple[_Key, list[_Key]]],
    value: Mapping[_Key, int],
    hidden: dict[_Key, Hidden],
    threshold: int,
) -> None:
    """Hide more counts in ``hidden`` until every line is safe or wholly "not shown"."""
    given_up: set[int] = set()
    changed = True
    while changed:
        changed = False
        for n, (line_total, parts) in enumerate(lines):
            if n in given_up:
                continue
            values = [value[p] for p in parts]
            if line_total in hidden:
                counted = [i for i, v in enumerate(values) if v]
                if counted and not any(parts[i] in hidden for i in counted):
                    hidden[parts[min(counted, key=lambda i: (values[i], -i))]] = Hidden.PROTECTS
                    changed = True
                continue
            while True:
                # Taken at their true sizes: a small count that reads "not shown", because a
                # line it crosses could not be made safe, is still small here.
                small = {
                    i for i, p in enumerate(parts) if p in hidden and is_small(values[i], threshold)
                }
                protecting = {
                    i for i, p in enumerate(parts) if p in hidden and values[i] >= threshold
                }
                if _line_safe(values, small, protecting, threshold):
                    break
                chosen = _next_to_hide(values, small, protecting, threshold, _line_safe)
                changed = True
                if chosen is None:
                    for part in parts:
                        hidden[part] = Hidden.PROTECTS
                    if len(parts) == 1:
                        hidden[line_total] = Hidden.PROTECTS
                    given_up.add(n)
                    break
                hidden[parts[chosen]] = Hidden.PROTECTS
