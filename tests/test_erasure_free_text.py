"""A resident who asks for their data to be deleted leaves no words of their own behind: what
they typed keeps only its redaction, in the comment and in the answer it came from."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from engage.extensions import db
from engage.models import Answer, AuditEvent, Comment, PanelMembership, Person, Response
from engage.services import panel
from tests.factories import create_survey

TYPED = "Ring me on 07700 900123, I'm Asha Patel at 4 Mill Lane"


def _resident_who_wrote(redacted: str | None, proposed: str | None) -> tuple[Person, Comment]:
    survey = create_survey(slug="erasure-words")
    question = survey.sections[0].questions[0]
    person = Person(ref="ref-words", given_name="Asha", family_name="Patel")
    db.session.add(person)
    db.session.flush()
    db.session.add(PanelMembership(person_id=person.id, joined_on=date(2026, 1, 5)))
    response = Response(survey_id=survey.id, reference="REF-WORDS", person_id=person.id)
    db.session.add(response)
    db.session.flush()
    db.session.add(Answer(response_id=response.id, question_id=question.id, value=TYPED))
    comment = Comment(
        source="survey",
        source_key="answer:words",
        response_id=response.id,
        question_id=question.id,
        original_text=TYPED,
        redacted_text=redacted,
        proposed_redaction=proposed,
        moderation_state="approved" if redacted else "pending",
    )
    db.session.add(comment)
    db.session.commit()
    return person, comment


def _texts(comment_id: int) -> tuple[str, object]:
    comment = db.session.get(Comment, comment_id, populate_existing=True)
    assert comment is not None
    answer = db.session.scalars(
        select(Answer).where(Answer.response_id == comment.response_id)
    ).one()
    db.session.refresh(answer)
    return comment.original_text, answer.value


def test_an_erased_residents_moderated_words_keep_only_their_redaction(app):
    person, comment = _resident_who_wrote("Ring me on [phone], I'm [name] at [address]", None)
    panel.erase(person.id)
    original, answer = _texts(comment.id)
    assert original == answer == "Ring me on [phone], I'm [name] at [address]"


def test_words_not_yet_moderated_keep_the_detectors_proposal(app):
    person, comment = _resident_who_wrote(None, "Ring me on [phone], I'm Asha Patel")
    panel.erase(person.id)
    original, answer = _texts(comment.id)
    assert original == answer == "Ring me on [phone], I'm Asha Patel"


def test_words_with_no_redaction_at_all_are_removed(app):
    person, comment = _resident_who_wrote(None, None)
    panel.erase(person.id)
    original, answer = _texts(comment.id)
    assert original == answer == panel.ERASED_TEXT


def test_the_words_never_reach_the_audit_log(app):
    person, _ = _resident_who_wrote("Ring me on [phone]", None)
    panel.erase(person.id)
    notes = " ".join(
        f"{e.note} {e.before} {e.after}" for e in db.session.scalars(select(AuditEvent))
    )
    assert "07700" not in notes and "Mill Lane" not in notes
