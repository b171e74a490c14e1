"""Map themes to the commissioning intentions they bear on, with the evidence."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import yaml
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from topics.assign import _l2
from topics.results import Evidence, IntentionMatch, ThemeIntentions

if TYPE_CHECKING:
    from topics.pipeline import TopicPipeline

Intention = tuple[str, str, str]  # (key, title, text)
_STOP = ENGLISH_STOP_WORDS | {"service", "services", "care", "people", "nhs", "ensure", "support"}


def load_intentions(path: str | Path) -> list[Intention]:
    """Read (key, title, text) from a catalogue YAML with an `intentions` list."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    items = data.get("intentions", []) if isinstance(data, dict) else []
    return [
        (str(i["key"]), str(i.get("title") or i["key"]), str(i.get("text") or i.get("title") or ""))
        for i in items
        if isinstance(i, dict) and i.get("key")
    ]


def _terms(text: str) -> set[str]:
    words = re.findall(r"[a-z]{3,}", text.lower())
    stems = {
        w[:-1] if w.endswith("s") and not w.endswith("ss") else w for w in words if w not in _STOP
    }
    return {w for w in stems if len(w) > 2}


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if len(s.strip()) > 3]


def map_themes_to_intentions(
    pipeline: TopicPipeline,
    intentions: Sequence[Intention],
    top_n: int = 5,
    n_sentences: int = 2,
) -> list[ThemeIntentions]:
    """Rank the catalogue's intentions for each theme of a fitted guided pipeline.

    A theme is its prototypes' mean blended with the mean of the comments it was given; the
    score is cosine similarity to the intention's title and text. Evidence: the terms the theme
    (name, description, examples, keywords) shares with the intention, and the sentences of the
    theme's comments closest to the intention.
    """
    if pipeline.taxonomy_ is None or pipeline.assigner_ is None or not intentions:
        return []
    embed = pipeline._embed
    intent_vecs = _l2(embed([f"{title}. {text}" for _, title, text in intentions]))
    slugs = pipeline.assigner_.slugs_
    main = np.array([a.theme or "" for a in pipeline.assignments_])
    keywords = {t.theme: t.keywords for t in pipeline.topics_ if t.theme}
    results: list[ThemeIntentions] = []
    for t, slug in enumerate(slugs):
        theme = pipeline.taxonomy_.get(slug)
        members = np.flatnonzero(main == slug)
        vec = pipeline.assigner_.proto_mean_[t]
        if len(members):
            vec = vec + _l2(pipeline.embeddings_[members].mean(axis=0))
        vec = _l2(vec)
        scores = intent_vecs @ vec
        vocab = _terms(" ".join([*(theme.phrases() if theme else [slug]), *keywords.get(slug, [])]))
        best = np.argsort(-scores)[:top_n]
        matches: list[IntentionMatch] = []
        for j in best:
            key, title, text = intentions[j]
            shared = sorted(vocab & _terms(f"{title} {text}"))
            closest: list[tuple[str, float]] = []
            if len(members):
                near = members[np.argsort(-(pipeline.embeddings_[members] @ intent_vecs[j]))[:10]]
                sents = list(dict.fromkeys(s for i in near for s in _sentences(pipeline.texts_[i])))
                if sents:
                    sims = _l2(embed(sents)) @ intent_vecs[j]
                    closest = [
                        (sents[k], round(float(sims[k]), 3))
                        for k in np.argsort(-sims)[:n_sentences]
                    ]
            matches.append(
                IntentionMatch(key, title, round(float(scores[j]), 4), Evidence(shared, closest))
            )
        results.append(ThemeIntentions(slug, matches))
    return results
