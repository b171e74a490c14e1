"""Small-number suppression for every count a report shows, charts or exports.

The rule, applied to one table of counts (a breakdown, a trend, a list of linked themes) that
is shown beside its total:

1. Primary: a count from 1 to ``threshold - 1`` is hidden. Zero is shown: it identifies nobody.
2. If the total itself is below the threshold, the total and every cell are hidden.
3. Secondary: whenever the total is shown, the hidden cells must not be workable out from it.
   While fewer than two cells are hidden, or the hidden cells add up to less than the
   threshold (so "total minus the shown cells" would itself be a small number), the smallest
   shown non-zero cell is hidden too (ties: the later category, so the order is stable).
   If no shown cell is left to hide, the total is hidden instead.

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


@dataclass(frozen=True)
class Cell:
    """One count as it may be shown: ``value`` is None when suppressed."""

    label: str
    value: int | None

    @property
    def suppressed(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class SuppressedTable:
    cells: list[Cell]
    total: int | None

    @property
    def total_suppressed(self) -> bool:
        return self.total is None

    def as_dict(self) -> dict[str, int | None]:
        return {c.label: c.value for c in self.cells}


def is_small(count: int, threshold: int) -> bool:
    """True for a count that primary suppression hides (1 to threshold - 1)."""
    return 0 < count < threshold


def suppress_count(count: int, threshold: int) -> int | None:
    """A single count on its own (no total shown beside it): primary suppression only."""
    return None if is_small(count, threshold) else count


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
        return SuppressedTable([Cell(label, None if n else 0) for label, n in items], None)

    hidden = {i for i, (_, n) in enumerate(items) if is_small(n, threshold)}
    total_shown = True
    while hidden and (len(hidden) < 2 or sum(items[i][1] for i in hidden) < threshold):
        candidates = [i for i, (_, n) in enumerate(items) if i not in hidden and n > 0]
        if not candidates:
            total_shown = False
            break
        hidden.add(min(candidates, key=lambda i: (items[i][1], -i)))
    cells = [Cell(label, None if i in hidden else n) for i, (label, n) in enumerate(items)]
    return SuppressedTable(cells, total if total_shown else None)


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


def describe(value: int | None, threshold: int) -> str:
    """How a count reads on a page or in an export."""
    return f"fewer than {threshold}" if value is None else f"{value:,}"
