"""The pipeline on the small real model: guided themes, coding, transform, edit, save, map."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from topics import TopicPipeline, builtin_taxonomy
from topics.mapping import map_themes_to_intentions

pytestmark = pytest.mark.slow


def themes_of(pipeline: TopicPipeline) -> dict[str, str | None]:
    return {a.id: a.theme for a in pipeline.assignments_}


def test_built_in_themes_steer_plain_comments_to_the_theme_they_speak_of(guided) -> None:  # noqa: ANN001
    got = themes_of(guided)
    expected = {"c02": "parking", "c03": "parking", "c11": "food-and-drink",
                "c21": "contact-by-telephone", "c29": "cleanliness", "c41": "public-transport",
                "c23": "nothing-to-improve", "c25": "nothing-to-improve"}  # fmt: skip
    wrong = {k: got[k] for k, v in expected.items() if got[k] != v}
    assert not wrong, f"comments given the wrong theme: {wrong}"
    assert got["c26"] is None, "an empty comment gets no theme"


def test_every_comment_gets_one_assignment_and_topics_match_assignments(guided) -> None:  # noqa: ANN001
    assert len(guided.assignments_) == 48
    used = {a.topic for a in guided.assignments_} - {-1}
    assert used == {t.id for t in guided.topics_}
    for topic in guided.topics_:
        assert topic.size == sum(a.topic == topic.id for a in guided.assignments_)
        assert topic.label and topic.representative_ids


def test_transform_assigns_new_comments_without_refitting(guided) -> None:  # noqa: ANN001
    before = [t.to_dict() for t in guided.topics_]
    new = guided.transform(
        ["The car park was full again", "", "Lovely caring nurses"], ids=["n1", "n2", "n3"]
    )
    assert [a.id for a in new] == ["n1", "n2", "n3"]
    assert new[0].theme == "parking" and new[0].topic == guided.theme_topic_["parking"]
    assert new[1].theme is None and new[1].topic == -1
    assert new[2].theme == "staff-attitude"
    assert [t.to_dict() for t in guided.topics_] == before, "transform must not change the model"


def test_a_misspelt_theme_word_still_finds_its_theme(guided) -> None:  # noqa: ANN001
    # The lexical evidence is fitted with the model and saved with it (see the round trip).
    assert guided.assigner_.lexical_ is not None
    new = guided.transform(["carpark feees are a rip off", "cleanlyness of toilets was poor"])
    assert [a.theme for a in new] == ["parking", "cleanliness"]


def test_coding_teaches_a_new_theme_and_overrides_the_coded_comments(embedder, comments) -> None:  # noqa: ANN001
    ids, texts = comments
    coded = {"c37": ["Hospital radio"], "c38": ["Hospital radio"], "c06": ["staff-attitude"],
             "c23": []}  # fmt: skip
    model = TopicPipeline(embedder=embedder, taxonomy=builtin_taxonomy()).fit(texts, ids, coded)
    got = themes_of(model)
    assert got["c37"] == "hospital-radio" and got["c23"] is None, "coders' choices stand"
    assert got["c39"] == "hospital-radio", "an uncoded comment like the coded ones follows them"
    new = model.transform(["The radio station on the ward was great fun"])[0]
    assert new.theme == "hospital-radio" and 0 < new.probability <= 1


def test_unguided_fit_gives_topics_and_no_themes(embedder, comments) -> None:  # noqa: ANN001
    ids, texts = comments
    model = TopicPipeline(embedder=embedder, taxonomy=None, min_topic_size=3).fit(
        texts * 2, ids=[f"{i}-{k}" for k in range(2) for i in ids]
    )
    assert all(a.theme is None and a.themes == [] for a in model.assignments_)
    assert model.topics_, "clustering should find at least one topic in 96 comments"


def test_same_input_and_seed_give_the_same_result(embedder, comments, guided) -> None:  # noqa: ANN001
    ids, texts = comments
    again = TopicPipeline(embedder=embedder, taxonomy=builtin_taxonomy()).fit(texts, ids=ids)
    assert [vars(a) for a in again.assignments_] == [vars(a) for a in guided.assignments_]


def test_save_and_load_round_trip_without_pickle(guided, embedder, tmp_path: Path) -> None:  # noqa: ANN001
    guided.save(tmp_path / "model")
    assert not list((tmp_path / "model").glob("*.pkl"))
    for f in (tmp_path / "model").glob("*.npy"):
        np.load(f, allow_pickle=False)
    loaded = TopicPipeline.load(tmp_path / "model", embedder=embedder)
    probe = ["Parking costs too much", "nothing really", "The food was lovely"]
    assert [vars(a) for a in loaded.transform(probe)] == [vars(a) for a in guided.transform(probe)]
    assert [t.to_dict() for t in loaded.topics_] == [t.to_dict() for t in guided.topics_]
    assert loaded.assigner_.lexical_ is not None, "the lexical evidence is saved with the model"


def test_a_model_saved_before_lexical_evidence_still_loads_and_assigns(
    guided,  # noqa: ANN001
    embedder,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    import json

    guided.save(tmp_path / "old")
    meta = json.loads((tmp_path / "old" / "model.json").read_text(encoding="utf-8"))
    del meta["assigner"]["lexical"]  # what a model saved by the earlier release holds
    (tmp_path / "old" / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    for f in (tmp_path / "old").glob("lex*.npy"):
        f.unlink()
    old = TopicPipeline.load(tmp_path / "old", embedder=embedder)
    assert old.assigner_.lexical_ is None
    assert old.transform(["The car park was full again"])[0].theme == "parking"


def test_a_model_saved_over_a_coded_one_loads_as_itself(
    guided,  # noqa: ANN001
    embedder,  # noqa: ANN001
    comments,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    ids, texts = comments
    coded = TopicPipeline(embedder=embedder, taxonomy=builtin_taxonomy()).fit(
        texts, ids, {"c37": ["Hospital radio"], "c38": ["Hospital radio"]}
    )
    coded.save(tmp_path / "model")
    guided.save(tmp_path / "model")  # same folder: the coded model's extra arrays stay there
    loaded = TopicPipeline.load(tmp_path / "model", embedder=embedder)
    assert loaded.assigner_.lex_centroids_ is None, "an older model's arrays were read"
    probe = ["Parking costs too much", "The food was lovely"]
    assert [vars(a) for a in loaded.transform(probe)] == [vars(a) for a in guided.transform(probe)]


def test_merge_and_split_topics(embedder, comments) -> None:  # noqa: ANN001
    ids, texts = comments
    model = TopicPipeline(embedder=embedder, taxonomy=builtin_taxonomy()).fit(texts, ids=ids)
    parking, staff = model.theme_topic_["parking"], model.theme_topic_["staff-attitude"]
    n = len(model.topics_)
    size = {t.id: t.size for t in model.topics_}
    model.merge_topics([parking, staff])
    merged = next(t for t in model.topics_ if t.id == parking)
    assert len(model.topics_) == n - 1 and merged.size == size[parking] + size[staff]
    model.split_topic(parking, 2)
    assert len(model.topics_) == n
    assert sum(t.size for t in model.topics_) == sum(a.topic != -1 for a in model.assignments_)


def test_themes_map_to_commissioning_intentions_with_evidence(guided) -> None:  # noqa: ANN001
    catalogue = [
        ("k1", "Improve hospital car parking",
         "More parking spaces and fairer parking charges at hospital sites."),
        ("k2", "Expand NHS dental access", "Commission more NHS dentistry for new patients."),
        ("k3", "Better hospital food", "Improve the quality and choice of meals for inpatients."),
    ]  # fmt: skip
    result = {r.theme: r for r in map_themes_to_intentions(guided, catalogue, top_n=3)}
    parking = result["parking"].matches
    assert parking[0].key == "k1", "the parking intention ranks first for the parking theme"
    assert parking[0].score >= parking[1].score
    assert "parking" in parking[0].evidence.shared_terms
    assert parking[0].evidence.closest_sentences, "closest sentences from the theme's comments"
    assert result["food-and-drink"].matches[0].key == "k3"


def test_a_team_code_that_names_a_built_in_theme_differently_takes_its_comments(
    embedder,  # noqa: ANN001
    comments,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    ids, texts = comments
    coded = {"c02": ["Car parking"], "c03": ["Car parking"], "c11": ["Meals"],
             "c12": ["Meals"], "c06": ["staff-attitude"]}  # fmt: skip
    model = TopicPipeline(embedder=embedder, taxonomy=builtin_taxonomy()).fit(texts, ids, coded)
    a = model.assigner_
    aligned = {a.slugs_[t]: a.slugs_[c] for t, c in a.aligned_.items()}
    assert aligned.get("parking") == "car-parking", f"parking not aligned: {aligned}"
    assert aligned.get("food-and-drink") == "meals", f"food not aligned: {aligned}"
    assert "staff-attitude" not in aligned, "a built-in theme the team coded is its own theme"
    got = themes_of(model)
    assert got["c01"] == got["c04"] == "car-parking", "uncoded parking comments follow the code"
    assert got["c13"] == "meals" and "parking" not in got.values()
    model.save(tmp_path / "model")
    loaded = TopicPipeline.load(tmp_path / "model", embedder=embedder)
    assert loaded.assigner_.aligned_ == a.aligned_
    assert loaded.assigner_.lex_centroids_ is not None, "the coded words are saved too"
    probe = ["There is never a parking space", "The sandwiches were stale"]
    assert [x.theme for x in loaded.transform(probe)] == ["car-parking", "meals"]


def test_a_built_in_theme_unlike_every_team_code_keeps_competing(embedder, comments) -> None:  # noqa: ANN001
    ids, texts = comments
    coded = {"c11": ["Meals"], "c12": ["Meals"], "c14": ["Meals"]}
    model = TopicPipeline(embedder=embedder, taxonomy=builtin_taxonomy()).fit(texts, ids, coded)
    a = model.assigner_
    assert "parking" not in {a.slugs_[t] for t in a.aligned_}
    assert themes_of(model)["c01"] == "parking", "a subject the coders never met keeps its theme"
