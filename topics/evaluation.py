"""Score assignments against human coding: NMI, ARI, outliers, best-match F1 per category."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score


@dataclass
class CategoryScore:
    category: str
    size: int
    topic: int | None  # best-matching topic
    topic_f1: float
    theme: str | None  # best-matching theme
    theme_f1: float


@dataclass
class Evaluation:
    n: int
    nmi: float
    ari: float
    outlier_share: float
    no_theme_share: float
    macro_topic_f1: float
    macro_theme_f1: float
    categories: list[CategoryScore] = field(default_factory=list)

    def to_text(self) -> str:
        lines = [
            f"comments scored      {self.n}",
            f"NMI                  {self.nmi:.3f}",
            f"ARI                  {self.ari:.3f}",
            f"outlier share        {self.outlier_share:.1%}",
            f"no-theme share       {self.no_theme_share:.1%}",
            f"macro topic F1       {self.macro_topic_f1:.3f}",
            f"macro theme F1       {self.macro_theme_f1:.3f}",
            "",
            f"{'category':40} {'n':>5} {'topic':>6} {'F1':>5}  {'theme':30} {'F1':>5}",
        ]
        for c in sorted(self.categories, key=lambda c: -c.size):
            lines.append(
                f"{c.category[:40]:40} {c.size:5d} {str(c.topic):>6} {c.topic_f1:5.2f}  "
                f"{(c.theme or '-')[:30]:30} {c.theme_f1:5.2f}"
            )
        return "\n".join(lines)


def _best_f1(truth: set[str], groups: Mapping[object, set[str]]) -> tuple[object | None, float]:
    best, best_f1 = None, 0.0
    for key, members in groups.items():
        hit = len(truth & members)
        if hit:
            f1 = 2 * hit / (len(truth) + len(members))
            if f1 > best_f1:
                best, best_f1 = key, f1
    return best, best_f1


def evaluate(
    topics: Mapping[str, int],
    themes: Mapping[str, Sequence[str]],
    labels: Mapping[str, Sequence[str]],
) -> Evaluation:
    """Score comments present in both `topics` and `labels` (id -> categories, several allowed).

    NMI and ARI use each comment's first human category; F1 lets a comment count toward every
    category it was coded with and every theme it was given.
    """
    ids = [i for i in labels if i in topics and labels[i]]
    if not ids:
        raise ValueError("no comment is in both the assignments and the labels (check the ids)")
    first = [labels[i][0] for i in ids]
    topic_of = [topics[i] for i in ids]
    by_cat: dict[str, set[str]] = defaultdict(set)
    by_topic: dict[object, set[str]] = defaultdict(set)
    by_theme: dict[object, set[str]] = defaultdict(set)
    for i in ids:
        for c in labels[i]:
            by_cat[c].add(i)
        if topics[i] != -1:
            by_topic[topics[i]].add(i)
        for t in themes.get(i, ()):
            by_theme[t].add(i)
    scores = []
    for cat, members in by_cat.items():
        topic, tf1 = _best_f1(members, by_topic)
        theme, hf1 = _best_f1(members, by_theme)
        scores.append(CategoryScore(cat, len(members), topic, tf1, theme, hf1))  # type: ignore[arg-type]
    return Evaluation(
        n=len(ids),
        nmi=float(normalized_mutual_info_score(first, topic_of)),
        ari=float(adjusted_rand_score(first, topic_of)),
        outlier_share=float(np.mean([t == -1 for t in topic_of])),
        no_theme_share=float(np.mean([not themes.get(i) for i in ids])),
        macro_topic_f1=float(np.mean([s.topic_f1 for s in scores])),
        macro_theme_f1=float(np.mean([s.theme_f1 for s in scores])),
        categories=scores,
    )
