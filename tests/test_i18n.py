"""Residents read the site in their language: every interface string is translatable, the
choice of language persists, pages say their language and direction, and the shipped catalogues
are complete, compiled and marked as machine drafts until a translator confirms them."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale, format_date
from sqlalchemy import select

from engage.config import PROJECT_ROOT
from engage.extensions import db
from engage.i18n import LANGUAGES
from engage.models import (
    Intention,
    Person,
    Place,
    Question,
    Section,
    Survey,
    SurveyTranslation,
    Theme,
    YouSaidWeDid,
)
from engage.services import intentions, panel, yousaid
from tests.conftest import csrf_token_from
from tests.factories import create_survey

PSEUDO = "eo"  # a real locale (Babel knows it) that Engage does not ship: the test's own catalogue
OPEN, CLOSE = "⟦", "⟧"
TRANSLATIONS = PROJECT_ROOT / "translations"
PYBABEL = str(Path(sys.executable).parent / "pybabel")


def _extract(target: Path) -> Path:
    """Extract the messages the code marks today (not the committed template, which may lag)."""
    pot = target / "messages.pot"
    subprocess.run(
        [
            PYBABEL,
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(pot),
            ".",  # babel.cfg's patterns are relative to the project; it skips .venv itself
        ],
        cwd=PROJECT_ROOT,
        check=True,
    )
    return pot


@pytest.fixture(scope="session")
def pseudo_catalogue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A catalogue that wraps every message in brackets, so untranslated text stands out."""
    root = tmp_path_factory.mktemp("pseudo")
    with _extract(root).open("rb") as f:
        catalog = read_po(f, locale=PSEUDO)
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            message.string = tuple(f"{OPEN}{i}{CLOSE}" for i in message.id)
        else:
            message.string = f"{OPEN}{message.id}{CLOSE}"
    out = root / PSEUDO / "LC_MESSAGES"
    out.mkdir(parents=True)
    with (out / "messages.mo").open("wb") as f:
        write_mo(f, catalog)
    return root


@pytest.fixture
def pseudo_app(app, pseudo_catalogue):
    app.config["ENGAGE_LANGUAGES"] = [*LANGUAGES, PSEUDO]
    app.extensions["babel"].translation_directories.append(str(pseudo_catalogue))
    return app


class _VisibleText(HTMLParser):
    """Text a resident reads or hears: text nodes plus labelling attributes.

    Parts marked with another language (``lang="en"`` beside a translation, a language's own
    name in the switcher) are skipped: they are deliberately not in the page's language.
    """

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    LABELS = ("aria-label", "alt", "title", "placeholder")

    def __init__(self, page_lang: str) -> None:
        super().__init__()
        self.page_lang = page_lang
        self.stack: list[bool] = []  # per open element: is its content skipped?
        self.parts: list[str] = []

    def _skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        lang = found.get("lang")
        skip = (
            self._skipping()
            or tag in ("script", "style", "title")  # <title> is checked separately
            or (lang is not None and tag != "html" and lang != self.page_lang)
        )
        if not skip:
            self.parts.extend(found[a] or "" for a in self.LABELS if found.get(a))
        if tag not in self.VOID:
            self.stack.append(skip)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping():
            self.parts.append(data)


def _data_strings() -> list[str]:
    """What residents and staff wrote (surveys, places, people): data, not interface text."""
    found: set[str] = {"NHS"}  # the NHS logo's accessible name is the brand, in every language
    for survey in db.session.scalars(select(Survey)):
        found |= {survey.title, survey.purpose or ""}
        for day in (survey.opens_on, survey.closes_on):
            if day:
                with force_locale(PSEUDO):
                    found.add(format_date(day, "d MMMM y"))
    found |= {s.title for s in db.session.scalars(select(Section))}
    for q in db.session.scalars(select(Question)):
        found |= {q.text, q.text.rstrip("?"), q.hint or "", q.error_message or ""}
        found |= set(q.options or [])
    found |= {p.name for p in db.session.scalars(select(Place))}
    for person in db.session.scalars(select(Person)):
        found |= {person.given_name or "", person.family_name or "", person.email or ""}
    found |= {own for own, _ in panel.PREFERRED_LANGUAGES.values()}
    # The plans' and the team's own words on "you said, we did" (shown as written).
    for intention in db.session.scalars(select(Intention)):
        found |= {intention.title, intention.domain}
    found |= {t.name for t in db.session.scalars(select(Theme))}
    return sorted((s for s in found if s), key=len, reverse=True)


def untranslated(html: str, typed: tuple[str, ...] = ()) -> list[str]:
    """Interface text on the page that did not come through the pseudo-locale's catalogue."""
    lang = re.search(r'<html[^>]*\blang="([^"]+)"', html)
    assert lang and lang.group(1) == PSEUDO, "the page is not in the pseudo-locale"
    title = re.search(r"<title[^>]*>(.*?)</title>", html, re.S)
    parser = _VisibleText(PSEUDO)
    parser.feed(html)
    text = " ¦ ".join([*(parser.parts), title.group(1) if title else ""])
    # Innermost first: a message may carry another as a value ("a ⟦month⟧ and ⟦year⟧").
    innermost = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
    while innermost.search(text):
        text = innermost.sub(" ", text)
    text = re.sub(r"https?://\S+|\b[A-Z0-9]{4} [A-Z0-9]{4}\b", " ", text)  # links and codes
    for known in sorted(
        {*_data_strings(), *typed}, key=len, reverse=True
    ):  # whole phrases only: the option "Car" is not in "Care"
        text = re.sub(rf"(?<!\w){re.escape(known)}(?!\w)", " ", text)
    left = (" ".join(part.split()) for part in text.split("¦"))
    return [part for part in left if re.search(r"[^\W\d_]{2,}", part)]


def _form(client, url: str, data: dict, follow: bool = False):
    page = client.get(url)
    return client.post(
        url,
        data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), **data},
        follow_redirects=follow,
    )


GOOD_FIRST_SECTION = {
    "consent": "Yes",
    "hospital": "Royal Preston Hospital",
    "modes": ["Bus"],
    "visit_date-day": "3",
    "visit_date-month": "2",
    "visit_date-year": "2025",
}


def _resident_pages(client) -> dict[str, str]:
    """Every page a resident can reach, in every state that shows different text."""
    today = date.today()
    survey = create_survey()
    # Also in Punjabi, which the interface is not: its start page offers the survey's languages.
    db.session.add(
        SurveyTranslation(
            survey_id=survey.id, language="pa", strings={"survey.title": "ਹਸਪਤਾਲ"}, published=True
        )
    )
    db.session.commit()
    create_survey(slug="closed", closes_on=today - timedelta(days=1), status="closed")
    create_survey(slug="later", opens_on=today + timedelta(days=5), status="scheduled")
    create_survey(slug="members", audience="panel")
    pages: dict[str, str] = {}

    def grab(name: str, response) -> None:
        assert response.status_code == 200, f"{name}: {response.status_code}"
        pages[name] = response.get_data(as_text=True)

    grab("home", client.get(f"/?lang={PSEUDO}"))
    for path in ("/privacy", "/accessibility", "/surveys/every-kind"):
        grab(path, client.get(path))
    for slug in ("closed", "later", "members"):
        grab(f"unavailable {slug}", client.get(f"/surveys/{slug}"))
    grab("resume", client.get("/surveys/every-kind/resume"))
    grab("resume, wrong code", _form(client, "/surveys/every-kind/resume", {"code": "AAAA1111"}))
    grab("resume, no code", _form(client, "/surveys/every-kind/resume", {"code": ""}))
    _form(client, "/surveys/every-kind", {})
    grab("section", client.get("/surveys/every-kind/section/1"))
    grab(
        "section with every problem",
        _form(
            client,
            "/surveys/every-kind/section/1",
            {"visit_date-day": "3", "minutes": "many", "postcode": "nowhere", "action": "continue"},
        ),
    )
    grab(
        "section, impossible date",
        _form(
            client,
            "/surveys/every-kind/section/1",
            {
                **GOOD_FIRST_SECTION,
                "consent": "No",
                "visit_date-day": "31",
                "visit_date-month": "2",
                "minutes": "1000000",
            },
        ),
    )
    grab(
        "saved",
        _form(
            client,
            "/surveys/every-kind/section/1",
            {**GOOD_FIRST_SECTION, "action": "save"},
            follow=True,
        ),
    )
    _form(client, "/surveys/every-kind/section/1", {**GOOD_FIRST_SECTION, "action": "continue"})
    grab("second section", client.get("/surveys/every-kind/section/2"))
    grab(
        "second section, problems",
        _form(client, "/surveys/every-kind/section/2", {"comments": "x" * 2001}),
    )
    _form(client, "/surveys/every-kind/section/2", {"fft": "Good", "action": "continue"})
    grab("check answers", client.get("/surveys/every-kind/check"))
    grab("confirmation", _form(client, "/surveys/every-kind/check", {}, follow=True))

    grab("join", client.get("/panel/join"))
    grab("join with problems", _form(client, "/panel/join", {"sex": "Female"}))
    grab(
        "joined",
        _form(
            client,
            "/panel/join",
            {
                "given_name": "Ada",
                "email": "ada@example.org",
                "contact_preference": "email",
                "place": "elsewhere",
                "preferred_language": "pl",
                "communication_needs": ["large_print"],
                "consent_panel": "y",
            },
            follow=True,
        ),
    )
    grab("request link", client.get("/panel/manage"))
    grab("request link, problem", _form(client, "/panel/manage", {"email": "not an email"}))
    grab("link sent", _form(client, "/panel/manage", {"email": "ada@example.org"}))
    person = db.session.scalar(select(Person).where(Person.email == "ada@example.org"))
    token = panel.issue_profile_token(person)
    db.session.commit()
    grab("profile", client.get(f"/panel/profile/{token}"))
    grab(
        "profile updated",
        _form(
            client,
            f"/panel/profile/{token}",
            {"contact_preference": "email", "place": "elsewhere", "preferred_language": "ur"},
            follow=True,
        ),
    )
    grab("leave", client.get(f"/panel/profile/{token}/leave"))
    grab("left", _form(client, f"/panel/profile/{token}/leave", {}, follow=True))
    grab("erase", client.get(f"/panel/profile/{token}/delete"))
    grab("erased", _form(client, f"/panel/profile/{token}/delete", {}, follow=True))

    grab("you said, we did: none yet", client.get("/you-said-we-did/"))
    shown = _you_said_we_did()
    grab("you said, we did", client.get("/you-said-we-did/"))
    for item in shown:
        grab(f"you said, we did: {item.id}", client.get(f"/you-said-we-did/{item.id}"))
    return pages


def _you_said_we_did() -> list[YouSaidWeDid]:
    """Published responses in every shape residents read: under a plan (two, one not possible
    with its reason), about a theme in the light of a plan, and about a theme alone."""
    intentions.load_catalogue()
    plan = db.session.scalars(select(Intention).order_by(Intention.id)).first()
    assert plan is not None
    theme = Theme(slug="parking", name="Parking")
    db.session.add(theme)
    db.session.commit()
    shapes = [
        (None, plan.id, yousaid.Draft("You said buses stop early.", "We added one.", "done")),
        (
            None,
            plan.id,
            yousaid.Draft(
                "You said: a new car park.", "We looked.", "not_possible", "It is listed"
            ),
        ),
        (theme.id, plan.id, yousaid.Draft("You said parking costs.", "We asked.", "considering")),
        (theme.id, None, yousaid.Draft("You said it is full.", "We counted.", "acting")),
    ]
    made = []
    for theme_id, plan_id, draft in shapes:
        item = yousaid.create_response(yousaid.choose_subject(theme_id, plan_id), draft, None)
        made.append(yousaid.publish(item.id))
    # Changed two days after publishing: the page says when it was updated.
    made[0].updated_at = made[0].published_at + timedelta(days=2)
    db.session.commit()
    return made


def test_every_resident_page_has_no_untranslated_interface_text(pseudo_app, client):
    pages = _resident_pages(client)
    from babel.dates import format_date

    # What the resident typed in; the date they gave, written in their language.
    typed = (
        "Ada",
        "ada@example.org",
        "x" * 2001,
        format_date(date(2025, 2, 3), "d MMMM y", PSEUDO),
    )
    problems = {name: found for name, html in pages.items() if (found := untranslated(html, typed))}
    assert not problems, f"untranslated interface text (not marked with _()): {problems}"
    assert len(pages) >= 36, f"only {len(pages)} resident pages were checked"
    assert sum(name.startswith("you said") for name in pages) == 6, "you said, we did unchecked"


def test_the_pseudo_locale_check_catches_an_unmarked_string(pseudo_app, client):
    html = client.get(f"/privacy?lang={PSEUDO}").get_data(as_text=True)
    assert untranslated(html) == [], "the privacy notice should be fully marked"
    broken = html.replace("</main>", "<p>Plain English nobody marked</p></main>")
    assert any("nobody marked" in found for found in untranslated(broken))


# --- choosing the language --------------------------------------------------------------------


def _html_tag(html: str) -> str:
    found = re.search(r"<html[^>]*>", html)
    assert found, "no <html> element"
    return found.group(0)


def test_lang_in_the_address_is_kept_for_the_rest_of_the_visit(client):
    first = client.get("/?lang=pl").get_data(as_text=True)
    assert 'lang="pl" dir="ltr"' in _html_tag(first)
    assert "Wyraź swoją opinię" in first
    later = client.get("/panel/join").get_data(as_text=True)
    assert 'lang="pl"' in _html_tag(later), "the visit's choice was not kept"
    assert "Dołącz do Panelu Obywatelskiego" in later


def test_urdu_pages_run_right_to_left(client):
    html = client.get("/?lang=ur").get_data(as_text=True)
    assert 'lang="ur" dir="rtl"' in _html_tag(html)
    assert "مقامی NHS خدمات کے بارے میں اپنی رائے دیں" in html


def test_the_browser_language_is_used_when_nothing_else_was_chosen(client):
    html = client.get("/", headers={"Accept-Language": "ur-PK,ur;q=0.9,en;q=0.5"})
    assert 'lang="ur"' in _html_tag(html.get_data(as_text=True))
    fallback = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert 'lang="en" dir="ltr"' in _html_tag(fallback.get_data(as_text=True))


def test_an_unknown_language_in_the_address_falls_back_to_english(client):
    html = client.get("/?lang=xx").get_data(as_text=True)
    assert 'lang="en"' in _html_tag(html)
    assert "Have your say on NHS services" in html


def test_a_panel_members_recorded_language_is_used_on_their_pages(app, client):
    person = panel.join(
        panel.Joining(
            given_name="Bilal",
            family_name=None,
            email="bilal@example.org",
            phone=None,
            postcode=None,
            place_id=None,
            contact_preference="email",
            demographics={},
            consent_to_demographics=False,
            communication=panel.CommunicationNeeds(preferred_language="ur"),
        )
    )
    token = panel.issue_profile_token(person)
    db.session.commit()
    html = client.get(f"/panel/profile/{token}").get_data(as_text=True)
    assert 'lang="ur" dir="rtl"' in _html_tag(html)
    # A choice made during the visit still wins over the recorded one.
    chosen = client.get(f"/panel/profile/{token}?lang=en").get_data(as_text=True)
    assert 'lang="en"' in _html_tag(chosen)


def test_staff_pages_stay_in_english_whatever_the_visit_chose(client):
    client.get("/?lang=ur")
    html = client.get("/staff/login?lang=ur").get_data(as_text=True)
    assert 'lang="en" dir="ltr"' in _html_tag(html)
    assert "engage-language-switcher" not in html, "staff pages offer no language switcher"


def test_the_switcher_is_plain_links_naming_each_language_in_itself(client):
    html = client.get("/surveys/unknown-survey-is-404?lang=en")
    assert html.status_code == 404
    page = client.get("/privacy").get_data(as_text=True)
    switcher = re.search(r'<nav class="[^"]*engage-language-switcher.*?</nav>', page, re.S)
    assert switcher, "no language switcher in the header"
    links = re.findall(r'<a href="([^"]+)" lang="(\w+)" hreflang="\w+" dir="(\w+)">', switcher[0])
    assert ("/privacy?lang=pl", "pl", "ltr") in links
    assert ("/privacy?lang=ur", "ur", "rtl") in links
    assert "Polski" in switcher[0] and "اردو" in switcher[0]
    assert "<script" not in switcher[0]


def test_machine_drafted_languages_say_so_in_the_language_and_in_english(client):
    html = client.get("/?lang=pl").get_data(as_text=True)
    assert "Ta strona została przetłumaczona maszynowo" in html
    assert "translated into Polish by machine and has not yet been checked" in html
    english = client.get("/?lang=en").get_data(as_text=True)
    assert "by machine" not in english


def test_validation_messages_come_in_the_residents_language(client):
    client.get("/?lang=pl")
    html = _form(client, "/panel/join", {}).get_data(as_text=True)
    assert "Podaj swoje imię" in html
    assert "Wystąpił problem" in html
    assert "Enter your first name" not in html


def test_dates_are_written_in_the_residents_language(app, client):
    create_survey(closes_on=date(2030, 3, 27))
    html = client.get("/surveys/every-kind?lang=pl").get_data(as_text=True)
    assert "27 marca 2030" in html
    assert "27 March 2030" in client.get("/surveys/every-kind?lang=en").get_data(as_text=True)


# --- the catalogues ---------------------------------------------------------------------------


def _po(code: str):
    with (TRANSLATIONS / code / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=code)


@pytest.mark.parametrize("code", [c for c in LANGUAGES if c != "en"])
def test_each_shipped_catalogue_translates_every_marked_string(code, tmp_path):
    with _extract(tmp_path).open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    catalog = _po(code)
    have = {m.id for m in catalog if m.id and m.string and all(m.string) and not m.fuzzy}
    missing = sorted(str(m) for m in wanted - have)
    assert not missing, f"{code}: run `make translations` and translate {missing}"


@pytest.mark.parametrize("code", [c for c in LANGUAGES if c != "en"])
def test_compiled_catalogues_match_their_sources(code):
    def plain(value):  # plurals come back as lists from .mo and tuples from .po
        return value if isinstance(value, str) else tuple(value)

    source = {plain(m.id): plain(m.string) for m in _po(code) if m.id}
    with (TRANSLATIONS / code / "LC_MESSAGES" / "messages.mo").open("rb") as f:
        compiled = {plain(m.id): plain(m.string) for m in read_mo(f) if m.id}
    assert compiled == source, f"{code}: messages.mo is stale; run `make translations`"


@pytest.mark.parametrize("code", [c for c in LANGUAGES if c != "en"])
def test_unreviewed_catalogues_are_marked_as_machine_drafts(code):
    language = LANGUAGES[code]
    header = _po(code).header_comment
    if not language.reviewed:
        assert "needs review by a qualified translator" in header
