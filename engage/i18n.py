"""The residents' site in community languages: locale choice, direction and the switcher.

Only resident-facing pages (the survey, panel and "you said, we did" blueprints' public views)
are translated; staff pages stay in English so that a page is never half one language and half
another.

Two languages are in play on a resident's page. The *chosen* language is the one the resident
asked for (or their panel record, or their browser): any community language Engage knows. The
*interface* language (Flask-Babel's locale) is the chosen one where Engage has a catalogue for
it, otherwise English. A survey translated into a language without a catalogue (Punjabi, say) is
still shown in it: its own text in Punjabi, marked ``lang="pa"``, around an English interface
that says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from flask import Flask, current_app, g, request, session, url_for
from flask_babel import Babel, get_locale, get_translations, gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from markupsafe import Markup

SESSION_KEY = "language"
DEFAULT_LANGUAGE = "en"
RESIDENT_BLUEPRINTS = frozenset({"survey", "panel", "yousaid"})


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
    """Interface languages (config can add one, e.g. a test's pseudo-locale)."""
    return list(current_app.config.get("ENGAGE_LANGUAGES") or LANGUAGES)


def known() -> list[str]:
    """Every language a resident may choose: the interface's, and those surveys are written in.

    The community languages are the ones the panel records (``panel.PREFERRED_LANGUAGES``);
    a survey may be translated into any of them, whether or not the interface is.
    """
    from engage.services.panel import PREFERRED_LANGUAGES

    return [*supported(), *(c for c in PREFERRED_LANGUAGES if c not in supported())]


def language_names(code: str) -> tuple[str, str]:
    """(name in the language itself, English name) for a known code; the code when unknown."""
    if code in LANGUAGES:
        return LANGUAGES[code].name, LANGUAGES[code].english_name
    from engage.services.panel import PREFERRED_LANGUAGES

    if code in PREFERRED_LANGUAGES:
        own, english = PREFERRED_LANGUAGES[code]
        return own, str(english)
    return code, code


def is_resident_page() -> bool:
    if request.blueprint not in RESIDENT_BLUEPRINTS or request.endpoint is None:
        return False
    view = current_app.view_functions.get(request.endpoint)
    return bool(getattr(view, "is_public", False))


def remember_person_language(code: str | None) -> None:
    """A panel member's recorded language applies when the visit has not chosen one."""
    if code in known():
        g.engage_person_language = code


def chosen_language() -> str:
    """?lang= (kept for the visit), the visit's choice, the member's, the browser's, English.

    Any known language counts, including one the interface has no catalogue for: surveys use
    it where they have been translated into it. A page asks several times, so the answer is
    kept for the request while the visit's and the member's choices stay as they were.
    """
    inputs = (session.get(SESSION_KEY), g.get("engage_person_language"))
    kept = request.__dict__.get("engage_chosen_language")
    if kept is not None and kept[0] == inputs:
        return str(kept[1])
    chosen = _choose_language()
    inputs = (session.get(SESSION_KEY), g.get("engage_person_language"))
    request.__dict__["engage_chosen_language"] = (inputs, chosen)
    return chosen


def _choose_language() -> str:
    choices = known()
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


def select_locale() -> str:
    """The chosen language where the interface has a catalogue for it, else English."""
    try:
        if not is_resident_page():
            return DEFAULT_LANGUAGE
    except RuntimeError:  # outside a request: jobs and emails pass a locale explicitly
        return DEFAULT_LANGUAGE
    chosen = chosen_language()
    return chosen if chosen in supported() else DEFAULT_LANGUAGE


def resident_language() -> str:
    """The language a resident page should show content in (English on staff pages)."""
    try:
        return chosen_language() if is_resident_page() else current_language()
    except RuntimeError:
        return DEFAULT_LANGUAGE


def current_language() -> str:
    locale = get_locale()
    return str(locale.language) if locale is not None else DEFAULT_LANGUAGE


def direction(code: str) -> str:
    language = LANGUAGES.get(code)
    if language is not None:
        return language.direction
    return "rtl" if code in RTL_LANGUAGES else "ltr"


def offer_survey_languages(slug: str, codes: list[str]) -> None:
    """On this survey's pages, the switcher also offers the languages it is translated into."""
    # On the request, not g: a test's outer app context would share g between requests.
    request.engage_survey_languages = (slug, list(codes))  # type: ignore[attr-defined]


def switcher() -> list[dict[str, Any]]:
    """Links to this page in each other language; none on staff pages.

    The interface languages, then on a survey's own pages each language that survey has a
    published translation in.
    """
    if not is_resident_page() or request.endpoint is None:
        return []
    here = chosen_language()
    # The header and the survey's own language list both ask: build the links once a request.
    inputs = (here, getattr(request, "engage_survey_languages", None))
    kept = request.__dict__.get("engage_switcher")
    if kept is not None and kept[0] == inputs:
        return list(kept[1])
    links = _switcher_links(here, request.endpoint)
    request.__dict__["engage_switcher"] = (inputs, links)
    return list(links)


def _switcher_links(here: str, endpoint: str) -> list[dict[str, Any]]:
    codes = [c for c in supported() if c in LANGUAGES]
    offered = getattr(request, "engage_survey_languages", None)
    if offered and (request.view_args or {}).get("slug") == offered[0]:
        codes += [c for c in offered[1] if c not in codes]
    args = {**(request.view_args or {}), **request.args.to_dict()}
    links = []
    for code in codes:
        if code == here:
            continue
        name, english_name = language_names(code)
        args["lang"] = code
        links.append(
            {
                "code": code,
                "name": name,
                "english_name": english_name,
                "direction": direction(code),
                "href": url_for(endpoint, **args),
            }
        )
    return links


def english_attributes() -> Markup:
    """` lang="en" dir="ltr"` for an element holding what staff wrote, on a page in another
    language; nothing on an English page."""
    return Markup("") if current_language() == "en" else Markup(' lang="en" dir="ltr"')


def as_written(text: Any) -> Any:
    """What staff wrote (in English), shown as written and marked as English on a page in
    another language. Interface text (a lazy string) is translated as usual."""
    if isinstance(text, LazyString):
        return str(text)
    if not text or current_language() == "en":
        return text
    return Markup('<span lang="en" dir="ltr">{}</span>').format(text)


def needs_review() -> Language | None:
    """The current language when its interface text is still an unreviewed machine draft."""
    language = LANGUAGES.get(current_language())
    return language if language is not None and not language.reviewed else None


@lru_cache(maxsize=32)
def _plural_samples(code: str) -> dict[str, int]:
    """One whole number for each plural category (CLDR) of ``code`` that whole numbers reach.

    The browser's character count picks a message by ``Intl.PluralRules``, which names CLDR
    categories (Polish: one, few, many, other); gettext picks by number. Rendering each
    category's message from a number in it bridges the two.
    """
    try:
        rule = Locale.parse(code).plural_form
    except (ValueError, UnknownLocaleError):
        return {"one": 1, "other": 5}
    samples: dict[str, int] = {}
    for number in range(0, 200):
        samples.setdefault(rule(number), number)
    # "other" may be reached only by fractions (Polish): give it the general plural.
    samples.setdefault("other", 5)
    return samples


def character_count_messages() -> dict[str, Any]:
    """The NHS.UK character count's messages in the page's language, as its macro's i18n options.

    Its script fills in the count (``%{count}``) and picks a plural by the page's ``lang``.
    """
    count = "%{count}"
    under: dict[str, str] = {}
    over: dict[str, str] = {}
    for category, n in _plural_samples(current_language()).items():
        under[category] = ngettext(
            "You have %(count)s character remaining",
            "You have %(count)s characters remaining",
            n,
            count=count,
        )
        over[category] = ngettext(
            "You have %(count)s character too many",
            "You have %(count)s characters too many",
            n,
            count=count,
        )
    return {
        "charactersUnderLimitText": under,
        "charactersAtLimitText": gettext("You have 0 characters remaining"),
        "charactersOverLimitText": over,
    }


_CHARACTER_COUNT: dict[str, tuple[Any, Markup]] = {}  # language -> (its translations, markup)


def character_count_attributes() -> Markup:
    """The same messages as data-i18n attributes, written as nhsuk-frontend-jinja writes them.

    Without them the script speaks English whatever the page's language. They depend only on
    the language and its catalogue, so each is worked out once per process.
    """
    language, translations = current_language(), _translations()
    held = _CHARACTER_COUNT.get(language)
    if held is not None and held[0] is translations:
        return held[1]
    made = _character_count_attributes()
    _CHARACTER_COUNT[language] = (translations, made)
    return made


def _character_count_attributes() -> Markup:
    messages = character_count_messages()
    pairs = [
        *(
            (f"characters-under-limit.{c}", t)
            for c, t in messages["charactersUnderLimitText"].items()
        ),
        ("characters-at-limit", messages["charactersAtLimitText"]),
        *(
            (f"characters-over-limit.{c}", t)
            for c, t in messages["charactersOverLimitText"].items()
        ),
    ]
    return Markup("").join(Markup(' data-i18n.{}="{}"').format(key, text) for key, text in pairs)


def _translations() -> Any:
    """Flask-Babel's translations for the current locale, found once per locale a request.

    A page calls gettext 20 to 30 times; Flask-Babel looks up its domain, the locale and the
    locale's cache entry on every call. Keyed by the locale object, so ``force_locale`` (an
    email in the member's language) still gets its own.
    """
    locale = get_locale()
    if locale is None:  # outside a request
        return get_translations()
    held = g.get("engage_translations")
    if held is not None and held[0] is locale:
        return held[1]
    found = get_translations()
    g.engage_translations = (locale, found)
    return found


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(_translations_dir()))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    Babel(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals.update(
        current_language=current_language,
        text_direction=direction,
        language_switcher=switcher,
        language_needs_review=needs_review,
        language_names=language_names,
        english_attributes=english_attributes,
        as_written=as_written,
        character_count_attributes=character_count_attributes,
        character_count_messages=character_count_messages,
    )


def _translations_dir() -> Any:
    from engage.config import PROJECT_ROOT

    return PROJECT_ROOT / "translations"
