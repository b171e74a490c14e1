"""Assign themes to comments: taxonomy prototypes, then the team's coding when there is some."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from topics.lexical import LexicalMatcher
from topics.taxonomy import Taxonomy


@dataclass
class ThemeScores:
    """Per-comment theme decisions; indexes refer to `ThemeAssigner.slugs_`."""

    main: np.ndarray  # int, -1 = no theme
    probability: np.ndarray  # of the main theme (or of "no theme" when main is -1)
    themes: list[list[int]]  # main first, then every further theme it clearly speaks of
    proba: np.ndarray  # n x T


def _l2(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.where(n == 0, 1.0, n)


def _softmax(s: np.ndarray) -> np.ndarray:
    z = s - s.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _top_mean(sims: np.ndarray, k: int) -> np.ndarray:
    """Mean of the k largest values along the last axis."""
    k = min(k, sims.shape[-1])
    return np.sort(sims, axis=-1)[..., -k:].mean(axis=-1)


class ThemeAssigner:
    """Score comments against themes and decide a main theme, further themes and abstentions.

    Without coded comments each theme is a set of prototypes (the embeddings of its name plus
    description and of each example phrase); a comment's score for a theme is the mean of its
    `top_prototypes` best similarities, mixed with its similarity to the theme's centroid by
    `centroid_weight`, plus `lexical_weight` x the character n-gram TF-IDF cosine between the
    comment and the theme's text (`topics.lexical`: the embedding model is weakest where a theme
    is named by a word), and mapped to a probability around `min_similarity`. Self-training
    then adds, per theme, the centroid of the comments it confidently wins as a prototype, and
    moves its lexical vector toward their words by `lexical_feedback`. `min_similarity`,
    `lexical_weight` and `lexical_feedback` were chosen on a calibration split only (see
    bench/quality.py). The lexical part needs the comments' texts: pass them to `fit`
    (`unlabelled_texts`) and `predict`.

    With coded comments each theme's score is the similarity to its centroid, shrunk toward the
    taxonomy prototypes by `prior_strength` pseudo-examples (few coded examples: trust the
    taxonomy), plus `vote_weight` x a similarity-weighted vote of the `n_neighbors` nearest coded
    comments, plus (given their texts) `lexical_coded_weight` x the n-gram cosine to the theme's
    coded comments and own text. Comments coded as "no theme" are a class of their own. A
    softmax whose temperature is fitted leave-one-out on the coded comments turns scores into
    probabilities; a main theme below `abstain_below` is withheld (abstention), further themes
    need `extra_above`.

    When the team codes with its own theme names, a built-in theme they never used and one of
    their own codes can be the same thing under two names ("Medication" and "Medicines,
    prescriptions and pharmacy"). Such pairs (each the other's best match, cosine of the code's
    examples-plus-name centroid to the theme's prototype centroid at least
    `align_min_similarity`) are aligned: the team's code takes the built-in theme's prototypes
    into its prior and the built-in theme stops competing for those comments (`aligned_` maps
    theme index to code index). Built-in themes that match none of the team's codes stay, so
    rare subjects the coded sample missed still find their theme.
    """

    def __init__(
        self,
        min_similarity: float = 0.25,
        extra_ratio: float = 0.97,
        temperature: float = 0.05,
        top_prototypes: int = 2,
        centroid_weight: float = 0.5,
        n_neighbors: int = 10,
        prior_strength: float = 3.0,
        vote_weight: float = 0.1,
        abstain_below: float = 0.1,
        extra_above: float = 0.3,
        self_training: int = 1,
        align_min_similarity: float = 0.6,
        lexical_weight: float = 0.7,
        lexical_feedback: float = 1.0,
        lexical_min_df: int = 2,
        lexical_coded_weight: float = 1.5,
        chunk_size: int = 4096,
    ) -> None:
        self.min_similarity = min_similarity
        self.extra_ratio = extra_ratio
        self.temperature = temperature
        self.top_prototypes = top_prototypes
        self.centroid_weight = centroid_weight
        self.n_neighbors = n_neighbors
        self.prior_strength = prior_strength
        self.vote_weight = vote_weight
        self.abstain_below = abstain_below
        self.extra_above = extra_above
        self.self_training = self_training
        self.align_min_similarity = align_min_similarity
        self.lexical_weight = lexical_weight
        self.lexical_feedback = lexical_feedback
        self.lexical_min_df = lexical_min_df
        self.lexical_coded_weight = lexical_coded_weight
        self.chunk_size = chunk_size  # comments scored at once: bounds the n x prototypes matrix

    # ---- fitting -------------------------------------------------------------------------
    def fit(
        self,
        taxonomy: Taxonomy,
        prototype_vectors: list[np.ndarray],
        coded_vectors: np.ndarray | None = None,
        coded_themes: list[list[str]] | None = None,
        unlabelled_vectors: np.ndarray | None = None,
        unlabelled_texts: Sequence[str] | None = None,
        coded_texts: Sequence[str] | None = None,
    ) -> ThemeAssigner:
        """Learn from prototypes (one array per theme) and, optionally, coded comments.

        `coded_themes[i]` holds the slugs coded for comment i; an empty list means "no theme".
        `unlabelled_texts` (the texts of `unlabelled_vectors`) turns on the lexical evidence;
        without them the assigner scores by embeddings alone. With `coded_texts` too (the coded
        comments' texts), each theme also gets a lexical centroid of its coded comments.
        """
        self.slugs_ = taxonomy.slugs
        self.prototypes_ = [_l2(np.asarray(p, dtype=np.float32)) for p in prototype_vectors]
        self.proto_owner_ = np.concatenate(
            [np.full(len(p), t) for t, p in enumerate(self.prototypes_)]
        ).astype(np.int32)
        self.proto_matrix_ = np.concatenate(self.prototypes_).astype(np.float32)
        self.proto_mean_ = _l2(np.stack([p.mean(axis=0) for p in self.prototypes_]))
        non_answer = [i for i, t in enumerate(taxonomy.themes) if t.non_answer]
        self.non_answer_theme_ = non_answer[0] if non_answer else -1
        self.lexical_: LexicalMatcher | None = None
        self.lex_centroids_: sp.csr_matrix | None = None
        if unlabelled_texts is not None and self.lexical_weight:
            if unlabelled_vectors is None or len(unlabelled_texts) != len(unlabelled_vectors):
                raise ValueError("unlabelled_texts must match unlabelled_vectors row for row")
            self.lexical_ = LexicalMatcher(self.lexical_min_df, self.lexical_feedback).fit(
                unlabelled_texts, [" ".join(t.phrases()) for t in taxonomy.themes]
            )
        self.supervised_ = bool(coded_vectors is not None and coded_themes)
        # Self-training refines the prototypes that score comments when nothing is coded; with
        # coding, scores come from the coded comments and `proto_mean_` alone, so it is skipped.
        has_unlabelled = unlabelled_vectors is not None and len(unlabelled_vectors)
        if has_unlabelled and self.self_training and not self.supervised_:
            assert unlabelled_vectors is not None
            self._self_train(np.asarray(unlabelled_vectors, dtype=np.float32), unlabelled_texts)
        self.aligned_: dict[int, int] = {}
        if self.supervised_:
            assert coded_vectors is not None and coded_themes is not None
            index = {s: i for i, s in enumerate(self.slugs_)}
            T = len(self.slugs_)
            Y = np.zeros((len(coded_themes), T + 1), dtype=np.float32)  # last column: no theme
            for i, slugs in enumerate(coded_themes):
                for s in slugs:
                    Y[i, index[s]] = 1.0
                if not slugs:
                    Y[i, T] = 1.0
            self.coded_vectors_ = _l2(np.asarray(coded_vectors, dtype=np.float32))
            self.coded_labels_ = Y
            self._align(taxonomy)
            if self.lexical_ is not None and coded_texts is not None and self.lexical_coded_weight:
                if len(coded_texts) != len(coded_themes):
                    raise ValueError("coded_texts must match coded_themes row for row")
                self._fit_lexical_centroids(taxonomy, coded_texts)
            S = self._scores(self.coded_vectors_, leave_one_out=True, texts=coded_texts)
            # Softmax temperature by leave-one-out likelihood of the coded themes.
            grid = np.geomspace(0.005, 0.5, 40)
            target = Y / Y.sum(axis=1, keepdims=True)
            nll = [-(target * np.log(_softmax(S / t) + 1e-12)).sum(axis=1).mean() for t in grid]
            self.temperature_ = float(grid[int(np.argmin(nll))])
        return self

    def _align(self, taxonomy: Taxonomy) -> None:
        # Pair the team's own codes with built-in themes they never used (see the class doc).
        Y, T = self.coded_labels_, len(self.slugs_)
        used = Y[:, :T].sum(axis=0) > 0
        own = np.array([t.source == "coded" for t in taxonomy.themes], dtype=bool)
        spare = np.array([not t.non_answer for t in taxonomy.themes], dtype=bool)
        codes = np.flatnonzero(used & own)
        themes = np.flatnonzero(~used & ~own & spare)
        if len(codes) == 0 or len(themes) == 0:
            return
        code_cents = _l2(Y[:, codes].T @ self.coded_vectors_ + self.proto_mean_[codes])
        sims = code_cents @ self.proto_mean_[themes].T
        merged = self.proto_mean_.copy()
        for i, code in enumerate(codes):
            j = int(sims[i].argmax())
            if sims[i, j] >= self.align_min_similarity and int(sims[:, j].argmax()) == i:
                self.aligned_[int(themes[j])] = int(code)
                merged[code] = _l2(merged[code] + self.proto_mean_[themes[j]])
        self.proto_mean_ = merged

    def _fit_lexical_centroids(self, taxonomy: Taxonomy, coded_texts: Sequence[str]) -> None:
        # A nearest-centroid classifier in n-gram space beside the embedding one: each theme's
        # coded comments plus its own text as one pseudo-example (the "no theme" row has none).
        assert self.lexical_ is not None
        lex = self.lexical_
        own = lex.themes_.tolil()  # the themes' own text: self-training did not run when coded
        for theme, code in self.aligned_.items():  # a renamed theme's words go with its code
            own[code] = own[code] + own[theme]
        prior = sp.vstack([own.tocsr(), sp.csr_matrix((1, own.shape[1]), dtype=np.float32)])
        self.coded_lex_ = lex.transform(coded_texts)
        self.lex_sums_ = sp.csr_matrix(
            sp.csr_matrix(self.coded_labels_.T) @ self.coded_lex_ + prior, dtype=np.float32
        )
        self.lex_centroids_ = sp.csr_matrix(normalize(self.lex_sums_))

    def _self_train(self, X: np.ndarray, texts: Sequence[str] | None) -> None:
        # Move each theme toward how people actually phrase it: add the centroid of the comments
        # it confidently wins as one more prototype (the taxonomy prototypes stay), and their
        # words to its lexical vector. Scored in chunks, summing members as we go, so memory
        # stays flat however many comments there are.
        T, dim = len(self.prototypes_), X.shape[1]
        lexical = self.lexical_
        for _ in range(self.self_training):
            sums = np.zeros((T, dim), dtype=np.float64)
            counts = np.zeros(T, dtype=np.int64)
            lex_sums = sp.csr_matrix((T, len(lexical.vocabulary_) if lexical else 0))
            for start in range(0, len(X), self.chunk_size):
                chunk = _l2(X[start : start + self.chunk_size])
                chunk_texts = texts[start : start + self.chunk_size] if texts is not None else None
                lex_rows = (
                    lexical.transform(chunk_texts)
                    if lexical is not None and chunk_texts is not None
                    else None
                )
                s = self._prototype_scores(chunk, chunk_texts, lex_rows)
                best = s.argmax(axis=1)
                confident = s.max(axis=1) >= self.min_similarity + 2 * self.temperature
                np.add.at(sums, best[confident], chunk[confident])
                counts += np.bincount(best[confident], minlength=T)
                if lex_rows is not None:
                    rows = np.flatnonzero(confident)
                    owner = sp.csr_matrix(
                        (np.ones(len(rows)), (best[rows], np.arange(len(rows)))),
                        shape=(T, len(rows)),
                    )
                    lex_sums = lex_sums + owner @ lex_rows[rows]
            if lexical is not None:
                lexical.expand(sp.csr_matrix(lex_sums), counts >= 5)
            extra = [
                _l2(sums[t] / counts[t]).astype(np.float32)[None, :]
                if counts[t] >= 5
                else np.zeros((0, dim), dtype=np.float32)
                for t in range(T)
            ]
            self.prototypes_ = [
                np.concatenate([p, e]) for p, e in zip(self.prototypes_, extra, strict=True)
            ]
            self.proto_owner_ = np.concatenate(
                [np.full(len(p), t) for t, p in enumerate(self.prototypes_)]
            ).astype(np.int32)
            self.proto_matrix_ = np.concatenate(self.prototypes_).astype(np.float32)

    # ---- scoring -------------------------------------------------------------------------
    def _prototype_scores(
        self,
        X: np.ndarray,
        texts: Sequence[str] | None = None,
        lex_rows: sp.csr_matrix | None = None,
    ) -> np.ndarray:
        # Nearest prototypes alone favour themes with many example phrases (more chances of a
        # close one); mixing in the similarity to the theme's centroid evens that out.
        lexical = self.lexical_
        if lexical is not None and texts is None:
            raise ValueError("this assigner uses lexical evidence: pass the comments' texts")
        sims = X @ self.proto_matrix_.T
        out = np.empty((len(X), len(self.prototypes_)), dtype=np.float32)
        for t in range(len(self.prototypes_)):
            out[:, t] = _top_mean(sims[:, self.proto_owner_ == t], self.top_prototypes)
        if self.centroid_weight:
            cents = _l2(np.stack([p.mean(axis=0) for p in self.prototypes_]))
            w = self.centroid_weight
            out = (1 - w) * out + w * (X @ cents.T)
        if lexical is not None and texts is not None:
            rows = lex_rows if lex_rows is not None else lexical.transform(texts)
            out += self.lexical_weight * lexical.scores_of(rows)
        return out

    def _scores(
        self, X: np.ndarray, leave_one_out: bool = False, texts: Sequence[str] | None = None
    ) -> np.ndarray:
        """Return n x (T+1) supervised scores; the last column is "no theme".

        Score = similarity to the theme's shrunk centroid + `vote_weight` x the kNN vote.
        Centroids are class-balanced by construction (one per theme, whatever its size), which
        is what a per-category F1 rewards; the vote adds local evidence.
        """
        C, Y = self.coded_vectors_, self.coded_labels_
        T = Y.shape[1] - 1
        sims = X @ C.T
        if leave_one_out:
            np.fill_diagonal(sims, -np.inf)
        k = max(1, min(self.n_neighbors, C.shape[0] - (1 if leave_one_out else 0)))
        nn = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        w = np.take_along_axis(sims, nn, axis=1).clip(min=0) ** 3
        vote = np.einsum("nk,nkt->nt", w, Y[nn]) / np.maximum(w.sum(axis=1, keepdims=True), 1e-9)
        # Shrink each centroid toward the taxonomy prototypes by `prior_strength` pseudo-examples.
        prior = np.concatenate([self.proto_mean_, np.zeros((1, C.shape[1]))]) * self.prior_strength
        sums = Y.T @ C + prior
        if leave_one_out:
            own = Y[:, :, None] * C[:, None, :]
            csim = np.einsum("nd,ntd->nt", X, _l2(sums[None, :, :] - own))
            empty = (Y.sum(axis=0)[None, :] - Y)[:, T] <= 0
        else:
            csim = X @ _l2(sums).T
            empty = np.broadcast_to(Y.sum(axis=0)[T] <= 0, (len(X),))
        csim[:, T] = np.where(empty, -np.inf, csim[:, T])  # no "no theme" coding: never wins
        if self.aligned_:  # a built-in theme aligned with a team code speaks through that code
            csim[:, list(self.aligned_)] = -np.inf
        out = csim + self.vote_weight * vote
        if self.lex_centroids_ is not None:
            out = out + self.lexical_coded_weight * self._lexical_scores(texts, leave_one_out)
        return out.astype(np.float32)

    def _lexical_scores(self, texts: Sequence[str] | None, leave_one_out: bool) -> np.ndarray:
        """Cosine to each theme's lexical centroid; leave-one-out without the comment itself."""
        assert self.lexical_ is not None and self.lex_centroids_ is not None
        if texts is None:
            raise ValueError("this assigner uses lexical evidence: pass the comments' texts")
        if not leave_one_out:
            return np.asarray((self.lexical_.transform(texts) @ self.lex_centroids_.T).todense())
        # For a row c inside the sum s: |s - c|^2 = |s|^2 - 2 s.c + |c|^2, c.(s - c) = s.c - |c|^2
        # (|c| is 1, or 0 for a comment with no n-grams), so no centroid is rebuilt per comment.
        C, Y = self.coded_lex_, self.coded_labels_
        c2 = np.asarray(C.multiply(C).sum(axis=1))
        dots = np.asarray((C @ self.lex_sums_.T).todense())
        sq = np.asarray(self.lex_sums_.multiply(self.lex_sums_).sum(axis=1)).ravel()[None, :]
        rest = sq - Y * (2 * dots - c2)  # squared norm of the centroid without the comment
        empty = rest < 1e-6  # nothing left of it (float error would make 0/0 look like 0.06)
        return np.where(empty, 0.0, (dots - Y * c2) / np.sqrt(np.where(empty, 1.0, rest)))

    def predict(self, X: np.ndarray, texts: Sequence[str] | None = None) -> ThemeScores:
        """Score comments in chunks of `chunk_size`, so peak memory does not grow with n.

        `texts` (row for row with `X`) is needed when the assigner was fitted with texts.
        """
        X = np.asarray(X, dtype=np.float32)
        if self.lexical_ is not None and texts is None:
            raise ValueError("this assigner uses lexical evidence: pass the comments' texts")
        if texts is not None and len(texts) != len(X):
            raise ValueError("texts must match X row for row")
        size = self.chunk_size
        parts = [
            self._predict(
                _l2(X[start : start + size]),
                texts[start : start + size] if texts is not None else None,
            )
            for start in range(0, len(X), size)
        ] or [self._predict(np.zeros((0, X.shape[1]), dtype=np.float32), [])]
        return ThemeScores(
            main=np.concatenate([p.main for p in parts]),
            probability=np.concatenate([p.probability for p in parts]),
            themes=[t for p in parts for t in p.themes],
            proba=np.concatenate([p.proba for p in parts]),
        )

    def _predict(self, X: np.ndarray, texts: Sequence[str] | None) -> ThemeScores:
        T = len(self.slugs_)
        if self.supervised_:
            p = _softmax(self._scores(X, texts=texts) / self.temperature_)
            theme_p, none_p = p[:, :T], p[:, T]
            main = theme_p.argmax(axis=1)
            top = theme_p[np.arange(len(X)), main]
            abstain = (top < self.abstain_below) | (none_p > top)
            extra_mask = theme_p >= self.extra_above
        else:
            s = self._prototype_scores(X, texts)
            theme_p = 1.0 / (1.0 + np.exp(-(s - self.min_similarity) / self.temperature))
            main = s.argmax(axis=1)
            top_s = s[np.arange(len(X)), main]
            top = theme_p[np.arange(len(X)), main]
            none_p = 1.0 - top
            abstain = top_s < self.min_similarity
            extra_mask = (s >= self.min_similarity) & (s >= self.extra_ratio * top_s[:, None])
        main = np.where(abstain, -1, main)
        themes: list[list[int]] = []
        for i in range(len(X)):
            if main[i] < 0:
                themes.append([])
                continue
            extra = [int(t) for t in np.flatnonzero(extra_mask[i]) if t != main[i]]
            extra.sort(key=lambda t: -theme_p[i, t])
            themes.append([int(main[i]), *extra])
        prob = np.where(main >= 0, top, none_p).astype(np.float32)
        return ThemeScores(
            main=main.astype(np.int32), probability=prob, themes=themes, proba=theme_p
        )
