"""Imported Friends and Family Test feedback keeps its rating and the practice or service it is
about: a rating column is read in the words, codes and pre-2020 wording NHS exports use, and
anything else is a row problem naming the answers allowed."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from engage.demo.generate import FFT_OPTIONS as DEMO_FFT_OPTIONS
from engage.extensions import db
from engage.models import Comment, ImportBatch, ImportRowError, Place, Role
from engage.services import imports
from engage.services.builder import FFT_OPTIONS
from tests.conftest import post_form

ALLOWED = (
    "use one of Very good, Good, Neither good nor poor, Poor, Very poor, Don't know, "
    "or their codes 1 to 6"
)
# What an FFT export from a practice looks like: a code, the comment, the practice.
FFT_EXPORT = (
    "Response date,Practice,FFT score,What was good or could be better\n"
    "03/02/2024,Ash Tree Surgery,1,The receptionist was lovely and sorted my repeat prescription\n"
    "04/02/2024,  Ash Tree Surgery ,Very poor,Could not get through on the phone for three days\n"
    "05/02/2024,Beech Medical Centre,likely,Seen on time by a nurse\n"
    "06/02/2024,,,No rating given for this one\n"
    "07/02/2024,Beech Medical Centre,10,Ten out of ten\n"
)


@pytest.fixture(autouse=True)
def places(app):
    db.session.add(Place(code="E06000009", name="Blackpool", kind="place"))
    db.session.commit()


def _mapping(**fields) -> imports.Mapping:
    return imports.Mapping(text=0, rating=1, **fields)


def _parse(value: object) -> imports.ParsedRow:
    places = imports.Places({})
    return imports.parse_row(2, ["Some feedback", value], _mapping(), places, ["Comment", "FFT"])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Very good", "Very good"),
        ("very good", "Very good"),
        ("  VERY   Good ", "Very good"),
        ("good", "Good"),
        ("Neither good nor poor", "Neither good nor poor"),
        ("poor", "Poor"),
        ("Very Poor", "Very poor"),
        ("don't know", "Don't know"),
        ("Don\u2019t know", "Don't know"),
        ("1", "Very good"),
        ("2", "Good"),
        ("3", "Neither good nor poor"),
        ("4", "Poor"),
        ("5", "Very poor"),
        ("6", "Don't know"),
        (1, "Very good"),
        (5.0, "Very poor"),
        ("4.0", "Poor"),
        ("Extremely likely", "Very good"),
        ("likely", "Good"),
        ("Neither likely nor unlikely", "Neither good nor poor"),
        ("UNLIKELY", "Poor"),
        ("extremely unlikely", "Very poor"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_a_rating_is_read_as_one_of_the_six_fft_answers(value, expected):
    row = _parse(value)
    assert row.errors == []
    assert row.fft_rating == expected
    assert expected is None or expected in FFT_OPTIONS


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("Excellent", "Excellent"),
        ("0", "0"),
        ("7", "7"),
        (10, "10"),
        ("1.5", "1.5"),
        ("Very", "Very"),
        ("good-ish", "good-ish"),
        ("Very likely", "Very likely"),
        ("x" * 60, "x" * 40),
    ],
)
def test_anything_else_is_a_row_problem_naming_the_answers_allowed(value, shown):
    row = _parse(value)
    assert row.fft_rating is None
    assert row.errors == [
        ("FFT", f"'{shown}' is not a Friends and Family Test rating: {ALLOWED}"),
    ]


def test_the_service_is_trimmed_and_blank_is_none():
    places = imports.Places({})
    mapping = imports.Mapping(text=0, service=1)
    columns = ["Comment", "Practice"]
    row = imports.parse_row(2, ["Words", "  Ash Tree   Surgery "], mapping, places, columns)
    assert (row.errors, row.service) == ([], "Ash Tree Surgery")
    assert imports.parse_row(2, ["Words", "  "], mapping, places, columns).service is None
    too_long = imports.parse_row(2, ["Words", "x" * 161], mapping, places, columns)
    assert too_long.errors == [
        ("Practice", "The service or GP practice is longer than 160 characters")
    ]


def test_one_list_of_fft_answers():
    assert imports.FFT_RATINGS == tuple(FFT_OPTIONS) == tuple(DEMO_FFT_OPTIONS)


def test_the_rating_and_service_are_not_part_of_what_makes_a_row_the_same_feedback():
    # So a file imported before they could be mapped finds its rows again (see below).
    row = imports.ParsedRow(2, text="Kind staff", respondent="R1")
    before = imports.source_key("fft", row)
    row.fft_rating, row.service = "Good", "Ash Tree Surgery"
    assert imports.source_key("fft", row) == before


# --- through the pages ------------------------------------------------------------------------


def _upload(client, data: bytes, filename: str = "fft.csv"):
    response = post_form(
        client,
        "/staff/imports/new",
        {"file": (io.BytesIO(data), filename), "source": "fft"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].split("/")[-2])


def _map(client, batch_id: int, **fields):
    data = {
        "text": "3",
        "date": "0",
        "date_format": "uk",
        "place": "",
        "respondent": "",
        "rating": "2",
        "service": "1",
        "survey": "",
        "action": "save",
        **fields,
    }
    return post_form(client, f"/staff/imports/{batch_id}/mapping", data)


def _import(client, data: bytes, filename: str = "fft.csv", **fields) -> ImportBatch:
    batch_id = _upload(client, data, filename)
    assert _map(client, batch_id, **fields).status_code == 302
    started = post_form(client, f"/staff/imports/{batch_id}/confirm", {"on_error": "keep_good"})
    assert started.status_code == 302
    batch = db.session.get(ImportBatch, batch_id)
    assert batch is not None
    return batch


def _comments() -> dict[str, Comment]:
    return {c.original_text: c for c in db.session.scalars(select(Comment))}


def test_an_fft_export_imports_with_its_ratings_and_practices(client, auth):
    auth.login(Role.ENGAGEMENT)
    batch = _import(client, FFT_EXPORT.encode())
    assert (batch.status, batch.imported_rows, batch.error_rows) == ("done", 4, 1), batch.message
    stored = {text: (c.fft_rating, c.service, c.source) for text, c in _comments().items()}
    assert stored == {
        "The receptionist was lovely and sorted my repeat prescription": (
            "Very good",
            "Ash Tree Surgery",
            "fft",
        ),
        "Could not get through on the phone for three days": (
            "Very poor",
            "Ash Tree Surgery",
            "fft",
        ),
        "Seen on time by a nurse": ("Good", "Beech Medical Centre", "fft"),
        "No rating given for this one": (None, None, "fft"),
    }
    problems = [
        (e.row_number, e.column, e.message)
        for e in db.session.scalars(
            select(ImportRowError).where(ImportRowError.batch_id == batch.id)
        )
    ]
    assert problems == [
        (6, "FFT score", f"'10' is not a Friends and Family Test rating: {ALLOWED}")
    ]


def test_an_fft_export_imported_again_adds_nothing(client, auth):
    auth.login(Role.ENGAGEMENT)
    first = _import(client, FFT_EXPORT.encode())
    second = _import(client, FFT_EXPORT.encode())
    assert first.imported_rows == 4
    assert (second.status, second.imported_rows, second.duplicate_rows) == ("done", 0, 4)
    assert db.session.scalar(select(func.count(Comment.id))) == 4


def test_an_xlsx_with_numeric_codes_imports_its_ratings(client, auth):
    auth.login(Role.ENGAGEMENT)
    wb = Workbook()
    ws = wb.active
    ws.append(["Date", "Practice", "Rating", "Comment"])
    ws.append(["01/03/2024", "Ash Tree Surgery", 2, "Good care from the nurse"])
    ws.append(["02/03/2024", "Ash Tree Surgery", 4.0, "Waited a long time"])
    out = io.BytesIO()
    wb.save(out)
    batch = _import(client, out.getvalue(), "fft.xlsx")
    assert batch.imported_rows == 2, batch.message
    comments = _comments()
    assert comments["Good care from the nurse"].fft_rating == "Good"
    assert comments["Waited a long time"].fft_rating == "Poor"


def test_the_rating_and_practice_columns_are_guessed_previewed_and_described(client, auth):
    auth.login(Role.ENGAGEMENT)
    batch_id = _upload(client, FFT_EXPORT.encode())
    html = client.get(f"/staff/imports/{batch_id}/mapping").get_data(as_text=True)
    assert '<option value="2" selected>C: FFT score</option>' in html
    assert '<option value="1" selected>B: Practice</option>' in html
    assert "Very good" in html and "Ash Tree Surgery" in html, "the preview shows them"
    assert _map(client, batch_id).status_code == 302
    page = client.get(f"/staff/imports/{batch_id}/confirm").get_data(as_text=True)
    assert "Friends and Family Test rating" in page and "C: FFT score" in page
    assert "Service or GP practice" in page and "B: Practice" in page


def test_a_file_mapped_without_a_rating_imports_as_before(client, auth):
    auth.login(Role.ENGAGEMENT)
    batch = _import(client, FFT_EXPORT.encode(), rating="", service="")
    assert (batch.imported_rows, batch.error_rows) == (5, 0)
    assert {(c.fft_rating, c.service) for c in _comments().values()} == {(None, None)}


def test_a_file_imported_without_its_ratings_then_with_them_gains_them_and_no_copies(client, auth):
    auth.login(Role.ENGAGEMENT)
    first = _import(client, FFT_EXPORT.encode(), rating="", service="")
    again = _import(client, FFT_EXPORT.encode())
    assert (first.imported_rows, again.imported_rows) == (5, 0), "nothing is imported twice"
    comments = _comments()
    assert len(comments) == 5
    lovely = comments["The receptionist was lovely and sorted my repeat prescription"]
    assert (lovely.fft_rating, lovely.service) == ("Very good", "Ash Tree Surgery")
    assert comments["No rating given for this one"].fft_rating is None
