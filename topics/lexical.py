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

NGRAM_RANGE = (3, 5)


def _counter(vocabulary: dict[str, int] | None = None, min_df: int = 1) -> Any:
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(
        analyzer="char_wb",
        ngram_range=NGRAM_RANGE,
        lowercase=True,
        min_df=min_df,
        vocabulary=vocabulary,
        dtype=np.float32,
    )


def _l2_rows(m: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    return sp.csr_matrix(sp.diags(1.0 / np.where(norms == 0, 1.0, norms)) @ m, dtype=np.float32)


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
        counter = _counter(min_df=min(self.min_df, max(1, len(docs) // 2)))
        try:
            counts = counter.fit_transform(docs)
        except ValueError:  # nothing long enough to make an n-gram: no lexical evidence
            self.vocabulary_: list[str] = []
            self.idf_ = np.zeros(0, dtype=np.float32)
            self.themes_ = sp.csr_matrix((len(theme_texts), 0), dtype=np.float32)
            return self
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        self.idf_ = (np.log((1 + len(docs)) / (1 + df)) + 1).astype(np.float32)
        vocab = counter.vocabulary_
        self.vocabulary_ = sorted(vocab, key=vocab.__getitem__)
        self.themes_ = self.transform(theme_texts)
        return self

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Return L2-normalised TF-IDF rows (n x vocabulary) for `texts`."""
        if not self.vocabulary_:
            return sp.csr_matrix((len(texts), 0), dtype=np.float32)
        counts = _counter({w: i for i, w in enumerate(self.vocabulary_)}).transform(list(texts))
        counts = sp.csr_matrix(counts, dtype=np.float32)
        counts.data = 1 + np.log(counts.data)  # sublinear: a repeated word is not 3x the topic
        return _l2_rows(counts @ sp.diags(self.idf_))

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Return the n x T cosine of each comment to each theme."""
        if not len(texts):
            return np.zeros((0, self.themes_.shape[0]), dtype=np.float32)
        return np.asarray((self.transform(texts) @ self.themes_.T).todense(), dtype=np.float32)

    def expand(self, member_sums: sp.csr_matrix, counts: np.ndarray) -> None:
        """Add `feedback` x each theme's mean member vector (rows with count 0 stay as they are)."""
        if not self.feedback or member_sums.shape[1] == 0:
            return
        means = _l2_rows(sp.csr_matrix(sp.diags(1.0 / np.maximum(counts, 1)) @ member_sums))
        keep = sp.diags((counts > 0).astype(np.float32) * self.feedback)
        self.themes_ = _l2_rows(sp.csr_matrix(self.themes_ + keep @ means))

    # ---- persistence without pickle -------------------------------------------------------
    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        t = sp.csr_matrix(self.themes_)
        meta = {"min_df": self.min_df, "feedback": self.feedback, "vocabulary": self.vocabulary_}
        arrays = {
            "lex_idf": self.idf_,
            "lex_data": t.data.astype(np.float32),
            "lex_indices": t.indices.astype(np.int64),
            "lex_indptr": t.indptr.astype(np.int64),
        }
        return meta, arrays

    @classmethod
    def from_state(
        cls, meta: dict[str, Any], arrays: dict[str, np.ndarray], n_themes: int
    ) -> LexicalMatcher:
        self = cls(min_df=int(meta["min_df"]), feedback=float(meta["feedback"]))
        self.vocabulary_ = list(meta["vocabulary"])
        self.idf_ = np.asarray(arrays["lex_idf"], dtype=np.float32)
        self.themes_ = sp.csr_matrix(
            (arrays["lex_data"], arrays["lex_indices"], arrays["lex_indptr"]),
            shape=(n_themes, len(self.vocabulary_)),
            dtype=np.float32,
        )
        return self
