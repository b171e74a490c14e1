"""Lexical evidence for theme assignment: character n-gram TF-IDF between comments and themes.

A small sentence-embedding model hears "the car park was full" and "the ward was full" as
close; it is weakest exactly where a theme is named by a word (parking, food, noise, dentist).
Retrieval systems pair dense vectors with a sparse lexical score for this reason. Character
n-grams within words (3 to 5 letters) rather than whole words, because residents' comments are
full of typos and inflections ("parkin", "waitng", "waited"), which share most of their n-grams
with the intended word.

Fitted vocabulary and weights are plain lists and arrays, so a fitted matcher saves without
pickle (`to_state` / `from_state`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

NGRAM_RANGE = (3, 5)


def _vectorizer(vocabulary: dict[str, int] | None = None, min_df: int = 1) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    # sublinear tf: a word said three times is not three times the topic.
    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=NGRAM_RANGE,
        min_df=min_df,
        vocabulary=vocabulary,
        sublinear_tf=True,
        dtype=np.float32,
    )


def sparse_state(m: sp.spmatrix, prefix: str) -> dict[str, np.ndarray]:
    """A sparse matrix as plain arrays, to save without pickle."""
    c = sp.csr_matrix(m, dtype=np.float32)
    return {f"{prefix}_data": c.data, f"{prefix}_indices": c.indices.astype(np.int64),
            f"{prefix}_indptr": c.indptr.astype(np.int64)}  # fmt: skip


def sparse_from_state(
    arrays: dict[str, np.ndarray], prefix: str, shape: tuple[int, int]
) -> sp.csr_matrix:
    parts = (arrays[f"{prefix}_data"], arrays[f"{prefix}_indices"], arrays[f"{prefix}_indptr"])
    return sp.csr_matrix(parts, shape=shape, dtype=np.float32)


class LexicalMatcher:
    """Score comments against themes by cosine of sublinear char n-gram TF-IDF vectors.

    `fit` learns the vocabulary and inverse document frequencies from the comments being
    analysed (plus the themes' own text), so words every comment uses ("the", "was") weigh
    little and a theme's distinctive words weigh a lot. `expand` moves each theme's vector
    toward the comments it confidently won (Rocchio feedback): themes learn the words people
    actually use for them, as the embedding prototypes do in self-training.
    """

    def __init__(self, min_df: int = 2, feedback: float = 0.5) -> None:
        self.min_df = min_df
        self.feedback = feedback

    def fit(self, texts: Sequence[str], theme_texts: Sequence[str]) -> LexicalMatcher:
        docs = [*texts, *theme_texts]
        vectorizer = _vectorizer(min_df=min(self.min_df, max(1, len(docs) // 2)))
        try:
            rows = vectorizer.fit_transform(docs)
        except ValueError:  # nothing long enough to make an n-gram: no lexical evidence
            self.vocabulary_: list[str] = []
            self.idf_ = np.zeros(0, dtype=np.float32)
            self.themes_ = sp.csr_matrix((len(theme_texts), 0), dtype=np.float32)
            self.vectorizer_ = None
            return self
        vocab = vectorizer.vocabulary_
        self.vocabulary_ = sorted(vocab, key=vocab.__getitem__)
        self.idf_ = vectorizer.idf_.astype(np.float32)
        self.vectorizer_ = vectorizer
        self.themes_ = sp.csr_matrix(rows[len(texts) :], dtype=np.float32)
        return self

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Return L2-normalised TF-IDF rows (n x vocabulary) for `texts`."""
        if self.vectorizer_ is None or not len(texts):
            return sp.csr_matrix((len(texts), len(self.vocabulary_)), dtype=np.float32)
        return sp.csr_matrix(self.vectorizer_.transform(list(texts)), dtype=np.float32)

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Return the n x T cosine of each comment to each theme."""
        return self.scores_of(self.transform(texts))

    def scores_of(self, rows: sp.csr_matrix) -> np.ndarray:
        """`scores` for rows already transformed."""
        return np.asarray((rows @ self.themes_.T).todense(), dtype=np.float32)

    def expand(self, member_sums: sp.csr_matrix, won: np.ndarray) -> None:
        """Move each theme with members (`won` > 0) by `feedback` toward its members' words."""
        if not self.feedback or member_sums.shape[1] == 0:
            return
        keep = sp.diags((np.asarray(won) > 0).astype(np.float32) * self.feedback)
        self.themes_ = sp.csr_matrix(normalize(self.themes_ + keep @ normalize(member_sums)))

    # ---- persistence without pickle -------------------------------------------------------
    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta = {"min_df": self.min_df, "feedback": self.feedback, "vocabulary": self.vocabulary_}
        return meta, {"lex_idf": self.idf_, **sparse_state(self.themes_, "lex")}

    @classmethod
    def from_state(
        cls, meta: dict[str, Any], arrays: dict[str, np.ndarray], n_themes: int
    ) -> LexicalMatcher:
        self = cls(min_df=int(meta["min_df"]), feedback=float(meta["feedback"]))
        self.vocabulary_ = list(meta["vocabulary"])
        self.idf_ = np.asarray(arrays["lex_idf"], dtype=np.float32)
        self.themes_ = sparse_from_state(arrays, "lex", (n_themes, len(self.vocabulary_)))
        self.vectorizer_ = None
        if self.vocabulary_:
            self.vectorizer_ = _vectorizer({w: i for i, w in enumerate(self.vocabulary_)})
            self.vectorizer_.idf_ = self.idf_
        return self
