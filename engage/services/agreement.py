"""How far two coders agree: Cohen's kappa, per code and overall, with a reading in plain English.

Kappa is agreement corrected for chance: ``(p_o - p_e) / (1 - p_e)``, where ``p_o`` is the share
of comments on which the coders agree and ``p_e`` the share they would agree on by chance, given
how often each applies each label. When both coders give every comment the same label, chance
alone explains all agreement (``p_e`` is 1) and kappa is undefined: we say so rather than divide
by zero or pretend it is perfect.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

# Landis and Koch (1977), "The measurement of observer agreement for categorical data".
BANDS: tuple[tuple[float, str], ...] = (
    (0.0, "poor (worse than chance)"),
    (0.20, "slight"),
    (0.40, "fair"),
    (0.60, "moderate"),
    (0.80, "substantial"),
    (1.0, "almost perfect"),
)


@dataclass(frozen=True)
class Kappa:
    """Cohen's kappa for one pair of label sequences; ``value`` is None when undefined."""

    value: float | None
    observed: float  # share of items with the same label from both coders
    expected: float  # share expected to agree by chance
    count: int  # items both coders labelled
    reason: str | None = None  # why kappa is undefined, in words

    @property
    def reading(self) -> str:
        return describe(self)


def cohens_kappa(first: Sequence[Hashable], second: Sequence[Hashable]) -> Kappa:
    """Cohen's kappa for two coders' labels of the same items, in the same order."""
    if len(first) != len(second):
        raise ValueError("both coders must label the same items")
    n = len(first)
    if n == 0:
        return Kappa(None, 0.0, 0.0, 0, "no comments that both coders have finished")
    # Exact fractions, so that hand-worked examples compare exactly and 1 - p_e == 0 is exact.
    observed = Fraction(sum(a == b for a, b in zip(first, second, strict=True)), n)
    count_a, count_b = Counter(first), Counter(second)
    expected = sum(
        (Fraction(count_a[label], n) * Fraction(count_b[label], n) for label in count_a),
        Fraction(0),
    )
    if expected == 1:
        return Kappa(
            None,
            float(observed),
            1.0,
            n,
            "both coders gave every comment the same answer, so chance explains all agreement",
        )
    value = (observed - expected) / (1 - expected)
    return Kappa(float(value), float(observed), float(expected), n)


def band(value: float) -> str:
    """The Landis and Koch name for a kappa value."""
    if value < 0:
        return BANDS[0][1]
    for upper, name in BANDS[1:]:
        if value <= upper:
            return name
    return BANDS[-1][1]


def describe(kappa: Kappa) -> str:
    """One sentence a team member can act on."""
    if kappa.value is None:
        return f"Cannot be measured: {kappa.reason}."
    return f"{band(kappa.value).capitalize()} agreement (kappa {kappa.value:.2f})."


@dataclass(frozen=True)
class Disagreement:
    comment_id: int
    code_id: int
    applied_by_first: bool  # True: the first coder applied it and the second did not


@dataclass(frozen=True)
class PairAgreement:
    """Two coders compared over the comments both have finished."""

    comment_ids: list[int]
    per_code: dict[int, Kappa]
    disagreements: list[Disagreement] = field(default_factory=list)

    @property
    def defined(self) -> list[float]:
        return [k.value for k in self.per_code.values() if k.value is not None]

    @property
    def mean(self) -> float | None:
        """Mean kappa over the codes where it is defined; None where none is."""
        values = self.defined
        return sum(values) / len(values) if values else None

    @property
    def reading(self) -> str:
        mean = self.mean
        if not self.comment_ids:
            return "Cannot be measured yet: no comments that both coders have finished."
        if mean is None:
            return (
                "Cannot be measured: for every code, both coders gave every comment the "
                "same answer."
            )
        codes, comments = len(self.defined), len(self.comment_ids)
        return (
            f"{band(mean).capitalize()} agreement on average (mean kappa {mean:.2f} over "
            f"{codes} code{'' if codes == 1 else 's'} and "
            f"{comments} comment{'' if comments == 1 else 's'})."
        )


def compare_coders(
    first: Mapping[int, Iterable[int]],
    second: Mapping[int, Iterable[int]],
    code_ids: Iterable[int],
) -> PairAgreement:
    """Per-code kappa (applied or not) over the comments both coders finished.

    ``first`` and ``second`` map each comment a coder finished to the code ids they applied;
    a comment finished with no codes maps to an empty collection.
    """
    shared = sorted(set(first) & set(second))
    applied_a = {cid: set(first[cid]) for cid in shared}
    applied_b = {cid: set(second[cid]) for cid in shared}
    per_code: dict[int, Kappa] = {}
    disagreements: list[Disagreement] = []
    for code_id in sorted(set(code_ids)):
        labels_a = [code_id in applied_a[cid] for cid in shared]
        labels_b = [code_id in applied_b[cid] for cid in shared]
        per_code[code_id] = cohens_kappa(labels_a, labels_b)
        disagreements += [
            Disagreement(cid, code_id, a)
            for cid, a, b in zip(shared, labels_a, labels_b, strict=True)
            if a != b
        ]
    disagreements.sort(key=lambda d: (d.comment_id, d.code_id))
    return PairAgreement(shared, per_code, disagreements)
