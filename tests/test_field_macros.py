"""The lean field macros write the same markup as nhsuk-frontend-jinja's components did.

``templates/macros/fields.html`` renders the hot components (input, textarea, character count,
radios, error summary) itself, for speed. ``tests/templates/nhsuk_reference_fields.html`` keeps
the earlier macros that called nhsuk-frontend-jinja; every case here renders both and compares
the markup with only whitespace between and around tags ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from engage import create_app

REFERENCE = Path(__file__).parent / "templates" / "nhsuk_reference_fields.html"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    instance = tmp_path_factory.mktemp("macros")
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'unused.sqlite3'}",
            "WTF_CSRF_ENABLED": False,
        }
    )
    yield app


def _normalise(html: str) -> str:
    html = re.sub(r"\s+", " ", str(html))
    html = re.sub(r">\s+", ">", html)
    return re.sub(r"\s+<", "<", html).strip()


class Sample(FlaskForm):
    name = StringField("Your name", validators=[InputRequired("Enter your name")])
    hinted = StringField("Email", description="We only use it to reply")
    marked = StringField(Markup('<span lang="en" dir="ltr">Town</span> (optional)'))
    story = TextAreaField("Tell us", description="Do not include names")
    choice = RadioField(
        "Which hospital?",
        choices=[SelectChoice("a", "Royal Preston"), SelectChoice("b", "Don't <know>")],
        validators=[InputRequired("Select a hospital")],
    )


def _form(app: Flask, data: dict[str, Any] | None, validate: bool) -> Sample:
    from werkzeug.datastructures import MultiDict

    form = Sample(formdata=MultiDict(data) if data is not None else None)
    if validate:
        form.validate()
    return form


CALLS = [
    ("text_input(form.name)", None),
    ("text_input(form.hinted, type='email', autocomplete='email', spellcheck=false)", None),
    ("text_input(form.hinted, type='password', autocomplete='new-password')", None),
    ("text_input(form.name, width='20', large_label=true)", None),
    ("text_input(form.name, width=5, large_label=true, classes='', type='text')", None),
    ("text_input(form.name, width=10, classes='engage-extra', spellcheck=true)", None),
    ("text_input(form.marked, hint='Searches <b>both</b>')", None),
    ("textarea(form.story, rows=3)", None),
    ("textarea(form.story)", None),
    ("textarea(form.name, rows=2, hint='A hint')", None),
    ("character_count(form.story, 2000)", None),
    ("character_count(form.name, 500, rows=4, label_class='')", None),
    ("radios(form.choice)", None),
    ("radios(form.choice, legend_size='s', inline=true, hint='Pick one')", None),
    ("error_summary(form)", None),
]
STATES = {
    "empty": (None, False),
    "filled": (
        {"name": "<script>x</script>", "hinted": "a@b", "story": "Line\n<b>two</b>", "choice": "b"},
        False,
    ),
    "errors": ({"name": "", "story": "x", "choice": ""}, True),
}


@pytest.mark.parametrize("state", list(STATES))
@pytest.mark.parametrize("call", [c for c, _ in CALLS])
def test_lean_field_macros_write_the_markup_nhsuk_frontend_jinja_did(
    app: Flask, call: str, state: str
) -> None:
    data, validate = STATES[state]
    with app.test_request_context("/"):
        form = _form(app, data, validate)
        env = app.jinja_env
        reference = env.from_string(REFERENCE.read_text() + "{{ " + call + " }}").render(form=form)
        lean = env.from_string(
            '{% from "macros/fields.html" import text_input, textarea, character_count, radios,'
            " error_summary %}{{ " + call + " }}"
        ).render(form=form)
    assert _normalise(lean) == _normalise(reference), f"{call} ({state}) differs from NHS.UK's"


def test_error_summary_names_a_lost_session_like_nhsuk_frontend_jinja(app: Flask) -> None:
    class WithToken(FlaskForm):
        name = StringField("Your name")

    with app.test_request_context("/"):
        form = WithToken(meta={"csrf": True})
        form.validate()  # no token sent: the CSRF field has an error
        form.name.errors = ["Enter your name"]
        env = app.jinja_env
        reference = env.from_string(REFERENCE.read_text() + "{{ error_summary(form) }}").render(
            form=form
        )
        lean = env.from_string(
            '{% from "macros/fields.html" import error_summary %}{{ error_summary(form) }}'
        ).render(form=form)
    assert "timed out" in lean, "the lost-session message is missing"
    assert _normalise(lean) == _normalise(reference), "error summary differs from NHS.UK's"


COMPONENTS = [
    (
        'back_link("/surveys/a?x=1&y=2", "Back")',
        'backLink({"href": "/surveys/a?x=1&y=2", "text": "Back"})',
    ),
    (
        'submit_button("Continue", name="action", value="continue")',
        'button({"text": "Continue", "name": "action", "value": "continue"})',
    ),
    (
        'submit_button("Save", classes="nhsuk-button--secondary", name="action", value="save")',
        'button({"text": "Save", "name": "action", "value": "save",'
        ' "classes": "nhsuk-button--secondary"})',
    ),
    (
        'submit_button("Start now", classes="nhsuk-button--start")',
        'button({"text": "Start now", "classes": "nhsuk-button--start"})',
    ),  # fmt: skip
    (
        'submit_button("Send", prevent_double_click=true)',
        'button({"text": "Send", "attributes": {"data-prevent-double-click": "true"}})',
    ),
    (
        'summary_list([("Which <b>?", "A <script>", "/s/1#q", "Which <b>?"),'
        ' (markup, "Not answered", "/s/1#r", "Where")], "Change")',
        'summaryList({"rows": ['
        '{"key": {"text": "Which <b>?"}, "value": {"text": "A <script>"},'
        ' "actions": {"items": [{"href": "/s/1#q", "text": "Change",'
        ' "visuallyHiddenText": "Which <b>?"}]}},'
        '{"key": {"text": markup}, "value": {"text": "Not answered"},'
        ' "actions": {"items": [{"href": "/s/1#r", "text": "Change",'
        ' "visuallyHiddenText": "Where"}]}}]})',
    ),
    (
        'panel("Thank you", markup)',
        'panel({"titleText": "Thank you", "html": markup})',
    ),
]


@pytest.mark.parametrize(("lean_call", "nhsuk_call"), COMPONENTS)
def test_lean_components_write_the_markup_nhsuk_frontend_jinja_does(
    app: Flask, lean_call: str, nhsuk_call: str
) -> None:
    markup = Markup('<span lang="en" dir="ltr">Town</span> <strong>ENG-1</strong>')
    with app.test_request_context("/"):
        env = app.jinja_env
        lean = env.from_string(
            '{% from "macros/components.html" import back_link, submit_button, summary_list,'
            " panel %}{{ " + lean_call + " }}"
        ).render(markup=markup)
        reference = env.from_string(
            '{% from "nhsuk/components/back-link/macro.jinja" import backLink %}'
            '{% from "nhsuk/components/button/macro.jinja" import button %}'
            '{% from "nhsuk/components/summary-list/macro.jinja" import summaryList %}'
            '{% from "nhsuk/components/panel/macro.jinja" import panel %}'
            "{{ " + nhsuk_call + " }}"
        ).render(markup=markup)
    assert _normalise(lean) == _normalise(reference), f"{lean_call} differs from NHS.UK's"
