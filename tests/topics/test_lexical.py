"""Lexical evidence: the words a comment uses count toward the theme they name, typos and all."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from topics import ThemeAssigner, builtin_taxonomy
from topics.lexical import LexicalMatcher

COMMENTS = [
    "The car park was full and parking cost a fortune",
    "Could not find a parking space anywhere",
    "The food was cold and the menu never changed",
    "Nice hot meals and plenty of drinks",
    "The nurses were kind",
    "Waited two hours in the waiting room",
]
THEMES = [
    "Parking at hospital: car park, parking charges, parking spaces",
    "Food and drink: meals, menu, hot food, drinks",
]


def test_a_misspelt_word_still_points_to_the_theme_it_names() -> None:
    matcher = LexicalMatcher(min_df=1).fit(COMMENTS, THEMES)
    scores = matcher.scores(["parkin was a nightmare", "the fod was horible"])
    assert scores[0].argmax() == 0 and scores[0, 0] > 2 * scores[0, 1]
    assert scores[1].argmax() == 1


def test_a_comment_sharing_no_words_with_a_theme_scores_zero_for_it() -> None:
    matcher = LexicalMatcher(min_df=1).fit(COMMENTS, THEMES)
    assert matcher.scores(["xyzzy qwvk"]).tolist() == [[0.0, 0.0]]
    assert matcher.scores([]).shape == (0, 2)


def test_feedback_teaches_a_theme_the_words_its_comments_use() -> None:
    matcher = LexicalMatcher(min_df=1, feedback=1.0).fit(COMMENTS, THEMES)
    probe = ["no spaces anywhere"]  # "spaces" and "anywhere" are only in a member comment
    before, food_before = matcher.scores(probe)[0]
    members = matcher.transform(COMMENTS[:2])
    sums = sp.vstack([members[0] + members[1], sp.csr_matrix((1, members.shape[1]))])
    matcher.expand(sp.csr_matrix(sums), np.array([2, 0]))
    after = matcher.scores(probe)
    assert after[0, 0] > before, "the parking theme learned its members' words"
    assert after[0, 1] == pytest.approx(food_before), "a theme with no members is unchanged"


def test_state_round_trips_through_plain_lists_and_arrays() -> None:
    matcher = LexicalMatcher(min_df=1).fit(COMMENTS, THEMES)
    meta, arrays = matcher.to_state()
    assert all(isinstance(a, np.ndarray) and a.dtype != object for a in arrays.values())
    again = LexicalMatcher.from_state(meta, arrays, n_themes=2)
    probe = ["parking was dear", "cold food"]
    np.testing.assert_allclose(again.scores(probe), matcher.scores(probe), rtol=1e-6)


def test_text_of_nothing_but_short_tokens_fits_without_error() -> None:
    matcher = LexicalMatcher().fit(["a", "b"], ["c"])
    assert matcher.scores(["a"]).shape == (1, 1)


def test_an_assigner_given_texts_lets_a_named_word_decide_between_close_themes() -> None:
    tax = builtin_taxonomy()
    rng = np.random.default_rng(5)
    protos = [rng.normal(size=(2, 64)) for _ in tax.themes]
    parking, food = tax.slugs.index("parking"), tax.slugs.index("food-and-drink")
    probe = (protos[parking].mean(axis=0) + protos[food].mean(axis=0))[None, :]
    texts = ["Parkin charges are too high", "The meals were cold"]
    vectors = np.repeat(probe, 2, axis=0)
    corpus = [*texts, "The nurses were lovely", "Waited for hours"]
    assigner = ThemeAssigner(self_training=0).fit(
        tax, protos, unlabelled_vectors=np.repeat(probe, 4, axis=0), unlabelled_texts=corpus
    )
    scores = assigner.predict(vectors, texts)
    assert [assigner.slugs_[m] for m in scores.main] == ["parking", "food-and-drink"]
    with pytest.raises(ValueError, match="texts"):
        assigner.predict(vectors)


def test_an_assigner_fitted_without_texts_scores_by_embeddings_alone() -> None:
    tax = builtin_taxonomy()
    rng = np.random.default_rng(6)
    protos = [rng.normal(size=(2, 32)) for _ in tax.themes]
    assigner = ThemeAssigner(self_training=0).fit(tax, protos)
    assert assigner.lexical_ is None
    assert assigner.predict(protos[4][:1] + 0.01).main[0] == 4
