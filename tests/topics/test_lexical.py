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


def _coded_assigner() -> tuple[ThemeAssigner, list[str]]:
    tax = builtin_taxonomy().with_themes(["Hospital radio"])
    rng = np.random.default_rng(7)
    protos = [rng.normal(size=(2, 32)) for _ in tax.themes]
    texts = ["The hospital radio was great", "Loved the radio quiz on the ward",
             "Parking was dear", "No parking spaces", "", "Food was cold"]  # fmt: skip
    codes = [["hospital-radio"], ["hospital-radio"], ["parking"], ["parking"], [], []]
    vectors = rng.normal(size=(len(texts), 32))
    assigner = ThemeAssigner(self_training=0).fit(
        tax, protos, vectors, codes, vectors, texts, coded_texts=texts
    )
    return assigner, texts


def test_coded_comments_give_each_theme_a_lexical_centroid_that_new_comments_are_scored_by() -> (
    None
):
    assigner, _ = _coded_assigner()
    rng = np.random.default_rng(8)
    noise = rng.normal(size=(1, 32)) * 0.01  # the embeddings say nothing; the words decide
    got = assigner.predict(noise, ["the radio show on the ward"])
    assert assigner.slugs_[got.main[0]] == "hospital-radio"


def test_leave_one_out_lexical_scores_equal_centroids_rebuilt_without_the_comment() -> None:
    # The temperature is fitted leave-one-out; the closed form must match the slow way.
    assigner, texts = _coded_assigner()
    fast = assigner._lexical_scores(texts, leave_one_out=True)
    C, Y = assigner.coded_lex_.toarray(), assigner.coded_labels_
    sums = assigner.lex_sums_.toarray()
    for i in range(len(texts)):
        rebuilt = sums - Y[i][:, None] * C[i][None, :]
        norms = np.linalg.norm(rebuilt, axis=1)
        slow = rebuilt @ C[i] / np.where(norms == 0, 1.0, norms)
        np.testing.assert_allclose(fast[i], slow, atol=1e-5)
