"""A resident takes a survey in any language it has a published translation in, including one
the interface has no catalogue for (Punjabi): the survey offers its languages as plain links,
shows its own text in that language marked with ``lang``/``dir`` inside an English interface
that says so, records the response's language, and stores choice answers as the English values."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from engage.extensions import db
from engage.models import Answer, OutboundMessage, PanelMembership, Person, Response
from engage.services import invitations, translations
from tests.conftest import post_form
from tests.factories import create_survey


def _q(survey, key: str):
    return next(q for s in survey.sections for q in s.questions if q.key == key)


def _punjabi(survey) -> dict[str, str]:
    """Every required string in Punjabi (Gurmukhi); optional questions left in English."""
    consent, hospital, modes, fft = (_q(survey, k) for k in ("consent", "hospital", "modes", "fft"))
    return {
        "survey.title": "ਹਸਪਤਾਲ ਤੱਕ ਪਹੁੰਚਣਾ",
        "survey.purpose": "ਸਾਨੂੰ ਆਪਣੀ ਯਾਤਰਾ ਬਾਰੇ ਦੱਸੋ।",
        f"section.{survey.sections[0].id}.title": "ਤੁਹਾਡੀ ਫੇਰੀ ਬਾਰੇ",
        f"question.{consent.id}.label": "ਮੈਂ ਹਿੱਸਾ ਲੈਣ ਲਈ ਸਹਿਮਤ ਹਾਂ",
        f"question.{consent.id}.option.Yes": "ਹਾਂ",
        f"question.{consent.id}.option.No": "ਨਹੀਂ",
        f"question.{hospital.id}.label": "ਤੁਸੀਂ ਕਿਹੜੇ ਹਸਪਤਾਲ ਗਏ ਸੀ?",
        f"question.{hospital.id}.option.Royal Preston Hospital": "ਰਾਇਲ ਪ੍ਰੈਸਟਨ ਹਸਪਤਾਲ",
        f"question.{hospital.id}.option.Furness General Hospital": "ਫਰਨੈੱਸ ਜਨਰਲ ਹਸਪਤਾਲ",
        f"question.{modes.id}.label": "ਤੁਸੀਂ ਕਿਵੇਂ ਸਫ਼ਰ ਕੀਤਾ?",
        f"question.{modes.id}.option.Bus": "ਬੱਸ",
        f"question.{modes.id}.option.Car": "ਕਾਰ",
        f"question.{modes.id}.option.Walked": "ਪੈਦਲ",
        f"question.{fft.id}.label": "ਕੁੱਲ ਮਿਲਾ ਕੇ, ਇਹ ਕਿਵੇਂ ਰਿਹਾ?",
        **{f"question.{fft.id}.option.{o}": f"ਪੰ {o}" for o in fft.options},
    }


def _survey_in_punjabi(published: bool = True, **kwargs):
    survey = create_survey(**kwargs)
    translations.save_translation(survey.id, "pa", _punjabi(survey), publish=published)
    return survey


def _html_tag(page: str) -> str:
    found = re.search(r"<html[^>]*>", page)
    assert found, "no <html> element"
    return found.group(0)


def _survey_links(page: str) -> list[tuple[str, str, str, str]]:
    block = re.search(r'<nav class="engage-survey-languages".*?</nav>', page, re.S)
    if not block:
        return []
    return re.findall(
        r'<a href="([^"]+)" lang="([\w-]+)" hreflang="[\w-]+" dir="(\w+)">([^<]+)</a>', block[0]
    )


def test_the_start_page_offers_each_published_language_as_a_plain_link(app, client):
    _survey_in_punjabi()
    page = client.get("/surveys/every-kind").get_data(as_text=True)
    links = _survey_links(page)
    assert ("/surveys/every-kind?lang=pa", "pa", "ltr", "ਪੰਜਾਬੀ") in links, links
    assert "ਪੰਜਾਬੀ</a> (Punjabi)" in page, "the language is named in English too"
    assert all(code != "en" for _, code, _, _ in links), "not offered the language shown"
    # The header's switcher offers it too on the survey's own pages, and only there.
    header = re.search(r'<nav class="[^"]*engage-language-switcher.*?</nav>', page, re.S)
    assert header and 'hreflang="pa"' in header[0]
    assert 'hreflang="pa"' not in client.get("/privacy").get_data(as_text=True)


def test_a_draft_translation_is_not_offered(app, client):
    _survey_in_punjabi(published=False)
    page = client.get("/surveys/every-kind").get_data(as_text=True)
    assert _survey_links(page) == []
    assert 'hreflang="pa"' not in page
    chosen = client.get("/surveys/every-kind?lang=pa").get_data(as_text=True)
    assert "ਹਸਪਤਾਲ ਤੱਕ ਪਹੁੰਚਣਾ" not in chosen, "an unpublished translation is never shown"


def test_a_punjabi_survey_sits_in_an_english_interface_that_says_so(app, client):
    _survey_in_punjabi()
    page = client.get("/surveys/every-kind?lang=pa").get_data(as_text=True)
    assert 'lang="en" dir="ltr"' in _html_tag(page), "the interface has no Punjabi catalogue"
    assert '<h1><span lang="pa" dir="ltr">ਹਸਪਤਾਲ ਤੱਕ ਪਹੁੰਚਣਾ</span></h1>' in page
    assert '<span lang="pa" dir="ltr">ਸਾਨੂੰ ਆਪਣੀ ਯਾਤਰਾ ਬਾਰੇ ਦੱਸੋ।</span>' in page
    notice = re.search(r'<div class="[^"]*engage-interface-fallback"[^>]*>(.*?)</div>', page, re.S)
    assert notice, "the page does not say why the rest of it is in English"
    assert 'lang="en"' in notice.group(0)
    assert "This survey is in Punjabi" in notice.group(1)
    assert '<span lang="pa" dir="ltr">ਪੰਜਾਬੀ</span>' in notice.group(1)
    assert "<title>ਹਸਪਤਾਲ ਤੱਕ ਪਹੁੰਚਣਾ" in page
    # Back to English from the survey's own list of languages.
    links = _survey_links(page)
    assert ("/surveys/every-kind?lang=en", "en", "ltr", "English") in links
    english = client.get("/surveys/every-kind?lang=en").get_data(as_text=True)
    assert "<h1>Getting to hospital</h1>" in english and "engage-interface-fallback" not in english


def test_a_resident_answers_in_punjabi_and_the_answers_stay_english_values(app, client):
    survey = _survey_in_punjabi()
    client.get("/surveys/every-kind?lang=pa")
    post_form(client, "/surveys/every-kind", {})
    section = client.get("/surveys/every-kind/section/1").get_data(as_text=True)
    assert '<span lang="pa" dir="ltr">ਤੁਹਾਡੀ ਫੇਰੀ ਬਾਰੇ</span>' in section
    assert '<span lang="pa" dir="ltr">ਫਰਨੈੱਸ ਜਨਰਲ ਹਸਪਤਾਲ</span>' in section
    assert 'value="Furness General Hospital"' in section, "the stored value stays English"
    assert "When did you visit?" in section, "an untranslated question falls back to English"
    assert '<span lang="en" dir="ltr">When did you visit?</span>' not in section, (
        "no need to mark English on an English page"
    )
    assert "Some parts of this survey have not been translated yet" in section
    assert "engage-interface-fallback" in section
    post_form(
        client,
        "/surveys/every-kind/section/1",
        {
            "consent": "Yes",
            "hospital": "Furness General Hospital",
            "modes": ["Bus", "Walked"],
            "action": "continue",
        },
    )
    post_form(client, "/surveys/every-kind/section/2", {"fft": "Good", "action": "continue"})
    check = client.get("/surveys/every-kind/check").get_data(as_text=True)
    assert "ਫਰਨੈੱਸ ਜਨਰਲ ਹਸਪਤਾਲ" in check and "ਬੱਸ" in check
    assert "engage-interface-fallback" in check, "checking answers says why the page is English"
    post_form(client, "/surveys/every-kind/check", {})
    response = db.session.scalar(select(Response))
    assert response.status == "submitted"
    assert response.language == "pa", "the response records the language it was given in"
    values = dict(db.session.execute(select(Answer.question_id, Answer.value)).tuples().all())
    assert values[_q(survey, "hospital").id] == "Furness General Hospital"
    assert values[_q(survey, "modes").id] == ["Bus", "Walked"]
    assert values[_q(survey, "consent").id] == "Yes"


def test_a_polish_reader_is_offered_the_languages_this_survey_has(app, client):
    _survey_in_punjabi()
    page = client.get("/surveys/every-kind?lang=pl").get_data(as_text=True)
    assert 'lang="pl"' in _html_tag(page)
    assert '<h1><span lang="en" dir="ltr">Getting to hospital</span></h1>' in page
    assert "Ta ankieta w innych językach" in page
    codes = {code for _, code, _, _ in _survey_links(page)}
    assert codes == {"en", "pa"}, codes


def test_a_survey_without_the_chosen_language_says_so_in_english(app, client):
    create_survey()
    page = client.get("/surveys/every-kind?lang=bn").get_data(as_text=True)
    assert 'lang="en"' in _html_tag(page)
    assert "<h1>Getting to hospital</h1>" in page
    assert "This survey has not been translated into your language yet" in page
    assert "engage-interface-fallback" not in page


def test_the_chosen_language_is_kept_for_the_visit_and_the_home_page_uses_it(app, client):
    _survey_in_punjabi()
    client.get("/surveys/every-kind?lang=pa")
    home = client.get("/").get_data(as_text=True)
    assert 'lang="en"' in _html_tag(home)
    assert '<span lang="pa" dir="ltr">ਹਸਪਤਾਲ ਤੱਕ ਪਹੁੰਚਣਾ</span>' in home
    switcher = re.search(r'<nav class="[^"]*engage-language-switcher.*?</nav>', home, re.S)
    assert switcher and 'hreflang="en"' in switcher[0], "English is offered to go back to"


def _member(language: str) -> Person:
    person = Person(
        ref="jas", given_name="Jaspreet", email="jas@example.org", preferred_language=language
    )
    db.session.add_all([person, PanelMembership(person=person, joined_on=date(2025, 1, 1))])
    db.session.commit()
    return person


def test_a_panel_members_recorded_language_opens_the_survey_in_it(app, client):
    survey = _survey_in_punjabi(audience="panel")
    person = _member("pa")
    with app.test_request_context():
        invitations.invite(survey.id, invitations.Segment())
    mail = db.session.scalar(select(OutboundMessage).where(OutboundMessage.person_id == person.id))
    assert "ਹਸਪਤਾਲ ਤੱਕ ਪਹੁੰਚਣਾ" in mail.subject
    link = next(line for line in mail.body.splitlines() if "/i/" in line)
    page = client.get(link, follow_redirects=True).get_data(as_text=True)
    assert '<h1><span lang="pa" dir="ltr">ਹਸਪਤਾਲ ਤੱਕ ਪਹੁੰਚਣਾ</span></h1>' in page
    post_form(client, "/surveys/every-kind", {})
    post_form(
        client,
        "/surveys/every-kind/section/1",
        {"consent": "Yes", "hospital": "Royal Preston Hospital", "modes": ["Car"]},
    )
    post_form(client, "/surveys/every-kind/section/2", {"fft": "Good"})
    post_form(client, "/surveys/every-kind/check", {})
    response = db.session.scalar(select(Response).where(Response.person_id == person.id))
    assert response.status == "submitted" and response.language == "pa"


def test_a_choice_made_in_the_visit_wins_over_the_members_record(app, client):
    survey = _survey_in_punjabi(audience="panel")
    _member("pa")
    with app.test_request_context():
        invitations.invite(survey.id, invitations.Segment())
    body = db.session.scalar(select(OutboundMessage.body))
    link = next(line for line in body.splitlines() if "/i/" in line)
    client.get("/?lang=en")
    page = client.get(link, follow_redirects=True).get_data(as_text=True)
    assert "<h1>Getting to hospital</h1>" in page


def test_joining_the_panel_offers_the_language_the_resident_chose(app, client):
    _survey_in_punjabi()
    client.get("/surveys/every-kind?lang=pa")
    page = client.get("/panel/join").get_data(as_text=True)
    assert re.search(r'<option[^>]*value="pa"[^>]*selected|<input[^>]*value="pa"[^>]*checked', page)
