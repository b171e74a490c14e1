"""The topic pipeline: clean, embed, assign themes, discover candidate topics with BERTopic."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from topics.assign import ThemeAssigner, _l2
from topics.embeddings import (
    CachedEmbedder,
    Embedder,
    EmbeddingCache,
    PackagedModelEmbedder,
    default_cache_dir,
)
from topics.lexical import LexicalMatcher, sparse_from_state, sparse_state
from topics.preprocess import Kind, clean_comments
from topics.results import Assignment, Topic
from topics.taxonomy import Taxonomy

Progress = Callable[[str], None]
FORMAT_VERSION = 1


class PipelineError(ValueError):
    """Input the pipeline cannot work with; the message says what to fix."""


def default_embedder(cache_dir: str | Path | None = None) -> CachedEmbedder:
    """Return the packaged MiniLM model behind the persistent embedding cache."""
    directory = Path(cache_dir) if cache_dir else default_cache_dir()
    return CachedEmbedder(PackagedModelEmbedder(), EmbeddingCache(directory / "embeddings.sqlite3"))


def class_tfidf(counts: Any) -> Any:
    """Weigh words per topic as BERTopic's c-TF-IDF does (with reduce_frequent_words).

    Our own ten lines rather than `bertopic.vectorizers`, whose import costs seconds per process.
    """
    import scipy.sparse as sp
    from sklearn.preprocessing import normalize

    counts = sp.csr_matrix(counts, dtype=np.float64)
    freq = np.asarray(counts.sum(axis=0)).ravel()
    avg = counts.sum() / counts.shape[0]
    idf = np.log(1 + avg / np.maximum(freq, 1))
    tf = normalize(counts, norm="l1", axis=1)
    tf.data = np.sqrt(tf.data)
    return tf @ sp.diags(idf)


def _quiet(_: str) -> None:
    return None


class TopicPipeline:
    """Find themes and topics in short survey comments.

    `taxonomy=None` runs unguided (BERTopic topics only). With a taxonomy, each comment gets
    its main theme or none and every further theme it clearly speaks of; comments that match no
    theme are clustered by BERTopic and those clusters are kept as candidate new themes.
    `reducer`, `clusterer` and `vectorizer` are BERTopic's swappable parts (None: defaults
    chosen for short comments, seeded with `random_state`).
    """

    def __init__(
        self,
        embedder: Embedder | None = None,
        taxonomy: Taxonomy | None = None,
        assigner: ThemeAssigner | None = None,
        reducer: Any = None,
        clusterer: Any = None,
        vectorizer: Any = None,
        min_topic_size: int = 10,
        outlier_threshold: float = 0.25,
        n_keywords: int = 8,
        n_representatives: int = 3,
        random_state: int = 42,
        progress: Progress | None = None,
    ) -> None:
        self.embedder = embedder
        self.taxonomy = taxonomy
        self.assigner = assigner
        self.reducer = reducer
        self.clusterer = clusterer
        self.vectorizer = vectorizer
        self.min_topic_size = min_topic_size
        self.outlier_threshold = outlier_threshold
        self.n_keywords = n_keywords
        self.n_representatives = n_representatives
        self.random_state = random_state
        self.progress = progress

    # ---- helpers -------------------------------------------------------------------------
    def _say(self, message: str) -> None:
        (self.progress or _quiet)(message)

    def _embedder(self) -> Embedder:
        if self.embedder is None:
            self.embedder = default_embedder()
        return self.embedder

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        embedder = self._embedder()
        if isinstance(embedder, CachedEmbedder):
            out = embedder.embed(texts, progress=lambda a, b: self._say(f"embedded {a}/{b} new"))
            self._last_embedded = embedder.n_embedded_
            return out
        self._last_embedded = len(set(texts))
        return embedder.embed(list(dict.fromkeys(texts)))[
            [list(dict.fromkeys(texts)).index(t) for t in texts]
        ]

    # ---- fit -----------------------------------------------------------------------------
    def fit(
        self,
        texts: Sequence[object],
        ids: Sequence[str] | None = None,
        coded: Mapping[str, Sequence[str]] | None = None,
    ) -> TopicPipeline:
        """Fit on comments; `coded` maps comment ids to the theme names people gave them."""
        timings: dict[str, float] = {}
        start = time.perf_counter()
        ids = [str(i) for i in (ids if ids is not None else range(len(texts)))]
        if len(ids) != len(texts):
            raise PipelineError("ids and texts differ in length")
        if len(set(ids)) != len(ids):
            raise PipelineError("ids must be unique")
        cleaned = clean_comments(texts)
        n_text = sum(c.kind is not Kind.EMPTY for c in cleaned)
        if n_text < 5:
            raise PipelineError(f"need at least 5 non-empty comments to find themes, got {n_text}")
        self.ids_, self.texts_ = ids, [c.text for c in cleaned]
        self.kinds_ = [c.kind.value for c in cleaned]
        timings["preprocess"] = time.perf_counter() - start

        t = time.perf_counter()
        present = [i for i, c in enumerate(cleaned) if c.kind is not Kind.EMPTY]
        self._say(f"embedding {len(set(self.texts_[i] for i in present))} distinct comments")
        vectors = self._embed([self.texts_[i] for i in present])
        self.n_embedded_ = self._last_embedded  # comments only, not theme phrases
        dim = vectors.shape[1]
        self.embeddings_ = np.zeros((len(ids), dim), dtype=np.float32)
        self.embeddings_[present] = vectors
        timings["embed"] = time.perf_counter() - t

        t = time.perf_counter()
        main, themes, prob = self._fit_themes(present, coded)
        timings["themes"] = time.perf_counter() - t

        t = time.perf_counter()
        self._fit_topics(present, main, themes, prob)
        timings["topics"] = time.perf_counter() - t
        timings["total"] = time.perf_counter() - start
        self.timings_ = timings
        return self

    def _fit_themes(
        self, present: list[int], coded: Mapping[str, Sequence[str]] | None
    ) -> tuple[list[str | None], list[list[str]], list[float]]:
        n = len(self.ids_)
        main: list[str | None] = [None] * n
        themes: list[list[str]] = [[] for _ in range(n)]
        prob = [0.0] * n
        coded = dict(coded or {})
        unknown = [i for i in coded if i not in set(self.ids_)]
        if unknown:
            raise PipelineError(
                f"{len(unknown)} coded comment id(s) are not in the input, e.g. {unknown[0]!r}"
            )
        if self.taxonomy is None:
            self.taxonomy_ = None
            self.assigner_ = None
            return main, themes, prob
        names = sorted({name for names in coded.values() for name in names if name})
        taxonomy = self.taxonomy.with_themes(names)
        self.taxonomy_ = taxonomy
        self._say(f"steering with {len(taxonomy.themes)} themes")
        phrases = [th.phrases() for th in taxonomy.themes]
        flat = self._embed([p for ps in phrases for p in ps])
        splits = np.cumsum([len(ps) for ps in phrases])[:-1]
        index = {id_: i for i, id_ in enumerate(self.ids_)}
        coded_rows = [index[i] for i in coded]
        coded_slugs = [
            sorted({taxonomy.resolve(name) or "" for name in coded[i] if name} - {""})
            for i in coded
        ]
        assigner = self.assigner or ThemeAssigner()
        texts = [self.texts_[i] for i in present]
        assigner.fit(
            taxonomy,
            np.split(flat, splits),
            coded_vectors=self.embeddings_[coded_rows] if coded_rows else None,
            coded_themes=coded_slugs if coded_rows else None,
            unlabelled_vectors=self.embeddings_[present],
            unlabelled_texts=texts,
            coded_texts=[self.texts_[r] for r in coded_rows] if coded_rows else None,
        )
        self.assigner_ = assigner
        scores = assigner.predict(self.embeddings_[present], texts)
        slugs = assigner.slugs_
        for j, i in enumerate(present):
            if (
                self.kinds_[i] == Kind.NON_ANSWER
                and assigner.non_answer_theme_ >= 0
                and not (assigner.supervised_)
            ):
                main[i], themes[i], prob[i] = slugs[assigner.non_answer_theme_], [], 1.0
                themes[i] = [main[i]]  # type: ignore[list-item]
                continue
            if scores.main[j] >= 0:
                main[i] = slugs[scores.main[j]]
                themes[i] = [slugs[t] for t in scores.themes[j]]
            prob[i] = float(scores.probability[j])
        # The team's own coding stands for the comments they coded.
        for row, slugs_i in zip(coded_rows, coded_slugs, strict=True):
            main[row] = slugs_i[0] if slugs_i else None
            themes[row] = list(slugs_i)
            prob[row] = 1.0
        return main, themes, prob

    def _bertopic(self) -> Any:
        from bertopic import BERTopic
        from hdbscan import HDBSCAN
        from sklearn.feature_extraction.text import CountVectorizer
        from umap import UMAP

        reducer = self.reducer or UMAP(
            n_neighbors=15,
            n_components=5,
            min_dist=0.0,
            metric="cosine",
            random_state=self.random_state,
            low_memory=True,
        )
        clusterer = self.clusterer or HDBSCAN(
            min_cluster_size=self.min_topic_size,
            min_samples=max(2, self.min_topic_size // 2),
            metric="euclidean",
            cluster_selection_method="eom",
            prediction_data=False,
        )
        vectorizer = self.vectorizer or CountVectorizer(stop_words="english", ngram_range=(1, 2))
        return BERTopic(
            umap_model=reducer,
            hdbscan_model=clusterer,
            vectorizer_model=vectorizer,
            top_n_words=self.n_keywords,
            calculate_probabilities=False,
            verbose=False,
        )

    def _fit_topics(
        self, present: list[int], main: list[str | None], themes: list[list[str]], prob: list[float]
    ) -> None:
        n = len(self.ids_)
        label = np.full(n, -1, dtype=np.int64)
        # Themed comments: one topic per theme in use, largest first.
        sizes = Counter(m for m in main if m)
        theme_topic = {slug: k for k, (slug, _) in enumerate(sizes.most_common())}
        for i, m in enumerate(main):
            if m:
                label[i] = theme_topic[m]
        offset = len(theme_topic)
        # Everything else goes to BERTopic; identical texts are clustered once.
        rest = [i for i in present if not main[i] and self.kinds_[i] != Kind.EMPTY]
        unique = list(dict.fromkeys(self.texts_[i] for i in rest))
        self.bertopic_keywords_: dict[int, list[str]] = {}
        if len(unique) >= max(3 * self.min_topic_size, 30):
            self._say(f"clustering {len(unique)} distinct comments with BERTopic")
            first: dict[str, int] = {}
            for i in rest:
                first.setdefault(self.texts_[i], i)
            emb = self.embeddings_[[first[u] for u in unique]]
            model = self._bertopic()
            found, _ = model.fit_transform(unique, embeddings=emb)
            of_text = dict(zip(unique, found, strict=True))
            for i in rest:
                k = int(of_text[self.texts_[i]])
                label[i] = offset + k if k >= 0 else -1
            for k in set(found) - {-1}:
                self.bertopic_keywords_[offset + int(k)] = [w for w, _ in model.get_topic(k) if w]
        self.theme_topic_ = theme_topic
        self.labels_ = label
        self._reduce_outliers(present)
        self._describe_topics(main)
        for i in range(n):
            if not main[i] and label[i] >= 0:
                prob[i] = float(self._outlier_sims_[i])
        self.assignments_ = [
            Assignment(self.ids_[i], int(self.labels_[i]), main[i], themes[i], round(prob[i], 4))
            for i in range(n)
        ]

    def _centroids(self) -> tuple[np.ndarray, np.ndarray]:
        keys = np.array(sorted(set(self.labels_.tolist()) - {-1}), dtype=np.int64)
        if len(keys) == 0:
            return keys, np.zeros((0, self.embeddings_.shape[1]), dtype=np.float32)
        cents = np.stack([self.embeddings_[self.labels_ == k].mean(axis=0) for k in keys])
        return keys, _l2(cents).astype(np.float32)

    def _reduce_outliers(self, present: list[int]) -> None:
        # Give each unthemed outlier its nearest candidate topic when it is close enough.
        self._outlier_sims_ = np.zeros(len(self.ids_), dtype=np.float32)
        keys, cents = self._centroids()
        candidate = np.array([k >= len(self.theme_topic_) for k in keys], dtype=bool)
        if len(keys) == 0:
            return
        sims = self.embeddings_ @ cents.T
        for i in present:
            if self.labels_[i] >= len(self.theme_topic_) or self.labels_[i] == -1:
                if not candidate.any():
                    continue
                s = np.where(candidate, sims[i], -np.inf)
                j = int(s.argmax())
                if self.labels_[i] == -1 and s[j] >= self.outlier_threshold:
                    self.labels_[i] = keys[j]
                self._outlier_sims_[i] = max(float(s[j]), 0.0)

    def _describe_topics(self, main: list[str | None]) -> None:
        from sklearn.feature_extraction.text import CountVectorizer

        keys, cents = self._centroids()
        self.topic_keys_, self.topic_centroids_ = keys, cents
        topics: list[Topic] = []
        if len(keys) == 0:
            self.topics_ = topics
            return
        docs = [" ".join(self.texts_[i] for i in np.flatnonzero(self.labels_ == k)) for k in keys]
        try:
            cv = CountVectorizer(stop_words="english", ngram_range=(1, 2))
            counts = cv.fit_transform(docs)
            ctfidf = class_tfidf(counts)
            words = cv.get_feature_names_out()
        except ValueError:  # nothing but stop words
            ctfidf, words = None, np.array([])
        by_slug = {v: k for k, v in self.theme_topic_.items()}
        for row, (k, cent) in enumerate(zip(keys, cents, strict=True)):
            members = np.flatnonzero(self.labels_ == k)
            if ctfidf is not None:
                weights = ctfidf[row].toarray().ravel()
                top = [
                    words[j] for j in weights.argsort()[::-1][: self.n_keywords] if weights[j] > 0
                ]
            else:
                top = []
            sims = self.embeddings_[members] @ cent
            reps: list[str] = []
            seen: set[str] = set()
            for j in members[np.argsort(-sims)]:
                if self.texts_[j] not in seen:
                    seen.add(self.texts_[j])
                    reps.append(self.ids_[j])
                if len(reps) == self.n_representatives:
                    break
            slug = by_slug.get(int(k))
            theme = self.taxonomy_.get(slug) if (slug and self.taxonomy_) else None
            keywords = top or self.bertopic_keywords_.get(int(k), [])
            label = theme.name if theme else "_".join([str(k), *keywords[:3]])
            topics.append(
                Topic(int(k), label, list(keywords), int(len(members)), reps, slug, slug is None)
            )
        self.topics_ = topics

    # ---- transform -----------------------------------------------------------------------
    def transform(
        self, texts: Sequence[object], ids: Sequence[str] | None = None
    ) -> list[Assignment]:
        """Assign new comments to the fitted themes and topics without refitting."""
        ids = [str(i) for i in (ids if ids is not None else range(len(texts)))]
        cleaned = clean_comments(texts)
        present = [i for i, c in enumerate(cleaned) if c.kind is not Kind.EMPTY]
        out = [Assignment(i, -1, None, [], 0.0) for i in ids]
        if not present:
            return out
        X = self._embed([cleaned[i].text for i in present])
        assigner = self.assigner_
        scores = (
            assigner.predict(X, [cleaned[i].text for i in present])
            if assigner is not None
            else None
        )
        candidate = np.array([k >= len(self.theme_topic_) for k in self.topic_keys_], dtype=bool)
        sims = X @ self.topic_centroids_.T if len(self.topic_keys_) else np.zeros((len(X), 0))
        for j, i in enumerate(present):
            a = out[i]
            if scores is not None and assigner is not None:
                slugs = assigner.slugs_
                if (
                    cleaned[i].kind is Kind.NON_ANSWER
                    and assigner.non_answer_theme_ >= 0
                    and not assigner.supervised_
                ):
                    a.theme = slugs[assigner.non_answer_theme_]
                    a.themes, a.probability = [a.theme], 1.0
                elif scores.main[j] >= 0:
                    a.theme = slugs[scores.main[j]]
                    a.themes = [slugs[t] for t in scores.themes[j]]
                    a.probability = float(scores.probability[j])
            if a.theme is not None:
                a.topic = self.theme_topic_.get(a.theme, -1)
            elif candidate.any():
                s = np.where(candidate, sims[j], -np.inf)
                best = int(s.argmax())
                a.probability = max(float(s[best]), 0.0)
                if s[best] >= self.outlier_threshold:
                    a.topic = int(self.topic_keys_[best])
        return out

    # ---- editing -------------------------------------------------------------------------
    def _relabel(self) -> None:
        main = [a.theme for a in self.assignments_]
        for a, k in zip(self.assignments_, self.labels_, strict=True):
            a.topic = int(k)
        self._describe_topics(main)

    def merge_topics(self, topic_ids: Sequence[int]) -> TopicPipeline:
        """Merge topics into the first one given (a theme topic keeps its theme)."""
        keep, *others = [int(t) for t in topic_ids]
        known = set(self.labels_.tolist())
        if keep not in known or any(t not in known for t in others):
            raise PipelineError(f"unknown topic in {list(topic_ids)}")
        self.labels_[np.isin(self.labels_, others)] = keep
        for slug, k in list(self.theme_topic_.items()):
            if k in others:
                del self.theme_topic_[slug]
        self._relabel()
        return self

    def split_topic(self, topic_id: int, n_parts: int = 2) -> TopicPipeline:
        """Split a topic into `n_parts` by k-means on its comments' embeddings."""
        from sklearn.cluster import KMeans

        members = np.flatnonzero(self.labels_ == topic_id)
        if len(members) < 2 * n_parts:
            raise PipelineError(f"topic {topic_id} is too small to split into {n_parts}")
        parts = KMeans(n_clusters=n_parts, n_init=10, random_state=self.random_state).fit_predict(
            self.embeddings_[members]
        )
        start = int(self.labels_.max()) + 1
        for p in range(1, n_parts):
            self.labels_[members[parts == p]] = start + p - 1
        self._relabel()
        return self

    # ---- persistence ---------------------------------------------------------------------
    def save(self, directory: str | Path) -> None:
        """Write the fitted model as JSON plus .npy arrays (no pickle anywhere)."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        a = self.assigner_
        meta: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "model_id": self._embedder().model_id,
            "params": {k: getattr(self, k) for k in (
                "min_topic_size", "outlier_threshold", "n_keywords", "n_representatives",
                "random_state")},  # fmt: skip
            "taxonomy": self.taxonomy_.to_dict() if self.taxonomy_ else None,
            "ids": self.ids_, "texts": self.texts_, "kinds": self.kinds_,
            "theme_topic": self.theme_topic_,
            "assignments": [vars(x) for x in self.assignments_],
            "topics": [t.to_dict() for t in self.topics_],
            "bertopic_keywords": {str(k): v for k, v in self.bertopic_keywords_.items()},
        }  # fmt: skip
        arrays = {"embeddings": self.embeddings_, "labels": self.labels_}
        if a is not None:
            meta["assigner"] = {
                "params": a.__dict__ and {k: v for k, v in vars(a).items() if not k.endswith("_")},
                "slugs": a.slugs_, "non_answer_theme": a.non_answer_theme_,
                "supervised": a.supervised_, "temperature": getattr(a, "temperature_", None),
                "aligned": sorted([t, c] for t, c in getattr(a, "aligned_", {}).items()),
            }  # fmt: skip
            arrays |= {"proto_matrix": a.proto_matrix_, "proto_owner": a.proto_owner_,
                       "proto_mean": a.proto_mean_}  # fmt: skip
            if a.supervised_:
                arrays |= {"coded_vectors": a.coded_vectors_, "coded_labels": a.coded_labels_}
            if a.lexical_ is not None:
                lex_meta, lex_arrays = a.lexical_.to_state()
                meta["assigner"]["lexical"] = lex_meta
                arrays |= lex_arrays
            if a.lex_centroids_ is not None:
                meta["assigner"]["lex_centroids"] = True  # not the file: a folder may hold old ones
                arrays |= sparse_state(a.lex_centroids_, "lexc")
        (d / "model.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        for name, arr in arrays.items():
            np.save(d / f"{name}.npy", np.ascontiguousarray(arr), allow_pickle=False)

    @classmethod
    def load(cls, directory: str | Path, embedder: Embedder | None = None) -> TopicPipeline:
        """Load a model written by `save`; arrays are read with allow_pickle=False."""
        d = Path(directory)
        try:
            meta = json.loads((d / "model.json").read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError) as exc:
            raise PipelineError(
                f"{d}: not a saved topics model ({exc.__class__.__name__})"
            ) from exc
        if meta.get("format") != FORMAT_VERSION:
            raise PipelineError(f"{d}: unsupported model format {meta.get('format')!r}")

        def arr(name: str) -> np.ndarray:
            return np.load(d / f"{name}.npy", allow_pickle=False)

        tax = Taxonomy.from_dict(meta["taxonomy"]) if meta["taxonomy"] else None
        self = cls(embedder=embedder, taxonomy=tax, **meta["params"])
        if self.embedder is not None and self.embedder.model_id != meta["model_id"]:
            raise PipelineError(
                f"{d}: fitted with {meta['model_id']}, not {self.embedder.model_id}"
            )
        self.taxonomy_, self.ids_, self.texts_ = tax, meta["ids"], meta["texts"]
        self.kinds_ = meta["kinds"]
        self.theme_topic_ = {k: int(v) for k, v in meta["theme_topic"].items()}
        self.bertopic_keywords_ = {int(k): v for k, v in meta["bertopic_keywords"].items()}
        self.embeddings_, self.labels_ = arr("embeddings"), arr("labels")
        self.assignments_ = [Assignment(**x) for x in meta["assignments"]]
        self.topics_ = [Topic(**t) for t in meta["topics"]]
        self.topic_keys_, self.topic_centroids_ = self._centroids()
        self.assigner_ = None
        if (info := meta.get("assigner")) and tax is not None:
            a = ThemeAssigner(**info["params"])
            a.slugs_, a.non_answer_theme_ = info["slugs"], int(info["non_answer_theme"])
            a.supervised_ = bool(info["supervised"])
            a.aligned_ = {int(t): int(c) for t, c in info.get("aligned", [])}
            a.proto_matrix_, a.proto_owner_ = arr("proto_matrix"), arr("proto_owner")
            a.proto_mean_ = arr("proto_mean")
            a.prototypes_ = [a.proto_matrix_[a.proto_owner_ == t] for t in range(len(a.slugs_))]
            if a.supervised_:
                a.coded_vectors_, a.coded_labels_ = arr("coded_vectors"), arr("coded_labels")
                a.temperature_ = float(info["temperature"])
            a.lexical_ = None
            if (lex := info.get("lexical")) is not None:
                names = ("lex_idf", "lex_data", "lex_indices", "lex_indptr")
                a.lexical_ = LexicalMatcher.from_state(
                    lex, {n: arr(n) for n in names}, len(a.slugs_)
                )
            a.lex_centroids_ = None
            if info.get("lex_centroids") and a.lexical_ is not None:
                parts = ("lexc_data", "lexc_indices", "lexc_indptr")
                shape = (len(a.slugs_) + 1, len(a.lexical_.vocabulary_))
                a.lex_centroids_ = sparse_from_state({n: arr(n) for n in parts}, "lexc", shape)
            self.assigner_ = a
        return self
