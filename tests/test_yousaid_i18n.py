"""'You said, we did' reads in the resident's language like the other resident pages: a language
switcher, lang and dir on the page, the interface translated; what staff wrote stays as written,
marked as English, and the page says so in the resident's language."""

from __future__ import annotations

import re

from engage.extensions import db
from engage.models import Role, Theme
from engage.services import yousaid
from tests.test_yousaid import intention


def _html_tag(page: str) -> str:
    found = re.search(r"<html[^>]*>", page)
    assert found, "no <html> element"
    return found.group(0)


def _publish(plan_id, theme_id=None, **kw):
    item = yousaid.create_response(
        yousaid.choose_subject(theme_id, plan_id),
        yousaid.Draft(
            kw.pop("you_said", "You said buses stop too early."),
            kw.pop("we_did", "We added an evening bus."),
            **kw,
        ),
        None,
    )
    return yousaid.publish(item.id)


def test_the_polish_page_translates_the_interface_and_keeps_staff_words_as_written(client):
    plan = intention()
    item = _publish(plan.id, status="not_possible", reason="The building is listed")
    page = client.get("/you-said-we-did/?lang=pl").get_data(as_text=True)
    assert 'lang="pl" dir="ltr"' in _html_tag(page)
    assert "<h1>Wy mówiliście, my zrobiliśmy</h1>" in page
    assert "Niemożliwe" in page and "Dlaczego to niemożliwe" in page
    assert '<p class="engage-message" lang="en" dir="ltr">We added an evening bus.</p>' in page
    assert '<p class="engage-message" lang="en" dir="ltr">The building is listed</p>' in page
    assert f'<h3><span lang="en" dir="ltr">{plan.title}</span></h3>' in page
    assert "Nasze odpowiedzi piszą pracownicy NHS po angielsku" in page
    assert "This page was translated into Polish by machine" in page, "machine draft not marked"
    switcher = re.search(r'<nav class="[^"]*engage-language-switcher.*?</nav>', page, re.S)
    assert switcher and 'href="/you-said-we-did/?lang=ur"' in switcher[0]
    single = client.get(f"/you-said-we-did/{item.id}").get_data(as_text=True)
    assert 'lang="pl"' in _html_tag(single), "the visit's choice carries to the next page"
    assert "Nasza odpowiedź" in single and "Opublikowano" in single


def test_the_urdu_page_runs_right_to_left_with_english_marked_left_to_right(client):
    plan = intention()
    _publish(plan.id, status="done")
    page = client.get("/you-said-we-did/?lang=ur").get_data(as_text=True)
    assert 'lang="ur" dir="rtl"' in _html_tag(page)
    assert "آپ نے کہا، ہم نے کیا" in page and "مکمل" in page
    assert (
        '<p class="engage-message" lang="en" dir="ltr">You said buses stop too early.</p>' in page
    )


def test_a_theme_alone_is_filed_under_other_things_in_the_residents_language(client):
    theme = Theme(slug="parking", name="Parking")
    db.session.add(theme)
    db.session.commit()
    _publish(None, theme_id=theme.id, status="acting")
    page = client.get("/you-said-we-did/?lang=pl").get_data(as_text=True)
    assert "Inne sprawy, o których nam mówiliście" in page
    assert '<h3><span lang="en" dir="ltr">Parking</span></h3>' in page


def test_the_english_page_marks_nothing_and_needs_no_notice(client):
    plan = intention()
    _publish(plan.id, status="done")
    page = client.get("/you-said-we-did/?lang=en").get_data(as_text=True)
    assert '<p class="engage-message">We added an evening bus.</p>' in page
    assert "written by NHS staff in English" not in page
    assert 'lang="en" dir="ltr">' not in page.split("<main", 1)[1]


def test_staff_pages_keep_english_status_labels_whatever_the_visit_chose(client, auth):
    plan = intention()
    _publish(plan.id, status="done")
    client.get("/you-said-we-did/?lang=pl")
    auth.login(Role.COMMISSIONER)
    staff = client.get("/staff/reports/you-said-we-did").get_data(as_text=True)
    assert 'lang="en"' in _html_tag(staff)
    assert "Zrobione" not in staff
