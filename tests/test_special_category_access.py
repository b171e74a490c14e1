"""Staff seeing a named person's special-category data is logged: who, whose, which kinds, why,
when; never the values. Aggregate pages, and the person seeing their own data, are not."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from engage.extensions import db
from engage.models import AuditEvent, Consent, Demographics, PanelMembership, Person, Role
from engage.services.audit import SPECIAL_CATEGORY_ACCESS

# Values chosen so that any copy of them in the log is unmistakable.
OTHER_NEED = "Needs a hearing loop, QZ-MARKER-41"
DEMOGRAPHICS = {
    "age_band": "55-64",
    "sex": "Female",
    "ethnicity": "Mixed or multiple ethnic groups",
    "disability": "Yes",
    "long_term_condition": "Yes",
    "carer": "No",
}
NEED_LABEL = "A British Sign Language (BSL) interpreter"


def _person(needs: bool = True, demographics: bool = True) -> Person:
    person = Person(
        ref="ref-special",
        given_name="Rukhsana",
        family_name="Begum",
        email="rukhsana@example.org",
        preferred_language="en",
        communication_needs=["bsl"] if needs else [],
        communication_other=OTHER_NEED if needs else None,
    )
    if demographics:
        person.demographics = Demographics(**DEMOGRAPHICS, deprivation_decile=3)
    db.session.add(person)
    db.session.flush()
    db.session.add_all(
        [
            Consent(person_id=person.id, purpose="panel_membership", notice_version="2026-1"),
            PanelMembership(person_id=person.id, joined_on=date(2026, 2, 1)),
        ]
    )
    db.session.commit()
    return person


def _access_events() -> list[AuditEvent]:
    return list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == SPECIAL_CATEGORY_ACCESS))
    )


def _whole_log() -> str:
    rows = db.session.scalars(select(AuditEvent))
    return json.dumps(
        [[e.actor, e.action, e.entity_type, e.entity_id, e.before, e.after, e.note] for e in rows]
    )


def _assert_no_values_in_log() -> None:
    log = _whole_log()
    for value in [OTHER_NEED, "QZ-MARKER-41", NEED_LABEL, "bsl", *DEMOGRAPHICS.values()]:
        if value in {"Yes", "No", "Female"}:
            # Short words: look for them as stored values, not inside other text.
            assert f'"{value}"' not in log, f"the value {value!r} was copied into the audit log"
        else:
            assert value not in log, f"the value {value!r} was copied into the audit log"


def test_viewing_a_members_communication_needs_is_logged_without_the_values(client, auth):
    person = _person()
    user = auth.login(Role.ENGAGEMENT)
    page = client.get(f"/staff/panel/{person.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert NEED_LABEL in html and OTHER_NEED in html, "the team cannot see needs it must meet"
    for value in ("Mixed or multiple ethnic groups", "55-64"):
        assert value not in html, "demographics are kept apart: not shown on the member page"

    events = _access_events()
    assert len(events) == 1, f"expected one access event, got {len(events)}"
    event = events[0]
    assert (event.user_id, event.actor) == (user.id, user.email), "who is not recorded"
    assert (event.entity_type, event.entity_id) == ("Person", str(person.id)), "whose is missing"
    assert event.after == {
        "categories": ["communication needs"],
        "purpose": "meeting their communication needs",
        "route": "panel.member",
    }
    assert event.at is not None
    _assert_no_values_in_log()

    client.get(f"/staff/panel/{person.id}")
    assert len(_access_events()) == 2, "every view is logged, not only the first"


def test_a_member_page_that_shows_no_special_category_data_logs_no_access(client, auth):
    person = _person(needs=False)
    auth.login(Role.ENGAGEMENT)
    assert client.get(f"/staff/panel/{person.id}").status_code == 200
    assert _access_events() == []


def test_a_subject_access_export_by_staff_logs_each_kind_shown_but_no_value(client, auth):
    person = _person()
    auth.login(Role.ENGAGEMENT)
    exported = client.get(f"/staff/panel/{person.id}/data.json")
    assert exported.status_code == 200
    assert json.loads(exported.get_data(as_text=True))["demographics"]["disability"] == "Yes"
    (event,) = _access_events()
    assert event.entity_id == str(person.id)
    assert event.after["categories"] == sorted(
        [*DEMOGRAPHICS, "deprivation_decile", "communication needs"]
    )
    assert event.after["route"] == "panel.member_data"
    assert event.after["purpose"] == "a subject access request"
    _assert_no_values_in_log()


def test_a_resident_downloading_their_own_data_is_not_a_staff_access(app, client):
    from engage.services import panel

    person = _person()
    token = panel.issue_profile_token(person)
    db.session.commit()
    assert client.get(f"/panel/profile/{token}/your-data.json").status_code == 200
    assert client.get(f"/panel/profile/{token}").status_code == 200
    assert _access_events() == [], "a person seeing their own data is not staff access"
    _assert_no_values_in_log()


def test_aggregate_pages_log_no_special_category_access(client, auth):
    from tests.factories import create_survey

    survey = create_survey()
    for i in range(12):  # above the small-number threshold
        p = Person(ref=f"agg-{i}", given_name=f"P{i}", communication_needs=["large_print"])
        p.demographics = Demographics(age_band="35-44", sex="Male", ethnicity="White")
        db.session.add(p)
    db.session.commit()
    auth.login(Role.ENGAGEMENT)
    for url in (
        "/staff/insight/representativeness",
        f"/staff/insight/representativeness/{survey.id}",
        "/staff/reports/intentions",
        "/staff/panel",
        "/staff/invitations",
    ):
        assert client.get(url).status_code == 200, url
    assert _access_events() == [], "an aggregate or list page logged a special-category access"


def test_an_admin_finds_access_events_on_the_audit_page_by_kind(client, auth):
    person = _person()
    auth.login(Role.ENGAGEMENT)
    client.get(f"/staff/panel/{person.id}")
    auth.logout()
    auth.login(Role.ADMIN)
    everything = client.get("/staff/admin/audit").get_data(as_text=True)
    assert "Special-category data shown to staff" in everything, "the kind is not offered"
    assert "login" in everything
    only = client.get(f"/staff/admin/audit?kind={SPECIAL_CATEGORY_ACCESS}").get_data(as_text=True)
    assert "special-category data shown (communication needs)" in only
    assert "engagement@example.org" in only, "who looked is not shown"
    assert f"Person {person.id}" in only, "whose data is not shown"
    rows = only.split('<tbody class="nhsuk-table__body">')[1].split("</tbody>")[0]
    assert rows.count("<tr") == 1, "the filter let other kinds through"
    assert "login" not in rows
    assert OTHER_NEED not in only and NEED_LABEL not in only
