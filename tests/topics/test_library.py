"""The topics library's fast parts: no model needed."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from topics import (
    CachedEmbedder,
    EmbeddingCache,
    HashingEmbedder,
    ThemeAssigner,
    builtin_taxonomy,
    clean_comment,
    evaluate,
)
from topics.preprocess import Kind


def test_importing_topics_loads_no_flask_sqlalchemy_or_engage() -> None:
    code = (
        "import sys, topics, topics.cli, topics.pipeline, topics.mapping\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'engage')]\n"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"topics pulled in app modules: {out.stdout}"


@pytest.mark.parametrize(
    ("raw", "kind", "text"),
    [
        ("", Kind.EMPTY, ""),
        ("   ...  ", Kind.EMPTY, ""),
        (None, Kind.EMPTY, ""),
        ("Nothing.", Kind.NON_ANSWER, "Nothing."),
        ("n/a", Kind.NON_ANSWER, "n/a"),
        ("Parking", Kind.SHORT, "Parking"),
        ("THE FOOD WAS COLD", Kind.TEXT, "The food was cold"),
        ("The docter was sooooo freindly", Kind.TEXT, "The doctor was soo friendly"),
    ],
)
def test_real_comments_are_cleaned_and_classified(raw: object, kind: Kind, text: str) -> None:
    cleaned = clean_comment(raw)
    assert (cleaned.kind, cleaned.text) == (kind, text)


def test_builtin_taxonomy_starts_from_the_seed_table_and_adds_patient_experience_themes() -> None:
    slugs = set(builtin_taxonomy().slugs)
    seed = {"appointments", "contact-by-telephone", "digital-barriers", "parking",
            "public-transport", "waiting-times", "dental-access",
            "medicines-and-prescribing"}  # fmt: skip
    experience = {"staff-attitude", "information-and-communication", "cleanliness",
                  "food-and-drink", "environment-and-facilities", "nothing-to-improve"}  # fmt: skip
    assert seed <= slugs, f"seed themes missing: {seed - slugs}"
    assert experience <= slugs, f"patient-experience themes missing: {experience - slugs}"
    assert all(t.description and t.examples for t in builtin_taxonomy().themes)


def test_second_embedding_of_the_same_texts_embeds_nothing_new(tmp_path) -> None:  # noqa: ANN001
    cache = EmbeddingCache(tmp_path / "e.sqlite3")
    first = CachedEmbedder(HashingEmbedder(), cache).embed(["a b", "c d", "a b"])
    again = CachedEmbedder(HashingEmbedder(), cache)
    second = again.embed(["c d", "a b", "new text"])
    assert again.n_embedded_ == 1, "only the new text should be embedded"
    np.testing.assert_allclose(second[:2], first[[1, 0]])


def test_cache_keys_include_the_model_so_models_never_share_vectors(tmp_path) -> None:  # noqa: ANN001
    cache = EmbeddingCache(tmp_path / "e.sqlite3")
    CachedEmbedder(HashingEmbedder(dim=64), cache).embed(["same text"])
    other = CachedEmbedder(HashingEmbedder(dim=32), cache)
    assert other.embed(["same text"]).shape == (1, 32)
    assert other.n_embedded_ == 1


def _toy_assigner(**params: float) -> ThemeAssigner:
    tax = builtin_taxonomy()
    rng = np.random.default_rng(0)
    # The real model's 384 dimensions: in a handful, random themes sit close to any vector.
    protos = [rng.normal(size=(2, 384)) for _ in tax.themes]
    return ThemeAssigner(**params).fit(tax, protos), protos  # type: ignore[return-value]


def test_assigner_abstains_on_comments_far_from_every_theme() -> None:
    assigner, protos = _toy_assigner(self_training=0)
    near = protos[3][0] + 0.01
    far = -np.sum([p.mean(axis=0) for p in protos], axis=0)
    scores = assigner.predict(np.stack([near, far]))
    assert scores.main[0] == 3, "a comment on top of a theme's example gets that theme"
    assert scores.main[1] == -1, "a comment unlike every theme gets no theme"


def test_coded_comments_teach_the_assigner_a_new_theme() -> None:
    tax = builtin_taxonomy().with_themes(["Hospital radio"])
    rng = np.random.default_rng(1)
    protos = [rng.normal(size=(2, 16)) for _ in tax.themes]
    radio = rng.normal(size=16)
    coded = np.stack([radio + 0.1 * rng.normal(size=16) for _ in range(5)])
    assigner = ThemeAssigner().fit(tax, protos, coded, [["hospital-radio"]] * 5)
    scores = assigner.predict(radio[None, :] + 0.05)
    assert assigner.slugs_[scores.main[0]] == "hospital-radio"
    assert 0.0 < scores.probability[0] <= 1.0


def test_scoring_in_chunks_gives_the_same_themes_as_scoring_at_once() -> None:
    # Chunking bounds memory at 50k comments; it must not change a single decision.
    tax = builtin_taxonomy()
    rng = np.random.default_rng(2)
    protos = [rng.normal(size=(3, 32)) for _ in tax.themes]
    comments = np.concatenate([p + 0.3 * rng.normal(size=p.shape) for p in protos])
    at_once = ThemeAssigner(chunk_size=10_000).fit(tax, protos, unlabelled_vectors=comments)
    chunked = ThemeAssigner(chunk_size=7).fit(tax, protos, unlabelled_vectors=comments)
    np.testing.assert_allclose(chunked.proto_matrix_, at_once.proto_matrix_, atol=1e-5)
    a, b = at_once.predict(comments), chunked.predict(comments)
    assert (a.main >= 0).mean() > 0.9, "comments near a theme's examples are themed"
    np.testing.assert_array_equal(a.main, b.main)
    assert a.themes == b.themes
    np.testing.assert_allclose(a.probability, b.probability, atol=1e-5)


def test_embedding_many_texts_returns_one_float32_row_per_text(tmp_path) -> None:  # noqa: ANN001
    texts = [f"comment {i % 7}" for i in range(50)]
    out = CachedEmbedder(HashingEmbedder(), EmbeddingCache(tmp_path / "e.sqlite3")).embed(texts)
    assert out.shape == (50, 256) and out.dtype == np.float32
    np.testing.assert_array_equal(out[0], out[7])
    assert not np.array_equal(out[0], out[1])


def test_evaluate_scores_a_perfect_assignment_as_one() -> None:
    topics = {"1": 0, "2": 0, "3": 1, "4": -1}
    themes = {"1": ["a"], "2": ["a"], "3": ["b"], "4": []}
    labels = {"1": ["x"], "2": ["x"], "3": ["y", "x"], "4": ["z"]}
    report = evaluate(topics, themes, labels)
    scores = {c.category: c for c in report.categories}
    assert scores["y"].theme_f1 == 1.0 and scores["y"].theme == "b"
    assert scores["x"].theme == "a" and scores["x"].theme_f1 == pytest.approx(0.8)
    assert scores["z"].theme_f1 == 0.0 and report.outlier_share == 0.25
