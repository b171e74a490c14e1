"""Fuzz the residents' public forms through the real pages (CSRF tokens taken from each page):
whatever is typed, no server error, and nothing invalid is ever stored.

Examples per test: ENGAGE_FUZZ_EXAMPLES (default 20, so the suite stays fast). The search is
derandomised (the same examples every run, so CI is stable) unless ENGAGE_FUZZ_RANDOM=1.
"""

from __future__ import annotations

import itertools
import re
from datetime import date
from typing import Any

from flask.testing import FlaskClient
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import select

from engage.extensions import db
from engage.models import Answer, Demographics, Person, Place, Question, Response
from engage.services import panel
from engage.services.demographics import AGE_BANDS, ETHNIC_GROUPS, PREFER_NOT, SEXES, YES_NO
from engage.survey.forms import LONG_TEXT_MAX, NUMBER_MAX, POSTCODE, SHORT_TEXT_MAX
from tests.conftest import csrf_token_from
from tests.factories import FFT, create_survey
from tests.fuzzing import FUZZ
from tests.pagecheck import check_page

_addresses = itertools.count(1)

# Text a resident (or a bot) might send: ordinary words, control characters, NUL, right-to-left
# marks, fullwidth digits, padding, and very long runs.
ODD = st.sampled_from(
    ["", " ", "\x00", "a\x00b", "\u202eevil", "１２", "٣", "1e5", "-1", "0", "00", "9" * 30,
     " 12 ", "1,000", "<script>alert(1)</script>", "=1+1", "PR1 8XY", "pr18xy",
     "PR1" + " " * 20 + "8XY", "PR1\t8XY", "PR1\n8XY", "Yes", "None", "null", "[]"]
)  # fmt: skip
TEXT = st.one_of(
    ODD,
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.builds(lambda c, n: c * n, st.sampled_from(["x", "é", "\x00", " "]),
              st.sampled_from([79, 80, 81, 199, 200, 201, 499, 500, 501, 1999, 2000, 2001])),
)  # fmt: skip


def _field(valid: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(valid), TEXT)


def _usually(valid: Any, odd: st.SearchStrategy[Any] = TEXT) -> st.SearchStrategy[Any]:
    """The valid value four times in five, else something odd: most forms then get as far as
    being stored, which is where an invalid value would slip in."""
    return st.tuples(st.integers(0, 4), odd).map(lambda t: t[1] if t[0] == 0 else valid)


# Controls (other than tab, newline, carriage return) and noncharacters: browsers show them, but
# they make an HTML5 "invalid codepoint" parse error when a page re-shows what was typed.
INVALID_CODEPOINTS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef"
    + "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(17))
    + "]"
)


class FuzzClient(FlaskClient):
    """Like the suite's page-checking client, but a control character echoed back is allowed."""

    def open(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        body = response.get_data(as_text=True)
        assert "Traceback" not in body, "a traceback reached the page"
        if response.mimetype == "text/html" and response.status_code == 200:
            check_page(INVALID_CODEPOINTS.sub("?", body), url=str(response.request.path))
        return response


def _fresh(app: Any) -> Any:
    client = FuzzClient(app, app.response_class, use_cookies=True)
    # Each example comes from its own address, as a stream of different residents would.
    n = next(_addresses)
    client.environ_base["REMOTE_ADDR"] = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
    return client


def _post(client: Any, url: str, data: dict[str, Any]) -> Any:
    page = client.get(url)
    assert page.status_code < 500, f"GET {url} gave {page.status_code}"
    if page.status_code != 200:
        return page
    return client.post(
        url, data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), **data}
    )


def _no_nul(value: Any, where: str) -> None:
    assert "\x00" not in str(value), f"a NUL character was stored in {where}"


# --- the survey runner ---------------------------------------------------------------------------

SECTION_1 = st.fixed_dictionaries(
    {
        "consent": _usually("Yes"),
        "hospital": _usually("Royal Preston Hospital"),
        "modes": _usually(
            ["Bus", "Walked"], st.lists(_field(["Bus", "Car", "Walked"]), max_size=4)
        ),
        "visit_date-day": _usually("3", _field(["29", "31", "32"])),
        "visit_date-month": _usually("2", _field(["12", "13"])),
        "visit_date-year": _usually("2025", _field(["1899", str(date.today().year + 1)])),
        "minutes": _usually("45", _field(["0", str(NUMBER_MAX), str(NUMBER_MAX + 1)])),
        "postcode": _usually("PR1 8XY", _field(["pr1", "LA14 4LF", "PR1" + " " * 20 + "8XY"])),
        "action": st.sampled_from(["", "save"]),
    }
)
SECTION_2 = st.fixed_dictionaries(
    {
        "ease": _usually("3", _field(["1", "5", "6"])),
        "fft": _usually("Good", _field(FFT)),
        "one_change": _usually("More buses"),
        "comments": _usually("The bus was late"),
        "action": st.sampled_from(["", "save"]),
    }
)


def _check_stored_answers() -> None:
    """Every stored answer is one the question allows."""
    rows = db.session.execute(
        select(Question.key, Question.kind, Question.options, Answer.value).join(
            Answer, Answer.question_id == Question.id
        )
    )
    for key, kind, options, value in rows:
        if value is None:
            continue
        _no_nul(value, key)
        if kind in ("single_choice", "consent", "fft"):
            assert value in options, f"{key}: {value!r} is not one of its options"
        elif kind == "multi_choice":
            assert isinstance(value, list) and set(value) <= set(options), f"{key}: {value!r}"
        elif kind == "rating":
            assert isinstance(value, int) and 1 <= value <= len(options), f"{key}: {value!r}"
        elif kind == "number":
            assert isinstance(value, int) and 0 <= value <= NUMBER_MAX, f"{key}: {value!r}"
        elif kind == "date":
            assert date.fromisoformat(value) <= date.today(), f"{key}: {value!r}"
        elif kind == "postcode":
            assert len(value) <= 8 and POSTCODE.match(value), f"{key}: {value!r}"
        elif kind == "free_text_short":
            assert len(value) <= SHORT_TEXT_MAX, f"{key}: {len(value)} characters"
        elif kind == "free_text_long":
            assert len(value) <= LONG_TEXT_MAX, f"{key}: {len(value)} characters"


def test_fuzzed_survey_answers_never_fail_and_never_store_anything_invalid(app):
    create_survey()

    @FUZZ
    @given(first=SECTION_1, second=SECTION_2, send=st.booleans())
    def run(first: dict[str, Any], second: dict[str, Any], send: bool) -> None:
        client = _fresh(app)
        started = _post(client, "/surveys/every-kind", {})
        assert started.status_code == 302
        for number, data in ((1, first), (2, second)):
            got = _post(client, f"/surveys/every-kind/section/{number}", data)
            assert got.status_code in (200, 302), f"section {number} gave {got.status_code}"
        if send:
            got = _post(client, "/surveys/every-kind/check", {})
            assert got.status_code in (200, 302), f"sending gave {got.status_code}"
        _check_stored_answers()

    run()


@FUZZ
@given(code=TEXT)
def test_fuzzed_resume_codes_never_fail_and_never_resume_someone_else(app, code):
    if not db.session.scalar(select(Question.id).limit(1)):
        create_survey()
    got = _post(_fresh(app), "/surveys/every-kind/resume", {"code": code})
    assert got.status_code == 200, f"a made-up code gave {got.status_code}"


# --- the Citizens' Panel -------------------------------------------------------------------------

DEMOGRAPHIC_CHOICES = {
    "age_band": {*AGE_BANDS, PREFER_NOT},
    "sex": {*SEXES, PREFER_NOT},
    "ethnicity": {*ETHNIC_GROUPS, PREFER_NOT},
    "disability": {*YES_NO, PREFER_NOT},
    "long_term_condition": {*YES_NO, PREFER_NOT},
    "carer": {*YES_NO, PREFER_NOT},
}
ABOUT_YOU = {
    "contact_preference": _usually("email", _field(["text", "phone", "post"])),
    "phone": _usually("07700 900123"),
    "place": _usually("1", _field(["elsewhere", "999"])),
    "preferred_language": _usually("en", _field(["pl", "ur", "xx"])),
    "communication_needs": _usually(
        ["large_print"], st.lists(_field(["large_print", "bsl", "easy_read"]), max_size=3)
    ),
    "communication_other": _usually("", TEXT),
    "consent_demographics": _usually("y", st.sampled_from(["", "y", "yes", "0"])),
    **{
        key: _usually(sorted(values)[0], _field(sorted(values)))
        for key, values in DEMOGRAPHIC_CHOICES.items()
    },
}
JOIN = st.fixed_dictionaries(
    {
        "given_name": _usually("Asha"),
        "family_name": _usually("Patel"),
        "email": _usually("asha@example.org", _field(["a@b.c", "x" * 250 + "@example.org"])),
        "postcode": _usually("PR1 8XY", _field(["BB1", "la14 4lf", "PR1" + " " * 20 + "8XY"])),
        "consent_panel": _usually("y", st.sampled_from(["", "y"])),
        **ABOUT_YOU,
    }
)
VALID_ABOUT_YOU = {
    "contact_preference": "post", "phone": "", "place": "1", "preferred_language": "en",
    "communication_needs": [], "communication_other": "", "consent_demographics": "",
}  # fmt: skip
VALID_JOIN = {
    "given_name": "Asha", "family_name": "Patel", "email": "asha@example.org",
    "postcode": "PR1 8XY", "consent_panel": "y", "contact_preference": "email", "phone": "",
    "place": "1", "preferred_language": "en", "communication_needs": [],
    "communication_other": "", "consent_demographics": "",
}  # fmt: skip


def _check_stored_people() -> None:
    places = set(db.session.scalars(select(Place.id)))
    for p in db.session.scalars(select(Person)):
        for attr, limit in (("given_name", 80), ("family_name", 80), ("phone", 30),
                            ("email", 254), ("communication_other", 200)):  # fmt: skip
            value = getattr(p, attr)
            if value is not None:
                _no_nul(value, attr)
                assert len(value) <= limit, f"{attr} of {len(value)} characters was stored"
        if p.postcode is not None:
            assert len(p.postcode) <= 8 and POSTCODE.match(p.postcode), f"postcode {p.postcode!r}"
        if p.email is not None:
            assert re.fullmatch(r"[^@\s]+@[^@\s]+", p.email), f"email {p.email!r}"
        assert p.contact_preference in {"email", "text", "phone", "post", None}
        assert p.place_id is None or p.place_id in places, "a place that does not exist"
        assert p.preferred_language in {*panel.PREFERRED_LANGUAGES, None}
        assert set(p.communication_needs or []) <= set(panel.COMMUNICATION_NEEDS)
    for d in db.session.scalars(select(Demographics)):
        for key, allowed in DEMOGRAPHIC_CHOICES.items():
            value = getattr(d, key)
            assert value is None or value in allowed, f"{key} {value!r} was stored"


def _place() -> None:
    if db.session.scalar(select(Place.id).where(Place.id == 1)) is None:
        db.session.add(Place(id=1, code="E38000227", name="Central Lancashire", kind="place"))
        db.session.commit()


def test_fuzzed_panel_sign_ups_never_fail_and_never_store_anything_invalid(app):
    _place()

    @FUZZ
    @given(data=JOIN)
    @example(data={**VALID_JOIN, "postcode": "PR1" + " " * 20 + "8XY"})
    @example(data={**VALID_JOIN, "given_name": "A\x00sha", "email": "a\x00sha@example.org"})
    @example(data={**VALID_JOIN, "email": " " * 30})  # "contact me by email", no address
    @example(data={**VALID_JOIN, "preferred_language": " " * 30})
    def run(data: dict[str, Any]) -> None:
        got = _post(_fresh(app), "/panel/join", data)
        assert got.status_code in (200, 302), f"joining gave {got.status_code}"
        _check_stored_people()

    run()


def test_fuzzed_profile_changes_never_fail_and_never_store_anything_invalid(app):
    _place()
    person = panel.join(
        panel.Joining(
            given_name="Asha", family_name=None, email="asha@example.org", phone=None,
            postcode=None, place_id=1, contact_preference="email",
            demographics={}, consent_to_demographics=False,
            communication=panel.CommunicationNeeds(),
        )
    )  # fmt: skip
    token = panel.issue_profile_token(person)

    @FUZZ
    @given(data=st.fixed_dictionaries(ABOUT_YOU))
    @example(data={**VALID_ABOUT_YOU, "ethnicity": " " * 100, "consent_demographics": "y"})
    @example(data={**VALID_ABOUT_YOU, "communication_needs": [" "], "phone": "   "})
    def run(data: dict[str, Any]) -> None:
        got = _post(_fresh(app), f"/panel/profile/{token}", data)
        assert got.status_code in (200, 302), f"updating gave {got.status_code}"
        _check_stored_people()

    run()


def test_responses_are_left_as_residents_left_them(app):
    """The fuzzing above goes through the pages only; nothing here is seeded behind them."""
    assert db.session.scalar(select(Response.id).limit(1)) is None
