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

Counts that can be asked for again and again with overlapping choices (who an invitation would
reach, chosen by age, sex or ethnic group) are also *rounded* to the nearest 5 once shown
(``protect_count``), in the style of NHS Digital's and ONS's rules: otherwise
"everyone in Preston" minus "everyone in Preston but one ethnic group" gives that group's size
exactly. Zero stays zero, and a count that is not zero never rounds to zero.

This module is pure: no Flask, no database. Callers pass the threshold from
``ENGAGE_SMALL_NUMBER_THRESHOLD``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
        candidates = [
            i for i, n in enumerate(values) if n > 0 and i not in small and i not in protecting
        ]
        if not candidates:
            # Nothing says any count is small, zeros included, so none can be worked out from
            # the total; only a lone cell would still be the total itself.
            everything = [Cell(label, None) for label, _ in items]
            return SuppressedTable(everything, total if len(items) > 1 else None)
        enough = [i for i in candidates if _safe(values, small, protecting | {i}, threshold)]
        protecting.add(min(enough or candidates, key=lambda i: (values[i], -i)))
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
