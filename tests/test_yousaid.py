"""'You said, we did': commissioners respond to what residents said, publish it, and tell the
panel members who took part; residents read published responses by intention."""

from __future__ import annotations

import itertools
import re
import uuid
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from engage.extensions import db
from engage.models import (
    AnalysisRun,
    AuditEvent,
    Comment,
    CommentTheme,
    Consent,
    Intention,
    OutboundMessage,
    PanelMembership,
    Person,
    Response,
    Role,
    Theme,
    ThemeIntentionLink,
    YouSaidWeDid,
    survey_intention,
    utcnow,
)
from engage.services import intentions as intention_service
from engage.services import panel, yousaid
from tests.conftest import post_form
from tests.factories import create_survey

_keys = itertools.count(1)
NEW = "/staff/reports/you-said-we-did/new"


def _run() -> AnalysisRun:
    run = db.session.scalar(select(AnalysisRun).where(AnalysisRun.is_current.is_(True)))
    if run is None:
        run = AnalysisRun(status="succeeded", is_current=True)
        db.session.add(run)
        db.session.commit()
    return run


def make_theme(name: str = "Waiting times", comments: int = 0, **kwargs) -> Theme:
    theme = Theme(slug=name.lower().replace(" ", "-"), name=name)
    db.session.add(theme)
    db.session.commit()
    add_comments(theme, comments, **kwargs)
    return theme


def add_comments(
    theme: Theme, n: int, response_id: int | None = None, text: str = "The wait was long"
) -> list[Comment]:
    run = _run()
    made = []
    for _ in range(n):
        key = next(_keys)
        comment = Comment(
            source="survey",
            source_key=f"ysw{key}",
            response_id=response_id,
            original_text=f"{text}, said Jane Smith of 1 High Street",
            redacted_text=f"{text}, said [NAME] of [ADDRESS]",
            moderation_state="approved",
            respondent_key=f"r{key}",
            received_at=datetime(2025, 3, 10, 12, 0),
        )
        db.session.add(comment)
        db.session.flush()
        db.session.add(CommentTheme(comment_id=comment.id, theme_id=theme.id, run_id=run.id))
        made.append(comment)
    db.session.commit()
    return made


def intention() -> Intention:
    if db.session.scalar(select(Intention.id).limit(1)) is None:
        intention_service.load_catalogue()
    found = db.session.get(Intention, 1)
    assert found is not None
    return found


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _write(client, url: str, **changes):
    data = {"you_said": "You told us buses are rare.", "we_did": "We asked.", "status": "acting"}
    return post_form(client, url, {**data, **changes})


# --- writing a response ---------------------------------------------------------------------


def test_a_new_response_starts_from_what_residents_said_with_counts_suppressed(client, auth):
    small = make_theme("Hospital food", comments=4, text="Cold dinners")
    large = make_theme("Waiting times", comments=12)
    auth.login(Role.COMMISSIONER)

    html = client.get(f"{NEW}?theme={small.id}").get_data(as_text=True)
    assert "You told us about hospital food in fewer than 10 comments." in html
    assert "Cold dinners" not in html, "no quote from a theme below the threshold"

    html = client.get(f"{NEW}?theme={large.id}").get_data(as_text=True)
    assert "You told us about waiting times in 12 comments." in html
    assert "The wait was long, said [NAME] of [ADDRESS]" in html, "quotes are redacted text"
    assert "Jane Smith" not in html, "never the original text"


def test_a_commissioner_writes_a_response_and_it_is_audited(client, auth):
    theme = make_theme(comments=12)
    user = auth.login(Role.COMMISSIONER)
    page = _write(client, f"{NEW}?theme={theme.id}", status="considering")
    assert page.status_code == 302, "a saved response goes to its page"
    item = db.session.scalar(select(YouSaidWeDid))
    assert (item.theme_id, item.status, item.author_id) == (theme.id, "considering", user.id)
    assert item.published_at is None, "saving never publishes"

    _write(client, f"/staff/reports/you-said-we-did/{item.id}/edit", status="done")
    post_form(client, f"/staff/reports/you-said-we-did/{item.id}/publish", {})
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "YouSaidWeDid").order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["create", "update", "update"]
    assert all(e.actor == "commissioner@example.org" for e in events)
    assert events[1].after["status"] == "done"
    assert events[2].after["published_at"], "publishing is in the audit log"


def test_not_possible_needs_a_reason_shown_as_an_nhs_error(client, auth):
    theme = make_theme(comments=12)
    auth.login(Role.COMMISSIONER)
    page = _write(client, f"{NEW}?theme={theme.id}", status="not_possible", reason="")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "There is a problem" in html and 'href="#reason"' in html
    assert "Enter why it is not possible" in html
    assert "Error: " in html.split("</title>")[0], "the page title says there is an error"
    assert _count(YouSaidWeDid) == 0

    _write(client, f"{NEW}?theme={theme.id}", status="not_possible", reason="No money this year")
    assert db.session.scalar(select(YouSaidWeDid.reason)) == "No money this year"


@pytest.mark.parametrize(
    ("text", "allowed"),
    [
        ("3 people told us", False),
        ("five residents asked", False),
        ("fewer than 10 people told us", True),
        ("12 people told us", True),
        ("We opened 2 clinics", True),
    ],
)
def test_a_small_count_typed_by_hand_is_refused(client, auth, text, allowed):
    theme = make_theme(comments=12)
    auth.login(Role.COMMISSIONER)
    html = _write(client, f"{NEW}?theme={theme.id}", you_said=text).get_data(as_text=True)
    assert (_count(YouSaidWeDid) == 1) is allowed
    if not allowed:
        assert "write \u2018fewer than 10\u2019" in html


def test_a_theme_response_can_be_filed_under_one_of_its_confirmed_intentions(client, auth):
    plan = intention()
    theme = make_theme(comments=12)
    db.session.add(ThemeIntentionLink(theme_id=theme.id, intention_id=plan.id, state="confirmed"))
    db.session.commit()
    auth.login(Role.COMMISSIONER)
    _write(client, f"{NEW}?theme={theme.id}", intention=str(plan.id))
    item = db.session.scalar(select(YouSaidWeDid))
    assert (item.theme_id, item.intention_id) == (theme.id, plan.id)


def test_viewers_and_the_engagement_team_read_but_do_not_write(client, auth):
    plan = intention()
    item = yousaid.create_response(
        yousaid.choose_subject(None, plan.id), yousaid.Draft("Said", "Did", "acting"), None
    )
    auth.login(Role.VIEWER)
    html = client.get(f"/staff/reports/you-said-we-did/{item.id}").get_data(as_text=True)
    assert "Said" in html and "/publish" not in html and "/edit" not in html
    assert client.get(f"/staff/reports/you-said-we-did/{item.id}/edit").status_code == 403


# --- the public page --------------------------------------------------------------------------


def _published(plan_id: int, we_did: str = "We added an evening bus.", **kw) -> YouSaidWeDid:
    item = yousaid.create_response(
        yousaid.choose_subject(kw.pop("theme_id", None), plan_id),
        yousaid.Draft(kw.pop("you_said", "You said buses stop too early."), we_did, **kw),
        None,
    )
    return yousaid.publish(item.id)


def test_residents_see_only_published_responses_grouped_by_intention(client):
    plan = intention()
    shown = _published(plan.id, status="done")
    hidden = yousaid.create_response(
        yousaid.choose_subject(None, plan.id),
        yousaid.Draft("Secret draft said", "Secret draft did", "considering"),
        None,
    )
    page = client.get("/you-said-we-did/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert plan.domain in html and plan.title in html
    assert "You said buses stop too early." in html and "We added an evening bus." in html
    assert "Done" in html and f"Published {date.today():%-d %B %Y}" in html
    assert "Secret draft" not in html
    assert client.get(f"/you-said-we-did/{shown.id}").status_code == 200
    assert client.get(f"/you-said-we-did/{hidden.id}").status_code == 404

    yousaid.unpublish(shown.id)
    assert "We added an evening bus." not in client.get("/you-said-we-did/").get_data(as_text=True)
    assert client.get(f"/you-said-we-did/{shown.id}").status_code == 404


def test_the_public_page_says_why_something_is_not_possible_and_escapes_text(client):
    plan = intention()
    item = _published(
        plan.id,
        we_did="<script>alert(1)</script>",
        status="not_possible",
        reason="The building is listed",
    )
    html = client.get(f"/you-said-we-did/{item.id}").get_data(as_text=True)
    assert "Not possible" in html and "The building is listed" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_a_response_to_a_theme_alone_is_listed_under_other_things(client):
    theme = make_theme("Parking", comments=12)
    _published(None, theme_id=theme.id, status="acting")
    html = client.get("/you-said-we-did/").get_data(as_text=True)
    assert "Other things you told us about" in html and "Parking" in html


def test_the_home_page_links_to_you_said_we_did(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/you-said-we-did/"' in html


# --- telling panel members who took part ---------------------------------------------------


def _member(
    name: str,
    *,
    email: str | None = "x@example.org",
    preference: str = "email",
    left: bool = False,
    withdrawn: bool = False,
) -> Person:
    person = Person(
        ref=str(uuid.uuid4()),
        given_name=name,
        email=email.replace("x@", f"{name.lower()}@") if email else None,
        contact_preference=preference,
    )
    person.consents.append(
        Consent(
            purpose="panel_membership",
            notice_version="1.0",
            withdrawn_at=utcnow() if withdrawn or left else None,
        )
    )
    db.session.add(person)
    db.session.add(
        PanelMembership(
            person=person, joined_on=date(2024, 1, 1), left_on=date.today() if left else None
        )
    )
    db.session.commit()
    return person


def _took_part(person: Person, survey_id: int) -> Response:
    response = Response(
        survey_id=survey_id,
        person_id=person.id,
        reference=f"REF{next(_keys)}",
        status="submitted",
        submitted_at=utcnow(),
    )
    db.session.add(response)
    db.session.commit()
    return response


def test_only_members_who_took_part_and_can_be_contacted_are_told_once(client, auth):
    plan = intention()
    linked = create_survey(slug="linked")
    other = create_survey(slug="other")
    db.session.execute(survey_intention.insert().values(survey_id=linked.id, intention_id=plan.id))
    db.session.commit()
    told = _member("Aisha")
    _took_part(told, linked.id)
    for person in (
        _member("Ben", preference="post"),
        _member("Cara", email=None, preference="phone"),
        _member("Dev", left=True),
        _member("Eve", withdrawn=True),
    ):
        _took_part(person, linked.id)
    erased = _member("Finn")
    _took_part(erased, linked.id)
    panel.erase(erased.id)
    _took_part(_member("Gus"), other.id)  # answered a survey about something else
    _member("Hana")  # did not take part

    item = yousaid.create_response(
        yousaid.choose_subject(None, plan.id), yousaid.Draft("Said", "Did", "acting"), None
    )
    auth.login(Role.COMMISSIONER)
    url = f"/staff/reports/you-said-we-did/{item.id}/publish"
    preview = client.get(url).get_data(as_text=True)
    assert "5 Citizens' Panel members took part" in preview, "erased and others not counted"
    assert "2 have left the panel or withdrawn consent" in preview
    assert "1 can be told by email now" in preview
    assert "2 prefer another way of contact" in preview
    assert "Aisha" not in preview and "aisha@" not in preview, "no names for commissioners"

    page = post_form(client, url, {"notify": "y"}, follow_redirects=True)
    assert "1 panel member will be told by email" in page.get_data(as_text=True)
    messages = db.session.scalars(select(OutboundMessage)).all()
    assert [m.to_address for m in messages] == ["aisha@example.org"]
    assert messages[0].status == "outbox" and messages[0].person_id == told.id
    assert "Dear Aisha" in messages[0].body and f"/you-said-we-did/{item.id}" in messages[0].body

    post_form(client, url, {"notify": "y"})
    assert yousaid.notify_participants(item.id) == 0
    assert _count(OutboundMessage) == 1, "nobody is told twice about the same response"


def test_members_whose_comments_carry_the_theme_took_part(client, auth):
    theme = make_theme(comments=10)
    survey = create_survey(slug="any")
    person = _member("Iris")
    add_comments(theme, 1, response_id=_took_part(person, survey.id).id)
    _member("Jo")
    item = _published(None, theme_id=theme.id, status="acting")
    assert yousaid.reach(item.id).can_tell == 1
    assert yousaid.notify_participants(item.id) == 1
    assert db.session.scalar(select(OutboundMessage.to_address)) == "iris@example.org"


def test_an_unpublished_response_cannot_be_sent_to_anyone(app):
    plan = intention()
    item = yousaid.create_response(
        yousaid.choose_subject(None, plan.id), yousaid.Draft("Said", "Did", "acting"), None
    )
    with app.test_request_context():
        with pytest.raises(yousaid.DomainError, match="Publish the response"):
            yousaid.notify_participants(item.id)


def test_staff_list_shows_status_and_published_state(client, auth):
    plan = intention()
    _published(plan.id, status="done")
    yousaid.create_response(
        yousaid.choose_subject(None, plan.id), yousaid.Draft("S", "D", "considering"), None
    )
    auth.login(Role.ENGAGEMENT)
    html = client.get("/staff/reports/you-said-we-did").get_data(as_text=True)
    assert re.search(r"Published \d+ \w+ \d{4}", html) and "Not published" in html
    assert "We are considering this" in html and "Done" in html
    assert "Write a response" not in html, "the engagement team reads only"
