"""The residents' site in community languages: locale choice, direction and the switcher.

Only resident-facing pages (the survey and panel blueprints' public views) are translated; staff
pages stay in English so that a page is never half one language and half another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, request, session, url_for
from flask_babel import Babel
from flask_babel import lazy_gettext as _l

SESSION_KEY = "language"
DEFAULT_LANGUAGE = "en"
RESIDENT_BLUEPRINTS = frozenset({"survey", "panel"})


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # in the language itself, as a reader of it looks for it
    english_name: str
    direction: str = "ltr"
    # Interface text drafted by machine; a qualified translator has not yet confirmed it.
    reviewed: bool = False


LANGUAGES: dict[str, Language] = {
    "en": Language("en", "English", "English", reviewed=True),
    "pl": Language("pl", "Polski", "Polish"),
    "ur": Language("ur", "اردو", "Urdu", direction="rtl"),
}
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ps", "ur", "yi"})

# Values stored in English whose labels residents see translated: marked here for extraction.
CHOICE_LABELS = (
    _l("Prefer not to say"),
    _l("Female"),
    _l("Male"),
    _l("Yes"),
    _l("No"),
    _l("Asian or Asian British"),
    _l("Black, Black British, Caribbean or African"),
    _l("Mixed or multiple ethnic groups"),
    _l("White"),
    _l("Other ethnic group"),
    _l("Email"),
    _l("Text message"),
    _l("Phone call"),
    _l("Letter"),
    _l("English"),
    _l("Polish"),
    _l("Urdu"),
)


def supported() -> list[str]:
    """Language codes residents may choose (config can add one, e.g. a test's pseudo-locale)."""
    return list(current_app.config.get("ENGAGE_LANGUAGES") or LANGUAGES)


def is_resident_page() -> bool:
    if request.blueprint not in RESIDENT_BLUEPRINTS or request.endpoint is None:
        return False
    view = current_app.view_functions.get(request.endpoint)
    return bool(getattr(view, "is_public", False))


def remember_person_language(code: str | None) -> None:
    """A panel member's recorded language applies when the visit has not chosen one."""
    if code in supported():
        g.engage_person_language = code


def select_locale() -> str:
    """?lang= (kept for the visit), the visit's choice, the member's, the browser's, English."""
    try:
        if not is_resident_page():
            return DEFAULT_LANGUAGE
    except RuntimeError:  # outside a request: jobs and emails pass a locale explicitly
        return DEFAULT_LANGUAGE
    choices = supported()
    asked = request.args.get("lang")
    if asked in choices:
        session[SESSION_KEY] = asked
        return asked
    held = session.get(SESSION_KEY)
    if held in choices:
        return str(held)
    member = g.get("engage_person_language")
    if member in choices:
        return str(member)
    return request.accept_languages.best_match(choices) or DEFAULT_LANGUAGE


def current_language() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return str(locale.language) if locale is not None else DEFAULT_LANGUAGE


def direction(code: str) -> str:
    language = LANGUAGES.get(code)
    if language is not None:
        return language.direction
    return "rtl" if code in RTL_LANGUAGES else "ltr"


def switcher() -> list[dict[str, Any]]:
    """Links to this page in each other language; none on staff pages."""
    if not is_resident_page() or request.endpoint is None:
        return []
    here = current_language()
    args = {**(request.view_args or {}), **request.args.to_dict()}
    links = []
    for code in supported():
        language = LANGUAGES.get(code)
        if language is None or code == here:
            continue
        args["lang"] = code
        links.append(
            {
                "code": code,
                "name": language.name,
                "english_name": language.english_name,
                "direction": language.direction,
                "href": url_for(request.endpoint, **args),
            }
        )
    return links


def needs_review() -> Language | None:
    """The current language when its interface text is still an unreviewed machine draft."""
    language = LANGUAGES.get(current_language())
    return language if language is not None and not language.reviewed else None


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(_translations_dir()))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals.update(
        current_language=current_language,
        text_direction=direction,
        language_switcher=switcher,
        language_needs_review=needs_review,
    )


def _translations_dir() -> Any:
    from engage.config import PROJECT_ROOT

    return PROJECT_ROOT / "translations"
