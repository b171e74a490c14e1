"""Cohen's kappa, checked against examples worked by hand, including where it is undefined."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engage.services.agreement import band, cohens_kappa, compare_coders, describe

Y, N = True, False


def test_textbook_example_gives_kappa_of_0_4():
    # 50 comments: both yes 20, first only 5, second only 10, both no 15.
    # p_o = 35/50 = 0.7; p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.5; kappa = 0.2 / 0.5 = 0.4.
    first = [Y] * 20 + [Y] * 5 + [N] * 10 + [N] * 15
    second = [Y] * 20 + [N] * 5 + [Y] * 10 + [N] * 15
    k = cohens_kappa(first, second)
    assert k.observed == pytest.approx(0.7)
    assert k.expected == pytest.approx(0.5)
    assert k.value == pytest.approx(0.4)
    assert k.count == 50
    assert k.reading == "Fair agreement (kappa 0.40)."


def test_perfect_agreement_with_both_labels_used_is_kappa_1():
    k = cohens_kappa([Y, N, Y, N, N], [Y, N, Y, N, N])
    assert k.value == 1.0
    assert k.reading == "Almost perfect agreement (kappa 1.00)."


def test_all_the_same_label_from_both_coders_is_undefined_not_a_division_by_zero():
    k = cohens_kappa([N, N, N], [N, N, N])
    assert k.value is None, "p_e is 1: kappa is 0/0 and must be reported as undefined"
    assert k.observed == 1.0 and k.expected == 1.0
    assert "same answer" in (k.reason or "")
    assert describe(k).startswith("Cannot be measured")


def test_no_shared_comments_is_undefined():
    k = cohens_kappa([], [])
    assert k.value is None and k.count == 0
    assert "no comments" in (k.reason or "")


def test_exact_opposites_give_kappa_of_minus_1():
    # p_o = 0; p_e = 0.5 * 0.5 + 0.5 * 0.5 = 0.5; kappa = -0.5 / 0.5 = -1.
    k = cohens_kappa([Y, N, Y, N], [N, Y, N, Y])
    assert k.value == pytest.approx(-1.0)
    assert band(k.value) == "poor (worse than chance)"


def test_one_coder_never_applying_a_code_gives_kappa_of_0_not_undefined():
    # p_o = 3/4; p_e = 1 * 3/4 + 0 * 1/4 = 3/4; kappa = 0: no better than chance.
    k = cohens_kappa([N, N, N, N], [Y, N, N, N])
    assert k.value == pytest.approx(0.0)
    assert k.expected == pytest.approx(0.75)


def test_more_than_two_labels():
    # 10 items, labels a/b/c; they differ on items 4, 5 and 6, so p_o = 0.7.
    # Marginals: first a5 b3 c2, second a4 b4 c2: p_e = (5*4 + 3*4 + 2*2) / 100 = 0.36.
    # kappa = (0.7 - 0.36) / (1 - 0.36) = 0.53125.
    k = cohens_kappa(list("aaaaabbbcc"), list("aaabbabbcc"))
    assert k.observed == pytest.approx(0.7)
    assert k.expected == pytest.approx(0.36)
    assert k.value == pytest.approx(0.53125)


def test_sequences_of_different_length_are_refused():
    with pytest.raises(ValueError, match="same items"):
        cohens_kappa([Y], [Y, N])


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (-0.01, "poor (worse than chance)"),
        (0.0, "slight"),
        (0.20, "slight"),
        (0.21, "fair"),
        (0.40, "fair"),
        (0.41, "moderate"),
        (0.60, "moderate"),
        (0.61, "substantial"),
        (0.80, "substantial"),
        (0.81, "almost perfect"),
        (1.0, "almost perfect"),
    ],
)
def test_landis_and_koch_bands(value, name):
    assert band(value) == name


@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=40))
def test_kappa_is_symmetric_and_at_most_1(pairs):
    first = [a for a, _ in pairs]
    second = [b for _, b in pairs]
    k, swapped = cohens_kappa(first, second), cohens_kappa(second, first)
    assert k.value == swapped.value
    if k.value is not None:
        assert -1.0 <= k.value <= 1.0
    else:
        assert len(set(first) | set(second)) == 1, "undefined only when one label is used"


def test_coders_are_compared_per_code_over_the_comments_both_finished():
    # Codes 1 (waits) and 2 (parking). Comment 14 was finished only by the first coder.
    first = {10: {1}, 11: {1, 2}, 12: set(), 13: {1}, 14: {2}}
    second = {10: {1}, 11: {1}, 12: set(), 13: set()}
    result = compare_coders(first, second, [1, 2])
    assert result.comment_ids == [10, 11, 12, 13]
    # Code 1: first Y Y N Y, second Y Y N N -> p_o 3/4, p_e 3/4*1/2 + 1/4*1/2 = 1/2, kappa 1/2.
    assert result.per_code[1].value == pytest.approx(0.5)
    # Code 2: first N Y N N, second N N N N -> p_o 3/4, p_e 3/4, kappa 0.
    assert result.per_code[2].value == pytest.approx(0.0)
    assert result.mean == pytest.approx(0.25)
    assert [(d.comment_id, d.code_id, d.applied_by_first) for d in result.disagreements] == [
        (11, 2, True),
        (13, 1, True),
    ]
    assert result.reading == (
        "Fair agreement on average (mean kappa 0.25 over 2 codes and 4 comments)."
    )


def test_overall_agreement_leaves_out_codes_where_kappa_is_undefined():
    first = {1: {7}, 2: set()}
    second = {1: {7}, 2: set()}
    result = compare_coders(first, second, [7, 8])  # nobody ever applied code 8
    assert result.per_code[8].value is None
    assert result.mean == 1.0, "code 8 cannot drag the mean down, nor count as perfect"
    only_unused = compare_coders(first, second, [8])
    assert only_unused.mean is None
    assert only_unused.reading.startswith("Cannot be measured")


def test_no_shared_comments_reads_as_not_yet_measurable():
    result = compare_coders({1: {7}}, {2: {7}}, [7])
    assert result.comment_ids == [] and result.mean is None
    assert "no comments that both coders have finished" in result.reading
