"""Manual coding: finding comments, the code taxonomy, coding, samples, agreement, and labels."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from engage.extensions import db
from engage.models import (
    AuditEvent,
    Code,
    CodingSample,
    Comment,
    CommentCode,
    CommentCoded,
    CommentTheme,
    Place,
    Role,
    Theme,
)
from engage.services import coding
from engage.services.comments import CommentFilter, list_comments
from tests.conftest import make_user, post_form
from tests.factories import create_survey

COMMENTS = "/staff/insight/comments"


def _comment(key: str, text: str, **kwargs) -> Comment:
    original = kwargs.pop("original", text)
    values = {"source": "fft", "moderation_state": "approved", "redacted_text": text, **kwargs}
    comment = Comment(source_key=key, original_text=original, **values)
    db.session.add(comment)
    db.session.commit()
    return comment


def _theme(slug: str, name: str, **kwargs) -> Theme:
    theme = Theme(slug=slug, name=name, **kwargs)
    db.session.add(theme)
    db.session.commit()
    return theme


def _code(name: str, theme: Theme | None = None, retired: bool = False) -> Code:
    code = Code(name=name, theme_id=theme.id if theme else None, retired=retired)
    db.session.add(code)
    db.session.commit()
    return code


def _shown(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return response.get_data(as_text=True)


# --- finding comments -------------------------------------------------------------------------


def test_list_shows_the_redacted_text_and_searches_the_original_too(client, auth):
    _comment("a", "My GP [name] was kind", original="My GP Dr Okafor was kind")
    _comment("b", "Parking was impossible")
    auth.login(Role.ENGAGEMENT)
    html = _shown(client, COMMENTS)
    assert "My GP [name] was kind" in html
    assert "Okafor" not in html, "the list shows the redacted text, not the original"
    found = _shown(client, f"{COMMENTS}?q=okafor")
    assert "1 comment matches" in found and "My GP [name] was kind" in found
    assert "Parking" not in found
    assert "1 comment matches" in _shown(client, f"{COMMENTS}?q=%5Bname%5D"), "redacted text too"


def test_search_treats_percent_and_underscore_as_plain_characters(client, auth):
    _comment("a", "Waited 100% too long")
    _comment("b", "Waited 1000 minutes")
    auth.login(Role.ENGAGEMENT)
    html = _shown(client, f"{COMMENTS}?q=100%25")
    assert "Waited 100% too long" in html and "1000 minutes" not in html


def test_filters_by_code_theme_place_survey_source_state_and_date(client, auth):
    survey = create_survey()
    lancs = Place(code="L", name="Lancashire", kind="place")
    db.session.add(lancs)
    db.session.flush()
    hood = Place(code="L1", name="Preston North", kind="neighbourhood", parent_id=lancs.id)
    db.session.add(hood)
    db.session.commit()
    waits = _theme("waits", "Waiting times")
    target = _comment(
        "t",
        "Target comment",
        source="healthwatch",
        survey_id=survey.id,
        place_id=hood.id,
        received_at=datetime(2025, 3, 10, 12),
    )
    _comment("o1", "Other source", received_at=datetime(2025, 3, 10))
    _comment("o2", "Too early", source="healthwatch", received_at=datetime(2025, 1, 1))
    _comment("o3", "Hidden one", source="healthwatch", moderation_state="hidden")
    code = _code("Urgent")
    db.session.add_all(
        [
            CommentCode(comment_id=target.id, code_id=code.id),
            CommentTheme(comment_id=target.id, theme_id=waits.id, source="person"),
        ]
    )
    db.session.commit()
    auth.login(Role.ENGAGEMENT)
    for query in (
        f"code={code.id}",
        f"theme={waits.id}",
        f"place={lancs.id}",  # a neighbourhood counts as the place it lies in
        f"survey={survey.id}",
        "source=healthwatch&state=approved&received_from%5Bday%5D=1"
        "&received_from%5Bmonth%5D=3&received_from%5Byear%5D=2025",
        "received_from%5Bday%5D=10&received_from%5Bmonth%5D=3&received_from%5Byear%5D=2025"
        "&received_to%5Bday%5D=10&received_to%5Bmonth%5D=3&received_to%5Byear%5D=2025"
        "&source=healthwatch",
    ):
        html = _shown(client, f"{COMMENTS}?{query}")
        assert "1 comment matches" in html and "Target comment" in html, query
    assert "Target comment" not in _shown(client, f"{COMMENTS}?state=hidden")


def test_a_bad_date_is_shown_as_an_error_and_left_out_of_the_filter(client, auth):
    _comment("a", "Something")
    auth.login(Role.ENGAGEMENT)
    html = _shown(client, f"{COMMENTS}?received_from%5Bday%5D=31&received_from%5Bmonth%5D=2")
    assert "There is a problem" in html and "Date must include a year" in html
    assert "Something" in html


def test_dates_the_wrong_way_round_say_so_rather_than_finding_nothing(client, auth):
    _comment("a", "Something")
    auth.login(Role.ENGAGEMENT)
    query = (
        "received_from%5Bday%5D=10&received_from%5Bmonth%5D=3&received_from%5Byear%5D=2025"
        "&received_to%5Bday%5D=1&received_to%5Bmonth%5D=3&received_to%5Byear%5D=2025"
    )
    html = _shown(client, f"{COMMENTS}?{query}").replace("&#39;", "'")
    assert "There is a problem" in html
    assert "'Received on or before' must be the same as or after 'Received on or after'" in html


def test_pages_keep_the_filters(client, auth):
    for i in range(30):
        _comment(f"k{i}", f"Parking problem {i}")
    auth.login(Role.ENGAGEMENT)
    html = _shown(client, f"{COMMENTS}?q=parking&source=fft")
    assert "30 comments match" in html
    assert 'href="/staff/insight/comments?page=2&amp;q=parking&amp;source=fft"' in html


@pytest.mark.usefixtures("app")
def test_list_comments_keeps_its_old_signature():
    db.session.add_all(
        [
            Comment(source="fft", source_key="p", original_text="Pending"),
            Comment(
                source="fft", source_key="h", original_text="Hidden", moderation_state="hidden"
            ),
        ]
    )
    db.session.commit()
    rows, total = list_comments(page=1, state="hidden")
    assert total == 1 and rows[0].original_text == "Hidden"
    rows, total = list_comments(filters=CommentFilter(text="pend"))
    assert total == 1 and rows[0].original_text == "Pending"


def test_bulk_tagging_applies_a_code_to_the_selected_comments(client, auth):
    first, second, third = (_comment(k, f"Comment {k}") for k in "abc")
    code = _code("Praise")
    user = auth.login(Role.ENGAGEMENT)
    response = post_form(
        client,
        f"{COMMENTS}?source=fft",
        {"selected": [first.id, third.id], "apply_code": str(code.id)},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff/insight/comments?source=fft")
    tagged = set(
        db.session.scalars(select(CommentCode.comment_id).where(CommentCode.user_id == user.id))
    )
    assert tagged == {first.id, third.id}
    assert db.session.scalar(select(CommentCoded)) is None, "tagging does not finish a coding"
    again = post_form(client, COMMENTS, {"selected": [first.id], "apply_code": str(code.id)})
    assert again.status_code == 302, "tagging twice is harmless"
    assert len(db.session.scalars(select(CommentCode)).all()) == 2


def test_bulk_tagging_without_a_selection_says_what_to_do(client, auth):
    _comment("a", "Comment")
    code = _code("Praise")
    auth.login(Role.ENGAGEMENT)
    html = post_form(client, COMMENTS, {"apply_code": str(code.id)}).get_data(as_text=True)
    assert "There is a problem" in html and "Select one or more comments to tag" in html


# --- coding one comment -----------------------------------------------------------------------


def test_comment_page_shows_original_redaction_context_and_themes(client, auth):
    survey = create_survey()
    place = Place(code="B", name="Blackpool", kind="place")
    db.session.add(place)
    db.session.commit()
    question = survey.sections[1].questions[-1]
    theme = _theme("access", "Access to GP appointments")
    comment = _comment(
        "a",
        "Dr [name] never answers",
        original="Dr Patel never answers",
        survey_id=survey.id,
        question_id=question.id,
        place_id=place.id,
    )
    db.session.add(CommentTheme(comment_id=comment.id, theme_id=theme.id, source="person"))
    db.session.commit()
    auth.login(Role.ENGAGEMENT)
    html = _shown(client, f"{COMMENTS}/{comment.id}")
    for expected in (
        "Dr Patel never answers",
        "Dr [name] never answers",
        survey.title,
        question.text,
        "Blackpool",
        "Access to GP appointments",
        "Friends and Family Test",
    ):
        assert expected in html, f"comment page lacks {expected!r}"


def test_coder_saves_a_complete_coding_and_can_change_it(client, auth):
    comment = _comment("a", "Long wait and rude receptionist")
    waits, manner = _code("Waits"), _code("Staff attitude")
    user = auth.login(Role.ENGAGEMENT)
    url = f"{COMMENTS}/{comment.id}"
    response = post_form(client, url, {"codes": [waits.id, manner.id], "action": "save"})
    assert response.status_code == 302
    assert coding.codes_applied(comment.id, user.id) == {waits.id, manner.id}
    assert coding.finished(comment.id, user.id)
    assert "You have marked this comment as coded" in _shown(client, url)
    post_form(client, url, {"codes": [waits.id], "action": "save"})
    assert coding.codes_applied(comment.id, user.id) == {waits.id}, "unticked codes go"
    post_form(client, url, {"action": "save"})
    assert coding.codes_applied(comment.id, user.id) == set()
    assert coding.finished(comment.id, user.id), "coded as nothing applies is still finished"


def test_retired_codes_are_not_offered_cannot_be_applied_and_stay_where_they_were(client, auth):
    comment = _comment("a", "Comment")
    old, current = _code("Old code"), _code("Current")
    user = auth.login(Role.ENGAGEMENT)
    url = f"{COMMENTS}/{comment.id}"
    post_form(client, url, {"codes": [old.id], "action": "save"})
    old.retired = True
    db.session.commit()
    html = _shown(client, url)
    assert f'value="{old.id}"' not in html and "You also applied retired codes" in html
    refused = post_form(client, url, {"codes": [old.id, current.id], "action": "save"})
    assert refused.status_code == 200 and "has been retired" in refused.get_data(as_text=True)
    post_form(client, url, {"codes": [current.id], "action": "save"})
    assert coding.codes_applied(comment.id, user.id) == {old.id, current.id}
    with pytest.raises(Exception, match="retired"):
        coding.bulk_tag([comment.id], old.id, user.id)


def test_save_and_next_moves_through_the_filtered_list(client, auth):
    first = _comment("a", "Parking one", received_at=datetime(2025, 3, 3))
    _comment("b", "Not this", received_at=datetime(2025, 3, 2))
    second = _comment("c", "Parking two", received_at=datetime(2025, 3, 1))
    auth.login(Role.ENGAGEMENT)
    response = post_form(client, f"{COMMENTS}/{first.id}?q=parking", {"action": "next"})
    assert response.headers["Location"].endswith(f"/comments/{second.id}?q=parking")
    last = post_form(client, f"{COMMENTS}/{second.id}?q=parking", {"action": "next"})
    assert last.headers["Location"].endswith("/staff/insight/comments?q=parking")


# --- the taxonomy -----------------------------------------------------------------------------


def test_team_creates_a_code_tied_to_a_theme(client, auth):
    theme = _theme("transport", "Transport")
    auth.login(Role.ENGAGEMENT)
    response = post_form(
        client,
        "/staff/insight/codes",
        {"name": "  Bus  routes ", "description": "Buses to hospital", "theme": str(theme.id)},
    )
    assert response.status_code == 302
    code = db.session.scalar(select(Code))
    assert (code.name, code.description, code.theme_id) == (
        "Bus routes",
        "Buses to hospital",
        theme.id,
    )
    html = _shown(client, "/staff/insight/codes")
    assert "Bus routes" in html and "Transport" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Enter a name for the code"),
        ({"name": "praise"}, "There is already a code called ‘praise’. Choose another name"),
    ],
)
def test_code_names_are_required_and_unique(client, auth, data, message):
    _code("Praise")
    auth.login(Role.ENGAGEMENT)
    html = post_form(client, "/staff/insight/codes", data).get_data(as_text=True)
    assert "There is a problem" in html and message in html
    assert "<title>Error: " in html


def test_team_renames_unties_and_retires_a_code(client, auth):
    theme = _theme("transport", "Transport")
    code, _other = _code("Buses", theme), _code("Trains")
    auth.login(Role.ENGAGEMENT)
    url = f"/staff/insight/codes/{code.id}"
    assert "Buses" in _shown(client, url)
    taken = post_form(client, url, {"name": "Trains", "theme": ""}).get_data(as_text=True)
    assert "There is already a code called ‘Trains’" in taken
    response = post_form(client, url, {"name": "Bus travel", "theme": "", "retired": "y"})
    assert response.status_code == 302
    db.session.refresh(code)
    assert (code.name, code.theme_id, code.retired) == ("Bus travel", None, True)
    assert "Retired" in _shown(client, "/staff/insight/codes")


# --- samples and agreement --------------------------------------------------------------------


def test_a_sample_is_drawn_at_random_reproducibly_from_approved_comments(client, auth):
    for i in range(20):
        _comment(f"a{i}", f"Approved {i}")
    _comment("p", "Pending one", moderation_state="pending")
    first = auth.login(Role.ENGAGEMENT)
    second = make_user(Role.ENGAGEMENT, "second@example.org")
    data = {"name": "March check", "size": "5", "coders": [first.id, second.id], "seed": "42"}
    response = post_form(client, "/staff/insight/samples", data)
    assert response.status_code == 302
    post_form(client, "/staff/insight/samples", {**data, "name": "Same again"})
    post_form(client, "/staff/insight/samples", {**data, "name": "Other seed", "seed": "7"})
    drawn = {s.name: s.comment_ids for s in db.session.scalars(select(CodingSample))}
    assert len(drawn["March check"]) == 5
    assert drawn["March check"] == drawn["Same again"], "same seed and filters, same comments"
    assert drawn["Other seed"] != drawn["March check"]
    pending = db.session.scalar(select(Comment.id).where(Comment.moderation_state == "pending"))
    assert pending not in drawn["March check"]
    note = db.session.scalar(select(AuditEvent.note).where(AuditEvent.action == "draw"))
    assert "seed 42" in note and "5 of 20" in note


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"coders": "one"}, "Choose at least two coders"),
        ({"size": ""}, "Enter how many comments to draw"),
        ({"size": "0"}, "Number of comments must be between 1 and 1000"),
        ({"name": ""}, "Enter a name for the sample"),
        ({"q": "nothing matches this"}, "No approved comments match those filters"),
    ],
)
def test_drawing_a_sample_explains_what_is_wrong(client, auth, change, message):
    _comment("a", "Approved")
    first = auth.login(Role.ENGAGEMENT)
    second = make_user(Role.ENGAGEMENT, "second@example.org")
    data = {"name": "Check", "size": "5", "coders": [first.id, second.id], "seed": "1", **change}
    if change.get("coders") == "one":
        data["coders"] = [first.id]
    html = post_form(client, "/staff/insight/samples", data).get_data(as_text=True)
    assert "There is a problem" in html and message in html
    assert db.session.scalar(select(CodingSample)) is None


def test_two_coders_code_a_sample_and_see_their_agreement(client, auth):
    comments = [_comment(f"c{i}", f"Comment {i}") for i in range(4)]
    waits = _code("Waits")
    first = auth.login(Role.ENGAGEMENT)
    second = make_user(Role.ENGAGEMENT, "second@example.org")
    sample = CodingSample(
        name="Pilot", comment_ids=[c.id for c in comments], coder_ids=[first.id, second.id]
    )
    db.session.add(sample)
    db.session.commit()
    url = f"/staff/insight/samples/{sample.id}"
    html = _shown(client, url)
    assert "0 of 4" in html and "Cannot be measured yet" in html
    # The first coder works through the sample with "save and next": Y Y N Y.
    for comment, codes in zip(comments, ([waits.id], [waits.id], [], [waits.id]), strict=True):
        response = post_form(
            client,
            f"{COMMENTS}/{comment.id}?sample={sample.id}",
            {"codes": codes, "action": "next"},
        )
    assert response.headers["Location"].endswith(url), "after the last one, back to the sample"
    auth.logout()
    auth.login(Role.ENGAGEMENT, email="second@example.org")
    html = _shown(client, url)
    assert f"/staff/insight/comments/{comments[0].id}?sample={sample.id}" in html
    for comment, codes in zip(comments, ([waits.id], [waits.id], [], []), strict=True):
        post_form(client, f"{COMMENTS}/{comment.id}?sample={sample.id}", {"codes": codes})
    html = _shown(client, url)
    # Y Y N Y against Y Y N N: p_o 3/4, p_e 1/2, kappa 0.5, "moderate".
    assert "4 of 4" in html
    assert "0.50" in html and "Moderate agreement" in html
    assert "over 1 code and 4 comments" in html
    assert f"Comment {comments[3].id}</a>: ‘Waits’ applied by Test engagement" in html


def test_agreement_is_undefined_when_both_coders_never_apply_a_code(client, auth):
    comments = [_comment(f"c{i}", f"Comment {i}") for i in range(3)]
    _code("Never used")
    first = auth.login(Role.ENGAGEMENT)
    second = make_user(Role.ENGAGEMENT, "second@example.org")
    sample = CodingSample(
        name="Pilot", comment_ids=[c.id for c in comments], coder_ids=[first.id, second.id]
    )
    db.session.add(sample)
    for c in comments:
        db.session.add_all([CommentCoded(comment_id=c.id, user_id=u.id) for u in (first, second)])
    db.session.commit()
    html = _shown(client, f"/staff/insight/samples/{sample.id}")
    assert "Undefined" in html and "Cannot be measured" in html


# --- for the topic pipeline -------------------------------------------------------------------


@pytest.mark.usefixtures("app")
def test_labels_for_pipeline_come_from_finished_codings_of_approved_comments():
    waits, access = _theme("waits", "Waits"), _theme("access", "Access")
    older = _theme("older-access", "Older access", merged_into_id=access.id)
    old = _theme("old-access", "Old access", merged_into_id=older.id)
    code_waits, code_access, code_old = (
        _code("Waits", waits),
        _code("Access", access),
        _code("Old", old),
    )
    praise = _code("Praise")  # a tag, tied to no theme
    coder, later = make_user(Role.ENGAGEMENT), make_user(Role.ADMIN)
    both = _comment("both", "Waited weeks for an appointment")
    none = _comment("none", "Thanks")
    unfinished = _comment("unfinished", "Half done")
    pending = _comment("pending", "Not approved", moderation_state="pending")
    disputed = _comment("disputed", "Disputed")

    def coded(comment, user, codes, at):
        db.session.add_all(
            CommentCode(comment_id=comment.id, code_id=c.id, user_id=user.id) for c in codes
        )
        db.session.add(CommentCoded(comment_id=comment.id, user_id=user.id, coded_at=at))

    coded(both, coder, [code_waits, code_old, praise], datetime(2025, 1, 1))
    coded(none, coder, [praise], datetime(2025, 1, 1))
    db.session.add(CommentCode(comment_id=unfinished.id, code_id=code_waits.id, user_id=coder.id))
    coded(pending, coder, [code_waits], datetime(2025, 1, 1))
    coded(disputed, coder, [code_waits], datetime(2025, 1, 1))
    coded(disputed, later, [code_access], datetime(2025, 2, 1))
    db.session.commit()

    assert coding.labels_for_pipeline() == {
        str(both.id): ["access", "waits"],  # merged themes count under the last target
        str(none.id): [],  # coded, and no theme applies
        str(disputed.id): ["access"],  # the most recent complete coding wins
    }


# --- access and audit -------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.VIEWER, Role.COMMISSIONER])
def test_viewers_and_commissioners_never_see_comments_or_coding(client, auth, role):
    comment = _comment("a", "[name] was rude", original="Nurse Smith was rude")
    code = _code("Staff attitude")
    sample = CodingSample(name="Pilot", comment_ids=[comment.id], coder_ids=[])
    db.session.add(sample)
    db.session.commit()
    auth.login(role)
    for url in (
        COMMENTS,
        f"{COMMENTS}?q=smith",
        f"{COMMENTS}/{comment.id}",
        "/staff/insight/codes",
        f"/staff/insight/codes/{code.id}",
        "/staff/insight/samples",
        f"/staff/insight/samples/{sample.id}",
    ):
        response = client.get(url)
        assert response.status_code == 403, f"{role} reached {url}"
        assert "Smith" not in response.get_data(as_text=True)
    denied = client.post(f"{COMMENTS}/{comment.id}", data={"codes": [code.id]})
    assert denied.status_code in (400, 403)
    assert db.session.scalar(select(CommentCode)) is None


def test_every_coding_action_is_in_the_audit_log(client, auth):
    comment = _comment("a", "Comment")
    auth.login(Role.ENGAGEMENT)
    post_form(client, "/staff/insight/codes", {"name": "Waits", "theme": ""})
    code = db.session.scalar(select(Code))
    post_form(client, f"/staff/insight/codes/{code.id}", {"name": "Waiting", "theme": ""})
    post_form(client, f"{COMMENTS}/{comment.id}", {"codes": [code.id], "action": "save"})
    post_form(client, f"{COMMENTS}/{comment.id}", {"action": "save"})
    other = _comment("b", "Other")
    post_form(client, COMMENTS, {"selected": [other.id], "apply_code": str(code.id)})
    events = [
        (e.action, e.entity_type, e.actor)
        for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        if e.entity_type in ("Code", "CommentCode", "CommentCoded")
    ]
    who = "engagement@example.org"
    assert events == [
        ("create", "Code", who),
        ("update", "Code", who),
        ("create", "CommentCode", who),
        ("create", "CommentCoded", who),
        ("delete", "CommentCode", who),
        ("update", "CommentCoded", who),
        ("create", "CommentCode", who),
    ]


def test_sources_read_as_the_team_names_them(client, auth):
    comment = _comment("a", "Something")
    auth.login(Role.ENGAGEMENT)
    html = _shown(client, COMMENTS)
    assert comment.source == "fft"
    assert '<td class="nhsuk-table__cell">Friends and Family Test</td>' in html
    assert '<option value="fft">Friends and Family Test</option>' in html
    assert ">fft<" not in html, "a stored code is not what the team reads"
