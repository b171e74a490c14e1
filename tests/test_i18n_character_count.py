"""The character count under long answers speaks the page's language, with and without
JavaScript: its messages come from the catalogue as the NHS.UK script's data-i18n options, one
per plural category the language has (Polish: one, few, many; Urdu: one, other)."""

from __future__ import annotations

import html as htmllib
import re

import pytest

from tests.conftest import post_form
from tests.factories import create_survey

LONG_ONLY = [("Your story", [{"key": "story", "kind": "free_text_long", "text": "Tell us"}])]


def _messages(page: str) -> dict[str, str]:
    group = re.search(r'<div class="[^"]*nhsuk-character-count"[^>]*>', page)
    assert group, "no character count on the page"
    return {
        key: htmllib.unescape(value)
        for key, value in re.findall(r'data-i18n\.([\w.-]+)="([^"]*)"', group.group(0))
    }


def _long_answer_page(client, lang: str) -> str:
    create_survey(sections=LONG_ONLY)
    client.get(f"/?lang={lang}")
    post_form(client, "/surveys/every-kind", {})
    return client.get("/surveys/every-kind/section/1").get_data(as_text=True)


def test_polish_pages_give_the_script_every_polish_plural(app, client):
    messages = _messages(_long_answer_page(client, "pl"))
    assert messages["characters-under-limit.one"] == "Pozostał Ci %{count} znak"
    assert messages["characters-under-limit.few"] == "Pozostały Ci %{count} znaki"
    assert messages["characters-under-limit.many"] == "Pozostało Ci %{count} znaków"
    assert "characters-under-limit.other" in messages, "the script needs .other to fall back on"
    assert messages["characters-over-limit.few"] == "Masz o %{count} znaki za dużo"
    assert messages["characters-at-limit"] == "Pozostało Ci 0 znaków"
    assert not any("You have" in m for m in messages.values()), messages


def test_urdu_pages_give_the_script_urdu_messages(app, client):
    page = _long_answer_page(client, "ur")
    messages = _messages(page)
    assert set(messages) == {
        "characters-under-limit.one",
        "characters-under-limit.other",
        "characters-at-limit",
        "characters-over-limit.one",
        "characters-over-limit.other",
    }
    assert messages["characters-under-limit.other"] == "آپ کے پاس %{count} حروف باقی ہیں"
    assert messages["characters-over-limit.one"] == "آپ نے %{count} حرف زیادہ لکھا ہے"


@pytest.mark.parametrize(
    ("lang", "without_script"),
    [("pl", "Możesz wpisać do 2000 znaków"), ("ur", "2000"), ("en", "up to 2000 characters")],
)
def test_the_page_without_javascript_says_the_limit_in_its_language(
    app, client, lang, without_script
):
    page = _long_answer_page(client, lang)
    info = re.search(r'id="story-info">([^<]*)<', page)
    assert info and without_script in info.group(1), info and info.group(1)
    if lang != "en":
        assert "You can enter" not in info.group(1)


def test_english_pages_keep_the_nhs_wording(app, client):
    messages = _messages(_long_answer_page(client, "en"))
    assert messages["characters-under-limit.one"] == "You have %{count} character remaining"
    assert messages["characters-under-limit.other"] == "You have %{count} characters remaining"
    assert messages["characters-over-limit.other"] == "You have %{count} characters too many"
