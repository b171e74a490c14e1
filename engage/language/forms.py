"""The English translation of a comment, added by the engagement team during moderation."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from engage.services.language import DETECTED_LANGUAGES, MAX_TRANSLATION, UNDETERMINED

LANGUAGE_CHOICES = [
    *(SelectChoice(code, name) for code, name in DETECTED_LANGUAGES.items()),
    SelectChoice(UNDETERMINED, "Another language"),
]


class TranslationForm(FlaskForm):
    language = SelectField(
        "Language of the comment",
        description="Detected automatically; correct it if it is wrong.",
        choices=LANGUAGE_CHOICES,
        validators=[InputRequired("Select the language of the comment")],
    )
    translation_text = TextAreaField(
        "English translation",
        description=(
            "Translate what the redaction keeps: leave out names and other personal details. "
            "Analysis reads this instead of the comment. Leave it empty to remove a translation."
        ),
        validators=[
            Optional(),
            Length(
                max=MAX_TRANSLATION,
                message=f"The translation must be {MAX_TRANSLATION:,} characters or fewer",
            ),
        ],
    )
