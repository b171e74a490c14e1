"""Survey results: each question's counts, routing, the FFT score, cross-tabs and downloads,
checked against fixtures counted by hand, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from engage.extensions import db
from engage.models import Answer, AuditEvent, Comment, CommentTheme, Response, Role, Survey, Theme
from engage.services import responses as runner
from engage.services import survey_results as sr
from engage.services.suppression import Hidden
from tests.conftest import csrf_token_from
from tests.factories import FFT, create_survey

EASE = ["Very difficult", "Difficult", "Neither easy nor difficult", "Easy", "Very easy"]

SECTIONS: list[tuple[str, list[dict[str, Any]]]] = [
    (
        "Your journey",
        [
            {
                "key": "how",
                "kind": "single_choice",
                "text": "How did you get there?",
                "options": ["Bus", "Car", "Walked"],
            },
            {
                "key": "ease",
                "kind": "rating",
                "text": "How easy was the bus?",
                "options": EASE,
                "show_if": {"question": "how", "equals": "Bus"},
            },
            {
                "key": "modes",
                "kind": "multi_choice",
                "text": "What did you use on the way?",
                "options": ["Bus", "Car", "Walked"],
            },
            {"key": "minutes", "kind": "number", "text": "How many minutes did it take?"},
            {"key": "fft", "kind": "fft", "text": "Overall, how was your visit?", "options": FFT},
            {"key": "why", "kind": "free_text_long", "text": "Tell us why"},
        ],
    )
]

# 30 responses, counted by hand in the tests below. Group D answered the bus question too,
# then chose Car: routing hid it, so it is dropped when they send and is never counted.
GROUPS: list[tuple[int, dict[str, Any]]] = [
    (10, {"how": "Bus", "ease": 1, "modes": ["Bus", "Walked"], "minutes": 30, "fft": "Very good"}),
    (5, {"how": "Bus", "ease": 4, "modes": ["Bus"], "minutes": 60, "fft": "Good", "why": "Late"}),
    (8, {"how": "Car", "modes": ["Car"], "minutes": 20, "fft": "Poor", "why": "Parking"}),
    (4, {"how": "Car", "ease": 5, "modes": ["Car"], "minutes": 10, "fft": "Don't know"}),
    (3, {}),
]


def _submit(survey: Survey, answers: dict[str, Any], when: datetime | None = None) -> Response:
    response = runner.start_response(survey).response
    questions = {q.key: q for s in survey.sections for q in s.questions}
    for key, value in answers.items():
        db.session.add(Answer(response_id=response.id, question_id=questions[key].id, value=value))
    db.session.commit()
    runner.submit(response.id)
    if when is not None:
        response.submitted_at = when
        db.session.commit()
    return response


@pytest.fixture
def survey(app: Flask) -> Survey:
    app.config["ENGAGE_SMALL_NUMBER_THRESHOLD"] = 3
    made = create_survey(slug="journeys", sections=SECTIONS)
    for count, answers in GROUPS:
        for _ in range(count):
            _submit(made, answers)
    return made


def _question(results: sr.SurveyResults, key: str) -> sr.QuestionResult:
    return next(q for q in results.questions if q.key == key)


def _counts(q: sr.QuestionResult) -> dict[str, int | None]:
    return {r.label: r.cell.value for r in q.results}


def test_each_option_counts_the_residents_who_chose_it_with_not_answered_apart(survey):
    results = sr.survey_results(survey.id)
    assert results.respondents == 30
    how = _question(results, "how")
    assert how.shown == 30
    assert _counts(how) == {"Bus": 15, "Car": 12, "Walked": 0}
    assert [r.percent for r in how.results] == [50.0, 40.0, 0.0]
    assert how.not_answered.value == 3
    assert how.answered.value == 27


def test_a_routed_question_counts_only_the_residents_it_was_shown_to(survey):
    ease = _question(sr.survey_results(survey.id), "ease")
    assert ease.routed
    # Shown to the 15 bus users: the 4 who answered it and then chose Car are not counted,
    # and the 15 car users and 3 blank responses are not "not answered".
    assert ease.shown == 15
    assert _counts(ease) == {
        "Very difficult": 10,
        "Difficult": 0,
        "Neither easy nor difficult": 0,
        "Easy": 5,
        "Very easy": 0,
    }
    assert ease.not_answered.value == 0
    assert ease.top is not None and ease.top.labels == ("Easy", "Very easy")
    assert ease.top.percent == 33.3
    assert ease.bottom is not None and ease.bottom.percent == 66.7


def test_multiple_choice_counts_each_option_so_percentages_add_up_to_more_than_100(survey):
    modes = _question(sr.survey_results(survey.id), "modes")
    assert modes.multiple
    assert _counts(modes) == {"Bus": 15, "Car": 12, "Walked": 10}
    assert sum(r.percent or 0 for r in modes.results) > 100
    assert modes.not_answered.value == 3


def test_a_number_question_gives_median_and_quartiles_not_a_mean(survey):
    minutes = _question(sr.survey_results(survey.id), "minutes")
    assert minutes.stats is not None
    # 27 answers: 4 x 10, 8 x 20, 10 x 30, 5 x 60 minutes.
    assert minutes.stats.answered == 27
    assert minutes.stats.median == 30
    assert minutes.stats.lower_quartile == 20
    assert minutes.stats.upper_quartile == 30
    histogram = {c.label: c.value for c in minutes.stats.histogram.cells}
    assert sum(v or 0 for v in histogram.values()) == 27
    assert len(histogram) >= 3, "a histogram has several bins"


def test_the_fft_score_is_the_share_of_all_responses_that_were_positive_or_negative(survey):
    fft = sr.survey_results(survey.id).fft
    assert fft is not None
    # 27 answers: 10 very good + 5 good = 15 (56%); 8 poor (30%); 4 don't know count in the total.
    assert fft.overall.responses.value == 27
    assert fft.overall.positive_percent == 56
    assert fft.overall.negative_percent == 30
    assert len(fft.by_month) == 1 and fft.by_month[0].responses.value == 27


def test_free_text_gives_how_many_answered_its_themes_and_redacted_quotes(survey):
    theme = Theme(slug="parking", name="Parking", description="")
    db.session.add(theme)
    db.session.flush()
    comments = list(db.session.scalars(select(Comment).where(Comment.survey_id == survey.id)))
    assert len(comments) == 13, "each free-text answer became one comment"
    for c in comments:
        c.moderation_state = "approved"
        c.redacted_text = c.original_text.upper()
        if c.original_text == "Parking":
            db.session.add(CommentTheme(comment_id=c.id, theme_id=theme.id, source="person"))
    db.session.commit()
    why = _question(sr.survey_results(survey.id), "why")
    assert why.answered.value == 13
    assert [(t.name, t.cell.value) for t in why.themes] == [("Parking", 8)]
    assert why.quotes and all(q.text in ("LATE", "PARKING") for q in why.quotes)
    # The themes of the answers, by the answer to a closed question.
    table = sr.crosstab(survey.id, why.question_id, f"question:{_id(survey, 'how')}").table
    assert table.rows == ["Bus", "Car"]
    assert table.columns == ["Parking"]
    assert [c.value for c in table.row_totals] == [5, 8]
    assert [[c.value for c in row] for row in table.cells] == [[0], [8]]


def _id(survey: Survey, key: str) -> int:
    return next(q.id for s in survey.sections for q in s.questions if q.key == key)


def test_a_crosstab_gives_counts_with_row_percentages(survey):
    ct = sr.crosstab(survey.id, _id(survey, "modes"), f"question:{_id(survey, 'how')}")
    table = ct.table
    assert table.rows == ["Bus", "Car"]
    assert table.columns == ["Bus", "Car", "Walked"]
    assert [[c.value for c in row] for row in table.cells] == [[15, 0, 10], [0, 12, 0]]
    assert [c.value for c in table.row_totals] == [15, 12]
    assert table.total == 27
    assert table.row_percentages()[0] == [100.0, 0.0, pytest.approx(66.7, abs=0.05)]
    assert "more than 100" in ct.note


def test_a_crosstab_by_channel_and_by_place_names_the_unknown(survey):
    by_channel = sr.crosstab(survey.id, _id(survey, "how"), "channel").table
    assert by_channel.rows == ["Public link"]
    assert [c.value for c in by_channel.cells[0]] == [15, 12, 0]
    by_place = sr.crosstab(survey.id, _id(survey, "how"), "place").table
    assert by_place.rows == ["Not known"]


def test_filters_limit_the_responses_counted(survey, app):
    late = datetime(2031, 5, 1, tzinfo=UTC).replace(tzinfo=None)
    for _ in range(4):
        _submit(survey, {"how": "Walked"}, when=late)
    everything = _question(sr.survey_results(survey.id), "how")
    assert _counts(everything)["Walked"] == 4
    since = sr.ResultsFilter(date_from=late.date())
    only_late = sr.survey_results(survey.id, since)
    assert only_late.respondents == 4
    assert _counts(_question(only_late, "how")) == {"Bus": 0, "Car": 0, "Walked": 4}
    nobody = sr.survey_results(survey.id, sr.ResultsFilter(channel="panel"))
    assert nobody.respondents == 0


def test_an_answer_no_longer_offered_is_listed_as_such_and_a_new_option_counts_from_zero(
    survey,
):
    how = next(q for s in survey.sections for q in s.questions if q.key == "how")
    for _ in range(3):
        _submit(survey, {"how": "Taxi"})
    how.options = [*how.options, "Tram"]
    db.session.commit()
    counts = _counts(_question(sr.survey_results(survey.id), "how"))
    assert counts["Tram"] == 0
    assert counts["Taxi (no longer an option)"] == 3


def test_small_counts_are_hidden_with_the_default_threshold(survey, app):
    app.config["ENGAGE_SMALL_NUMBER_THRESHOLD"] = 10
    results = sr.survey_results(survey.id)
    how = _question(results, "how")
    # 15 and 12 are shown; the 3 not answered are hidden, and so is one more count, so that
    # the 3 cannot be worked out from the 30 shown as the total.
    assert how.not_answered.value is None and how.not_answered.hidden is Hidden.SMALL
    hidden = [r for r in how.results if r.cell.value is None]
    assert hidden and all(r.percent is None for r in hidden)
    assert _question(results, "minutes").stats is not None


def test_a_survey_with_fewer_respondents_than_the_threshold_shows_no_breakdown(app):
    app.config["ENGAGE_SMALL_NUMBER_THRESHOLD"] = 10
    made = create_survey(slug="tiny", sections=SECTIONS)
    for _ in range(4):
        _submit(made, {"how": "Bus", "fft": "Good"})
    results = sr.survey_results(made.id)
    assert results.too_few and results.respondents is None
    assert all(q.results == [] and q.stats is None for q in results.questions)
    ct = sr.crosstab(made.id, _id(made, "how"), "channel")
    assert ct.too_few


def test_the_results_page_shows_every_question_to_every_staff_role(survey, client, auth):
    for role in (Role.VIEWER, Role.COMMISSIONER, Role.ENGAGEMENT, Role.ADMIN):
        auth.login(role, email=f"{role.value}-results@example.org")
        page = client.get(f"/staff/surveys/{survey.id}/results")
        assert page.status_code == 200, role
        html = page.get_data(as_text=True)
        for q in ("How did you get there?", "How easy was the bus?", "Tell us why"):
            assert q in html
        assert "56%" in html, "the FFT score is on the page"
        assert 'role="img"' in html, "each question has its chart"
        auth.logout()


def test_the_results_page_needs_a_signed_in_staff_member(survey, client):
    page = client.get(f"/staff/surveys/{survey.id}/results")
    assert page.status_code == 302 and "/staff/sign-in" in page.headers["Location"]


def test_results_download_as_csv_has_the_numbers_and_defuses_formulas(survey, client, auth):
    how = next(q for s in survey.sections for q in s.questions if q.key == "how")
    _submit(survey, {"how": "=HYPERLINK(1)"})
    auth.login(Role.VIEWER)
    body = client.get(f"/staff/surveys/{survey.id}/results/export?format=csv")
    assert body.status_code == 200
    rows = list(csv.reader(io.StringIO(body.get_data(as_text=True).lstrip("\ufeff"))))
    assert [how.text, "Bus", "15", "48.4%"] in rows
    assert any(r[1].startswith("'=HYPERLINK") for r in rows if len(r) > 1)
    xlsx = client.get(f"/staff/surveys/{survey.id}/results/export?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_the_breakdown_page_and_its_download(survey, client, auth):
    auth.login(Role.COMMISSIONER)
    url = f"/staff/surveys/{survey.id}/results/questions/{_id(survey, 'modes')}/breakdown"
    page = client.get(url, query_string={"by": f"question:{_id(survey, 'how')}"})
    assert page.status_code == 200
    assert "row percentages" in page.get_data(as_text=True).lower()
    body = client.get(url, query_string={"by": "channel", "format": "csv"})
    rows = list(csv.reader(io.StringIO(body.get_data(as_text=True).lstrip("\ufeff"))))
    assert ["Public link", "27", "15", "55.6%", "12", "44.4%", "10", "37.0%"] in rows


def _export(client, survey_id: int, **fields: str):
    page = client.get(f"/staff/surveys/{survey_id}/results/responses")
    assert page.status_code == 200
    data = {"csrf_token": csrf_token_from(page.get_data(as_text=True)), **fields}
    return client.post(f"/staff/surveys/{survey_id}/results/responses", data=data)


def test_the_response_download_has_a_row_per_response_and_a_column_per_option(survey, client, auth):
    auth.login(Role.ENGAGEMENT)
    body = _export(client, survey.id, file_format="csv", reason="Analysis for the Board")
    assert body.status_code == 200
    rows = list(csv.reader(io.StringIO(body.get_data(as_text=True).lstrip("\ufeff"))))
    header = rows[1]
    assert header[:2] == ["Reference", "Sent"]
    assert "What did you use on the way?: Walked" in header
    assert len(rows) == 2 + 30
    why = header.index("Tell us why")
    assert {r[why] for r in rows[2:]} == {"", "[awaiting moderation]"}, "never the typed text"
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "responses_exported")
    ).one()
    assert "Analysis for the Board" in (event.note or "")
    assert event.after["demographics"] is False


def test_equality_answers_are_only_for_the_engagement_team_and_only_on_purpose(
    survey, client, auth
):
    auth.login(Role.COMMISSIONER)
    page = client.get(f"/staff/surveys/{survey.id}/results/responses")
    assert "include_demographics" not in page.get_data(as_text=True)
    forced = _export(
        client, survey.id, file_format="csv", reason="Equity audit", include_demographics="y"
    )
    header = list(csv.reader(io.StringIO(forced.get_data(as_text=True).lstrip("\ufeff"))))[1]
    assert not any("Ethnic group" in h for h in header)
    auth.logout()
    auth.login(Role.ENGAGEMENT)
    chosen = _export(
        client, survey.id, file_format="csv", reason="Equity audit", include_demographics="y"
    )
    header = list(csv.reader(io.StringIO(chosen.get_data(as_text=True).lstrip("\ufeff"))))[1]
    assert any("Ethnic group" in h for h in header)


def test_a_response_download_without_a_reason_is_refused_with_a_message(survey, client, auth):
    auth.login(Role.ENGAGEMENT)
    page = _export(client, survey.id, file_format="csv", reason="")
    assert page.status_code == 200
    assert "Say what you will use the responses for" in page.get_data(as_text=True)


def test_viewers_cannot_download_responses(survey, client, auth):
    auth.login(Role.VIEWER)
    assert client.get(f"/staff/surveys/{survey.id}/results/responses").status_code == 403


# --- the API -------------------------------------------------------------------------------


def _api(client, url: str, **query: Any):
    from engage.services import api_tokens

    secret = api_tokens.create_token("Board dashboard", 30, None)[1]
    response = client.get(url, query_string=query, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def test_the_api_gives_the_numbers_the_page_gives_suppressed_the_same_way(survey, client, app):
    app.config["ENGAGE_SMALL_NUMBER_THRESHOLD"] = 10
    body = _api(client, f"/api/v1/surveys/{survey.id}/results")
    assert body["suppression"]["threshold"] == 10
    served = {q["key"]: q for q in body["data"]["questions"]}
    for q in sr.survey_results(survey.id).questions:
        assert [o["count"] for o in served[q.key]["options"]] == [r.cell.value for r in q.results]
        assert served[q.key]["not_answered"] == q.not_answered.value
    assert served["how"]["not_answered"] is None, "3 not answered is hidden in the API too"
    assert body["data"]["fft"]["overall"]["positive_percent"] == 56
    listed = _api(client, "/api/v1/surveys")["data"]
    assert [(s["id"], s["responses"]) for s in listed] == [(survey.id, 30)]


def test_the_api_fft_score_counts_imported_ratings_beside_survey_answers(survey, client):
    for i, rating in enumerate(["Very poor"] * 6 + ["Very good"] * 7):
        db.session.add(
            Comment(
                source="fft",
                source_key=f"fft-row-{i}",
                original_text="",
                fft_rating=rating,
                service="Ribble Surgery",
            )
        )
    db.session.commit()
    everything = _api(client, "/api/v1/fft")["data"]
    # 27 answers and 13 imported ratings: 15 + 7 positive of 40, 8 + 6 negative.
    assert everything["overall"]["responses"] == 40
    assert everything["overall"]["positive_percent"] == 55
    assert everything["overall"]["negative_percent"] == 35
    services = {r["label"]: r["responses"] for r in everything["by_service"]}
    assert services["Ribble Surgery"] == 13
    one_survey = _api(client, "/api/v1/fft", survey_id=str(survey.id))["data"]
    assert one_survey["overall"]["responses"] == 27


def test_the_api_refuses_an_unknown_channel_with_a_message(survey, client):
    from engage.services import api_tokens

    secret = api_tokens.create_token("Board dashboard", 30, None)[1]
    response = client.get(
        f"/api/v1/surveys/{survey.id}/results",
        query_string={"channel": "carrier-pigeon"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 400
    assert "'channel' must be one of" in response.json["error"]["message"]


# --- where the results appear elsewhere ----------------------------------------------------


def test_the_dashboard_and_the_fft_page_give_the_score_for_every_role(survey, client, auth):
    auth.login(Role.VIEWER)
    dashboard = client.get("/staff/admin/").get_data(as_text=True)
    assert "56%</strong> positive" in dashboard and "30%</strong> negative" in dashboard
    page = client.get("/staff/surveys/results/fft")
    assert page.status_code == 200
    assert "Responses it rests on" in page.get_data(as_text=True)
    body = client.get("/staff/surveys/results/fft", query_string={"format": "csv"})
    assert "Friends and Family Test: overall,All responses,27,56%,30%" in body.get_data(
        as_text=True
    )


def test_an_intention_names_its_surveys_with_their_headline_results(survey, client, auth):
    from engage.models import Intention
    from engage.services import intentions

    intentions.load_catalogue()
    intention = db.session.scalars(select(Intention).order_by(Intention.id)).first()
    assert intention is not None
    survey.intentions.append(intention)
    db.session.commit()
    auth.login(Role.COMMISSIONER)
    for url in (
        f"/staff/reports/intentions/{intention.id}",
        f"/staff/reports/intentions/{intention.id}/board-paper",
    ):
        html = client.get(url).get_data(as_text=True)
        assert "What the surveys about it found" in html, url
        assert "Bus</strong>, 50% of those asked" in html, url
        assert "Friends and Family Test 56% positive" in html, url


def test_a_theme_linked_from_a_question_is_limited_to_that_question(survey, client, auth):
    theme = Theme(slug="late", name="Running late", description="")
    db.session.add(theme)
    db.session.flush()
    for c in db.session.scalars(select(Comment).where(Comment.survey_id == survey.id)):
        c.moderation_state = "approved"
        c.redacted_text = c.original_text
        db.session.add(CommentTheme(comment_id=c.id, theme_id=theme.id, source="person"))
    db.session.commit()
    auth.login(Role.COMMISSIONER)
    results = client.get(f"/staff/surveys/{survey.id}/results").get_data(as_text=True)
    link = f"/staff/reports/themes/{theme.id}?survey={survey.id}&amp;question={_id(survey, 'why')}"
    assert link in results
    page = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "Answers to the question: Tell us why" in page


def test_the_results_page_fft_is_the_fft_score_of_the_survey_whatever_the_filter(survey, app):
    # The page folds the score out of its one pass over the answers; the API and the FFT page
    # count it on its own. Both must say the same, filtered or not.
    app.config["ENGAGE_SMALL_NUMBER_THRESHOLD"] = 10
    for filters in (sr.ResultsFilter(), sr.ResultsFilter(channel="public")):
        assert sr.survey_results(survey.id, filters).fft == sr.fft_summary(survey.id, filters)


def test_the_dashboard_title_is_just_its_name(survey, client, auth):
    auth.login(Role.VIEWER)
    html = client.get("/staff/admin/").get_data(as_text=True)
    title = html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title.startswith("Dashboard") and "<" not in title and "Friends" not in title
