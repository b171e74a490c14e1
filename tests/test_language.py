"""Comments in other languages: detected offline, flagged in moderation, translated by the team,
and counted (never silently dropped) when analysis leaves them out untranslated."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from engage.extensions import db
from engage.models import AuditEvent, Comment, Role
from engage.services import analysis, language
from engage.services.comments import prepare
from tests.conftest import csrf_token_from
from tests.factories import create_survey

# Short patient-experience comments, written for this test, one line per language.
SAMPLES = {
    "en": [
        "The nurse was kind but I waited three hours to be seen",
        "Parking at the hospital is far too expensive for families",
        "I could not get a GP appointment for two weeks",
        "The receptionist explained everything clearly and calmly",
    ],
    "pl": [
        "Pielęgniarka była miła, ale czekałem trzy godziny na wizytę",
        "Parking przy szpitalu jest zdecydowanie za drogi dla rodzin",
        "Nie mogłem dostać wizyty u lekarza rodzinnego przez dwa tygodnie",
        "Recepcjonistka wszystko jasno i spokojnie wytłumaczyła",
    ],
    "ur": [
        "نرس بہت مہربان تھی لیکن مجھے تین گھنٹے انتظار کرنا پڑا",
        "ہسپتال میں پارکنگ خاندانوں کے لیے بہت مہنگی ہے",
        "مجھے دو ہفتوں تک ڈاکٹر سے ملاقات کا وقت نہیں ملا",
        "استقبالیہ پر موجود خاتون نے سب کچھ آرام سے سمجھایا",
    ],
    "pa": [
        "ਨਰਸ ਬਹੁਤ ਚੰਗੀ ਸੀ ਪਰ ਮੈਨੂੰ ਤਿੰਨ ਘੰਟੇ ਉਡੀਕ ਕਰਨੀ ਪਈ",
        "ਹਸਪਤਾਲ ਵਿੱਚ ਪਾਰਕਿੰਗ ਪਰਿਵਾਰਾਂ ਲਈ ਬਹੁਤ ਮਹਿੰਗੀ ਹੈ",
    ],
    "gu": [
        "નર્સ ખૂબ સારી હતી પણ મારે ત્રણ કલાક રાહ જોવી પડી",
        "હોસ્પિટલમાં પાર્કિંગ પરિવારો માટે ખૂબ મોંઘું છે",
    ],
    "bn": [
        "নার্স খুব ভালো ছিলেন কিন্তু আমাকে তিন ঘণ্টা অপেক্ষা করতে হয়েছে",
        "হাসপাতালে পার্কিং পরিবারের জন্য অনেক ব্যয়বহুল",
    ],
}


@pytest.mark.parametrize(
    ("code", "text"), [(code, text) for code, texts in SAMPLES.items() for text in texts]
)
def test_each_community_language_is_detected_offline(code, text):
    assert language.detect(text) == code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Good", language.UNKNOWN),  # too short to tell English from Polish
        ("Staff were lovely", language.UNKNOWN),
        ("", language.UNKNOWN),
        ("12/10 !!!", language.UNKNOWN),
        ("بہت اچھا", language.UNDETERMINED),  # short, but certainly not English
    ],
)
def test_short_texts_say_unknown_unless_their_script_rules_out_english(text, expected):
    assert language.detect(text) == expected


def test_unknown_is_stored_as_no_language_so_short_comments_are_analysed_as_before():
    assert language.stored(language.UNKNOWN) is None
    assert language.stored("ur") == "ur"


def test_detection_is_fast_once_loaded():
    language.detect(SAMPLES["en"][0])  # the first call loads lingua's models
    texts = [t for texts in SAMPLES.values() for t in texts] * 25
    started = time.perf_counter()
    for text in texts:
        language.detect(text)
    per_comment = (time.perf_counter() - started) / len(texts)
    assert per_comment < 0.01, f"{per_comment * 1000:.2f} ms per comment"


def _comment(text: str, **fields) -> Comment:
    comment = prepare(
        Comment(source="fft", source_key=f"lang-{abs(hash(text))}", original_text=text, **fields)
    )
    db.session.add(comment)
    db.session.commit()
    return comment


def test_comments_get_their_language_as_they_arrive(app):
    assert _comment(SAMPLES["ur"][0]).language == "ur"
    assert _comment(SAMPLES["en"][1]).language == "en"
    assert _comment("Fine").language is None
    assert _comment(SAMPLES["pl"][0], language="en").language == "en", "a known language stays"


def test_moderation_flags_a_comment_not_in_english(app, client, auth):
    comment = _comment(SAMPLES["ur"][1])
    auth.login(Role.ENGAGEMENT)
    html = client.get(f"/staff/moderation/{comment.id}").get_data(as_text=True)
    assert "Not in English" in html
    assert "Detected language: <strong>Urdu</strong>" in html
    assert "Analysis leaves this comment out until it has an English translation" in html
    english = _comment(SAMPLES["en"][0])
    html = client.get(f"/staff/moderation/{english.id}").get_data(as_text=True)
    assert "Detected language" not in html
    assert "Not in English? Set its language and add a translation" in html


def test_the_team_adds_a_translation_and_analysis_then_reads_it(app, client, auth):
    comment = _comment(SAMPLES["pl"][1], moderation_state="approved")
    comment.redacted_text = comment.original_text
    db.session.commit()
    assert language.left_out_untranslated().by_language == {"pl": 1}

    def in_scope() -> list[int]:
        return [cid for cid, _ in db.session.execute(analysis.scoped_comments(analysis.Scope()))]

    assert comment.id not in in_scope(), "untranslated: left out of English clustering"

    auth.login(Role.ENGAGEMENT)
    page = client.get(f"/staff/moderation/{comment.id}").get_data(as_text=True)
    token = csrf_token_from(page)
    response = client.post(
        f"/staff/comments/{comment.id}/translation",
        data={
            "csrf_token": token,
            "language": "pl",
            "translation_text": "Parking at the hospital is far too expensive for families",
        },
        follow_redirects=True,
    )
    assert "The English translation was saved" in response.get_data(as_text=True)
    db.session.refresh(comment)
    assert comment.translation_text.startswith("Parking at the hospital")
    assert comment.id in in_scope(), "analysis now reads the translation"
    assert language.left_out_untranslated().total == 0

    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.entity_type == "Comment", AuditEvent.action == "update")
    )
    assert event is not None, "adding a translation is audited"
    assert event.after["translation_text"] == "[redacted]", "the text is never copied"


def test_an_empty_translation_of_a_foreign_comment_is_refused_with_a_message(app, client, auth):
    comment = _comment(SAMPLES["ur"][2])
    auth.login(Role.ENGAGEMENT)
    page = client.get(f"/staff/moderation/{comment.id}").get_data(as_text=True)
    token = csrf_token_from(page)
    response = client.post(
        f"/staff/comments/{comment.id}/translation",
        data={"csrf_token": token, "language": "ur", "translation_text": "  "},
        follow_redirects=True,
    )
    assert "Enter the English translation of the comment" in response.get_data(as_text=True)
    db.session.refresh(comment)
    assert comment.translation_text is None


def test_a_wrongly_detected_comment_can_be_set_back_to_english(app):
    comment = _comment(SAMPLES["pl"][2])
    language.set_translation(comment.id, "", "en")
    db.session.refresh(comment)
    assert (comment.language, comment.translation_text) == ("en", None)
    assert not language.needs_translation(comment)


def test_left_out_comments_are_counted_by_language_and_scope(app):
    for code in ("ur", "ur", "pl"):
        c = _comment(SAMPLES[code][len(db.session.scalars(select(Comment)).all()) % 2])
        c.moderation_state = "approved"
    _comment(SAMPLES["bn"][0])  # pending: not in any analysis yet, so not counted
    db.session.commit()
    left = language.left_out_untranslated()
    assert left == language.LeftOut(total=3, by_language={"ur": 2, "pl": 1})
    assert language.left_out_untranslated(source="import").total == 0


def test_viewers_cannot_add_translations(app, client, auth):
    comment = _comment(SAMPLES["ur"][0])
    auth.login(Role.VIEWER)
    response = client.post(f"/staff/comments/{comment.id}/translation", data={})
    assert response.status_code in (400, 403)


def test_the_analysis_run_page_can_count_what_its_scope_left_out(app):
    survey = create_survey()
    inside = _comment(SAMPLES["ur"][3], moderation_state="approved", survey_id=survey.id)
    _comment(SAMPLES["pl"][3], moderation_state="approved")  # another scope
    scope = analysis.Scope(survey_id=survey.id)
    assert language.left_out_in_scope(scope).by_language == {"ur": 1}
    assert language.left_out_in_scope(scope.to_params()).total == 1
    assert inside.id not in [cid for cid, _ in db.session.execute(analysis.scoped_comments(scope))]
