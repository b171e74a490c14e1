"""`make demo` loads a Lancashire and South Cumbria demo data set once, and only once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from engage.extensions import db
from engage.models import (
    AuditEvent,
    Comment,
    PanelMembership,
    Person,
    PpgMembership,
    Response,
    Survey,
)
from engage.services import audit, demo, users
from tests.conftest import post_form


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _load() -> str:
    with audit.acting_as(audit.Actor(None, "make demo")):
        return demo.load_demo()


@pytest.mark.slow
def test_demo_has_surveys_people_and_thousands_of_comments_in_context(app):
    assert "Demo data loaded" in _load()
    assert _count(Survey) == 3
    assert _count(Person) >= 300
    assert _count(PanelMembership) >= 200 and _count(PpgMembership) >= 50
    assert _count(Comment) >= 2000, "the demo needs at least 2,000 free-text comments"
    # The newest wait for the demo's moderators; the rest were approved with their redaction.
    assert _count(Comment, Comment.moderation_state == "pending") == demo.DEMO_PENDING
    approved = db.session.scalars(select(Comment).where(Comment.moderation_state == "approved"))
    assert all(c.redacted_text == c.proposed_redaction for c in approved)

    survey_comments = list(db.session.scalars(select(Comment).where(Comment.source == "survey")))
    with_place = [c for c in survey_comments if c.place_id is not None]
    assert len(with_place) / len(survey_comments) > 0.8
    assert all(c.survey_id and c.question_id and c.response_id for c in survey_comments)
    assert any(c.age_band for c in survey_comments), "no demographic snapshot on comments"
    assert {"survey", "healthwatch", "fft"} <= set(
        db.session.scalars(select(Comment.source).distinct())
    )
    # FFT returns come with their rating, as an imported FFT export does; nothing else has one.
    ratings = dict(
        db.session.execute(
            select(Comment.source, func.count(Comment.fft_rating)).group_by(Comment.source)
        ).all()
    )
    assert ratings["fft"] == _count(Comment, Comment.source == "fft") > 0
    assert not any(n for source, n in ratings.items() if source != "fft")
    assert _count(Comment, Comment.service.is_not(None)) > 0
    gp = db.session.scalar(select(Survey).where(Survey.slug == "demo-gp-access-2025"))
    assert gp is not None
    assert {i.key for i in gp.intentions} == set(demo.SURVEY_INTENTIONS["gp-access-2025"])


@pytest.mark.slow
def test_loading_again_adds_nothing_and_staff_can_sign_in(app, client):
    _load()
    before = (_count(Comment), _count(Response), _count(Person))
    assert "already loaded" in _load()
    assert (_count(Comment), _count(Response), _count(Person)) == before

    for email, _name, role in demo.DEMO_STAFF:
        user = users.get_user_by_email(email)
        assert user is not None and user.role_enum is role
    response = post_form(
        client,
        "/staff/sign-in",
        {"email": "commissioner@example.org", "password": demo.DEMO_PASSWORD},
    )
    assert response.status_code == 302

    bulk = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "load_demo")))
    assert len(bulk) == 1, "a bulk load is one audit event, not one per row"
    assert bulk[0].after["create Comment"] == _count(Comment)
    assert _count(AuditEvent, AuditEvent.entity_type == "Person") == 0


def test_the_links_the_demo_confirms_name_real_themes_and_2026_27_intentions():
    """The demo stands in for a person's review: each link it confirms must exist to confirm."""
    import yaml

    from engage.services.demo import DEMO_LINKS
    from topics.taxonomy import builtin_taxonomy

    catalogue = yaml.safe_load(
        (Path(__file__).resolve().parents[1] / "engage/data/intentions.yaml").read_text()
    )
    keys = {i["key"] for i in catalogue["intentions"]}
    slugs = set(builtin_taxonomy().slugs)
    assert set(DEMO_LINKS) <= slugs, set(DEMO_LINKS) - slugs
    assert set(DEMO_LINKS.values()) <= keys, set(DEMO_LINKS.values()) - keys
    assert all(key.startswith("2026-27/") for key in DEMO_LINKS.values())
