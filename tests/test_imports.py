"""The engagement team imports feedback gathered elsewhere from CSV and XLSX files: a column
mapping with a preview, a row-level report of problems, no duplicates on a second import, and a
choice between keeping the good rows and importing nothing when any row is bad."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import func, select, update

from engage.extensions import db
from engage.models import AuditEvent, Comment, ImportBatch, ImportRowError, Place, Role
from engage.services import imports
from tests.conftest import csrf_token_from, post_form
from tests.factories import create_survey

HEADER = "Comment,Date,Place,Respondent\n"
GOOD = (
    HEADER + "The nurses were kind and explained everything,03/02/2024,Blackpool,R1\n"
    "Waited four hours in A&E,15/01/2024,blackpool,R2\n"
    '"Parking was impossible, and expensive",2024-13-01,E06000008,R3\n'
)


@pytest.fixture(autouse=True)
def places(app):
    db.session.add_all(
        [
            Place(code="E06000009", name="Blackpool", kind="place"),
            Place(code="E06000008", name="Blackburn with Darwen", kind="place"),
        ]
    )
    db.session.commit()


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _upload(client, data: bytes, filename: str = "feedback.csv", source: str = "healthwatch"):
    return post_form(
        client,
        "/staff/imports/new",
        {"file": (io.BytesIO(data), filename), "source": source},
        content_type="multipart/form-data",
    )


def _batch_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].split("/")[-2])


def _map(client, batch_id: int, **fields):
    data = {
        "text": "0",
        "date": "1",
        "date_format": "uk",
        "place": "2",
        "respondent": "3",
        "survey": "",
        "action": "save",
        **fields,
    }
    return post_form(client, f"/staff/imports/{batch_id}/mapping", data)


def _start(client, batch_id: int, on_error: str = "keep_good"):
    return post_form(client, f"/staff/imports/{batch_id}/confirm", {"on_error": on_error})


def _import(client, data: bytes, filename="feedback.csv", on_error="keep_good", **mapping):
    batch_id = _batch_id(_upload(client, data, filename))
    assert _map(client, batch_id, **mapping).status_code == 302
    assert _start(client, batch_id, on_error).status_code == 302
    return db.session.get(ImportBatch, batch_id)


def _problems(batch_id: int) -> list[tuple[int, str | None, str]]:
    rows = db.session.scalars(
        select(ImportRowError)
        .where(ImportRowError.batch_id == batch_id)
        .order_by(ImportRowError.row_number, ImportRowError.id)
    )
    return [(e.row_number, e.column, e.message) for e in rows]


def _stored_files(app) -> list[Path]:
    folder = Path(app.instance_path) / "imports"
    return list(folder.iterdir()) if folder.exists() else []


# --- the happy path ---------------------------------------------------------------------------


def test_team_imports_a_csv_and_gets_pending_comments_with_places_dates_and_redactions(
    app, client, auth
):
    auth.login(Role.ENGAGEMENT)
    data = GOOD.replace("R2\n", "R2\n", 1) + "Call me on 07700 900123 please,01/03/2024,,R4\n"
    batch = _import(client, data.encode())
    assert (batch.status, batch.total_rows, batch.imported_rows, batch.error_rows) == (
        "done",
        4,
        3,
        1,
    ), batch.message
    comments = {c.original_text: c for c in db.session.scalars(select(Comment))}
    kind = comments["The nurses were kind and explained everything"]
    assert kind.moderation_state == "pending" and kind.source == "healthwatch"
    assert kind.received_at.replace(tzinfo=UTC) == datetime(2024, 2, 3, tzinfo=UTC)
    blackpool = db.session.scalar(select(Place).where(Place.code == "E06000009"))
    assert comments["Waited four hours in A&E"].place_id == blackpool.id, "place matched any case"
    assert kind.import_batch_id == batch.id
    assert kind.respondent_key.startswith("import:") and "R1" not in kind.respondent_key
    phone = comments["Call me on 07700 900123 please"]
    assert "phone" in phone.pii_kinds and "07700" not in phone.proposed_redaction
    assert _problems(batch.id) == [(4, "Date", "'2024-13-01' is not a date like 31/12/2024")]
    assert _stored_files(app) == [], "the upload is deleted when the import ends"


def test_the_same_file_imported_twice_adds_nothing_the_second_time(client, auth):
    auth.login(Role.ENGAGEMENT)
    first = _import(client, GOOD.encode())
    assert first.imported_rows == 2
    second = _import(client, GOOD.encode())
    assert (second.status, second.imported_rows, second.duplicate_rows) == ("done", 0, 2)
    assert _count(Comment) == 2


def test_the_same_rows_in_another_file_and_format_are_not_imported_again(client, auth):
    auth.login(Role.ENGAGEMENT)
    _import(client, GOOD.encode())
    # Same feedback as a spreadsheet, with the text's spacing changed and a new row.
    rows = [
        ["Comment", "Date", "Place", "Respondent"],
        [
            "The nurses were kind and  explained everything ",
            datetime(2024, 2, 3),
            "BLACKPOOL",
            "R1",
        ],
        ["A new comment from the spreadsheet", "20/02/2024", "Blackpool", "R9"],
    ]
    batch = _import(client, _xlsx(rows), "feedback.xlsx")
    assert (batch.imported_rows, batch.duplicate_rows) == (1, 1), batch.message
    assert _count(Comment) == 3


def test_a_row_repeated_within_one_file_is_imported_once(client, auth):
    auth.login(Role.ENGAGEMENT)
    data = HEADER + "Same words,01/01/2024,Blackpool,R1\n" * 3
    batch = _import(client, data.encode())
    assert (batch.imported_rows, batch.duplicate_rows) == (1, 2)


def test_an_xlsx_imports_with_dates_numbers_and_empty_rows_skipped(client, auth):
    auth.login(Role.ENGAGEMENT)
    survey = create_survey()
    rows = [
        ["Comment", "Date", "Place", "Respondent"],
        ["Lovely staff", datetime(2024, 5, 1, 14, 30), "Blackpool", 1001],
        [None, None, None, None],
        ["Long wait for a GP appointment", "2024-05-02", "E06000008", 1002.0],
    ]
    batch = _import(client, _xlsx(rows), "fft.xlsx", date_format="iso", survey=str(survey.id))
    assert (batch.status, batch.total_rows, batch.imported_rows) == ("done", 2, 2), batch.message
    wait = db.session.scalar(select(Comment).where(Comment.original_text.like("Long wait%")))
    assert wait.survey_id == survey.id
    assert wait.respondent_key == imports.respondent_key("healthwatch", "1002")
    assert _problems(batch.id) == []


# --- bad files ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "empty.csv", "The selected file is empty"),
        (b"\n\n  \n", "blank.csv", "The file has no rows"),
        (b"Comment,Date\n", "header-only.csv", "column names but no rows of feedback"),
        (
            b"The doctor listened to me,01/02/2024\nToo long a wait,02/02/2024\n",
            "no-header.csv",
            "The first row must hold column names",
        ),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "report.csv", "must be a CSV or an Excel"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.csv", "must be a CSV or an Excel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xlsx", "older Excel workbook"),
        (b"Comment\nfine\n", "notes.txt", "must be a CSV or an Excel"),
        (b"PK\x03\x04broken", "broken.xlsx", "damaged"),
        (b"Comment\nhello\n", "named-wrong.xlsx", "ends .xlsx but it is a CSV file"),
        ("Comment\nhello\n".encode("utf-16"), "utf16.csv", "UTF-16"),
    ],
    ids=[
        "empty",
        "blank-lines",
        "header-only",
        "no-header",
        "pdf",
        "png",
        "xls",
        "txt",
        "broken-zip",
        "csv-named-xlsx",
        "utf-16",
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_with_a_clear_message(
    app, client, auth, data, filename, message
):
    auth.login(Role.ENGAGEMENT)
    response = _upload(client, data, filename)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in html
    assert message in html.replace("&#39;", "'"), html[:3000]
    assert _count(ImportBatch) == 0 and _stored_files(app) == [], "nothing kept of a bad file"


def test_an_xlsx_with_a_csv_inside_is_judged_by_its_content(client, auth):
    auth.login(Role.ENGAGEMENT)
    html = _upload(client, _xlsx([["Comment"], ["hi"]]), "feedback.csv").get_data(as_text=True)
    assert "ends .csv but it is an Excel workbook" in html.replace("&#39;", "'")


def test_a_file_over_the_size_limit_is_refused_and_not_kept(app, client, auth):
    app.config["ENGAGE_IMPORT_MAX_BYTES"] = 2048
    auth.login(Role.ENGAGEMENT)
    data = (HEADER + "A comment that repeats,01/01/2024,Blackpool,R1\n" * 100).encode()
    html = _upload(client, data).get_data(as_text=True)
    assert "The selected file must be smaller than 2 KB" in html
    assert _count(ImportBatch) == 0 and _stored_files(app) == []


def test_a_missing_file_or_source_is_asked_for(client, auth):
    auth.login(Role.ENGAGEMENT)
    html = post_form(client, "/staff/imports/new", {}, content_type="multipart/form-data").get_data(
        as_text=True
    )
    assert "Select a CSV or Excel file to import" in html
    assert "Select where the feedback came from" in html


# --- bad rows -----------------------------------------------------------------------------------

BAD_ROWS = (
    HEADER + "Fine comment,01/02/2024,Blackpool,R1\n"  # row 2
    ",01/02/2024,Blackpool,R2\n"  # row 3: empty text
    "Bad date,31/02/2024,Blackpool,R3\n"  # row 4
    "Unknown place,01/02/2024,Atlantis,R4\n"  # row 5
    "From the future,01/02/2999,,R5\n"  # row 6
    "  ,,,\n"  # an empty row: skipped, not a problem
    "American date,12/31/2024,Preston,R7\n"  # row 8: two problems
)


def test_every_bad_row_is_reported_with_its_spreadsheet_row_column_and_problem(client, auth):
    auth.login(Role.ENGAGEMENT)
    batch = _import(client, BAD_ROWS.encode())
    assert (batch.status, batch.total_rows, batch.imported_rows, batch.error_rows) == (
        "done",
        6,
        1,
        5,
    )
    assert _problems(batch.id) == [
        (3, "Comment", "The comment is empty"),
        (4, "Date", "'31/02/2024' is not a date like 31/12/2024"),
        (
            5,
            "Place",
            "'Atlantis' is not a place Engage knows: use one of Blackpool, Blackburn with Darwen, "
            "or a council area or main town in one of them",
        ),
        (6, "Date", "The date is in the future"),
        (8, "Date", "'12/31/2024' is not a date like 31/12/2024"),
        (
            8,
            "Place",
            "'Preston' is not a place Engage knows: use one of Blackpool, Blackburn with Darwen, "
            "or a council area or main town in one of them",
        ),
    ]
    html = client.get(f"/staff/imports/{batch.id}").get_data(as_text=True)
    assert "Atlantis" in html and "Download the problems as CSV" in html
    assert "The uploaded file was deleted when the import ended" in html


def test_all_or_nothing_imports_nothing_when_any_row_is_bad(client, auth):
    auth.login(Role.ENGAGEMENT)
    batch = _import(client, BAD_ROWS.encode(), on_error="all_or_nothing")
    assert batch.status == "failed" and batch.imported_rows == 0
    assert batch.message.startswith("5 of 6 rows have problems, so nothing was imported")
    assert _count(Comment) == 0
    assert len(_problems(batch.id)) == 6, "the report is there to fix the file"


def test_all_or_nothing_imports_everything_when_every_row_is_good(client, auth):
    auth.login(Role.ENGAGEMENT)
    good = GOOD.replace("2024-13-01", "01/01/2024")
    batch = _import(client, good.encode(), on_error="all_or_nothing")
    assert (batch.status, batch.imported_rows) == ("done", 3)


def test_a_file_of_only_bad_rows_imports_nothing_and_reports_every_row(client, auth):
    auth.login(Role.ENGAGEMENT)
    data = HEADER + ",01/01/2024,Blackpool,R1\n" * 3
    batch = _import(client, data.encode())
    assert (batch.status, batch.imported_rows, batch.error_rows) == ("done", 0, 3)
    assert [p[0] for p in _problems(batch.id)] == [2, 3, 4]


def test_the_text_column_is_required(client, auth):
    auth.login(Role.ENGAGEMENT)
    batch_id = _batch_id(_upload(client, GOOD.encode()))
    html = _map(client, batch_id, text="").get_data(as_text=True)
    assert "Select the column that holds the comment" in html
    assert db.session.get(ImportBatch, batch_id).status == "uploaded"


def test_a_file_without_a_text_column_shows_that_every_row_is_empty_in_the_preview(client, auth):
    auth.login(Role.ENGAGEMENT)
    data = "Date,Place,Notes\n01/02/2024,Blackpool,\n02/02/2024,Blackpool,\n"
    batch_id = _batch_id(_upload(client, data.encode()))
    html = _map(client, batch_id, text="2", date="0", place="1", respondent="", action="preview")
    assert html.get_data(as_text=True).count("The comment is empty") == 2


def test_an_xlsx_formula_without_a_saved_value_is_reported_not_imported_as_text(client, auth):
    auth.login(Role.ENGAGEMENT)
    rows = [
        ["Comment", "Date", "Place", "Respondent"],
        ['=CONCAT("Good ","care")', "01/02/2024", "Blackpool", "R1"],
        ["Plain words", "=TODAY()", "Blackpool", "R2"],
        ["Kept", "02/02/2024", "Blackpool", "R3"],
    ]
    batch = _import(client, _xlsx(rows), "formulas.xlsx")
    assert batch.imported_rows == 1
    assert [(r, c) for r, c, _ in _problems(batch.id)] == [(2, "Comment"), (3, "Date")]
    assert "formula that has no saved value" in _problems(batch.id)[0][2]
    assert _count(Comment, Comment.original_text.like("=%")) == 0


# --- encodings ----------------------------------------------------------------------------------

WINDOWS_1252 = (HEADER + "Café food cost £5 – too much,01/02/2024,Blackpool,R1\n").encode("cp1252")


def test_a_windows_1252_csv_is_detected_and_read_as_such(client, auth):
    auth.login(Role.ENGAGEMENT)
    batch_id = _batch_id(_upload(client, WINDOWS_1252))
    page = client.get(f"/staff/imports/{batch_id}/mapping").get_data(as_text=True)
    assert "This file is not in UTF-8" in page
    assert "Café food cost £5 – too much" in page, "the preview reads it as Windows-1252"
    assert _map(client, batch_id, encoding="cp1252").status_code == 302
    _start(client, batch_id)
    assert db.session.scalar(select(Comment.original_text)) == "Café food cost £5 – too much"


def test_reading_a_windows_1252_file_as_utf8_reports_the_rows_instead_of_garbling(client, auth):
    auth.login(Role.ENGAGEMENT)
    batch_id = _batch_id(_upload(client, WINDOWS_1252))
    assert _map(client, batch_id, encoding="utf-8").status_code == 302
    _start(client, batch_id)
    assert _count(Comment) == 0
    ((row, column, message),) = _problems(batch_id)
    assert (row, column) == (2, "Comment") and "not UTF-8" in message


def test_a_utf8_file_is_never_offered_another_encoding(client, auth):
    auth.login(Role.ENGAGEMENT)
    data = (HEADER + "Café,01/02/2024,Blackpool,R1\n").encode("utf-8-sig")
    batch_id = _batch_id(_upload(client, data))
    page = client.get(f"/staff/imports/{batch_id}/mapping").get_data(as_text=True)
    assert "not in UTF-8" not in page and "Windows-1252" not in page
    _map(client, batch_id, encoding="cp1252")  # ignored: it would garble the text
    _start(client, batch_id)
    assert db.session.scalar(select(Comment.original_text)) == "Café"


# --- the mapping page -------------------------------------------------------------------------


def test_mapping_is_guessed_from_the_column_names_and_previewed(client, auth):
    auth.login(Role.ENGAGEMENT)
    data = "Ref,When,Area,Your feedback\nR1,01/02/2024,Blackpool,Good <b>care</b>\n"
    batch_id = _batch_id(_upload(client, data.encode()))
    html = client.get(f"/staff/imports/{batch_id}/mapping").get_data(as_text=True)
    assert '<option value="3" selected>D: Your feedback</option>' in html
    assert "Good &lt;b&gt;care&lt;/b&gt;" in html, "file content is escaped on the page"
    assert "1 Feb 2024" in html


def test_choosing_columns_that_are_not_in_the_file_is_refused(client, auth):
    auth.login(Role.ENGAGEMENT)
    batch_id = _batch_id(_upload(client, GOOD.encode()))
    response = _map(client, batch_id, text="9")
    assert response.status_code == 200
    assert db.session.get(ImportBatch, batch_id).status == "uploaded"


# --- running, cancelling, resuming --------------------------------------------------------------


def test_a_job_killed_half_way_is_run_again_to_completion_without_duplicates(
    app, client, auth, monkeypatch
):
    auth.login(Role.ENGAGEMENT)
    monkeypatch.setattr(imports, "CHUNK_SIZE", 2)
    rows = "".join(f"Comment number {i},01/02/2024,Blackpool,R{i}\n" for i in range(7))
    batch_id = _batch_id(_upload(client, (HEADER + rows).encode()))
    _map(client, batch_id)
    # The worker dies after committing its second chunk: the batch row says where it stood.
    real_chunk = imports._import_chunk
    calls = {"n": 0}

    def dies_on_third_chunk(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise SystemExit("worker killed")
        return real_chunk(*args, **kwargs)

    monkeypatch.setattr(imports, "_import_chunk", dies_on_third_chunk)
    with pytest.raises(SystemExit):
        imports.start(batch_id, "keep_good")
    db.session.rollback()
    batch = db.session.get(ImportBatch, batch_id)
    assert (batch.status, batch.total_rows, batch.processed_rows) == ("running", 7, 4)
    assert _count(Comment) == 4
    monkeypatch.setattr(imports, "_import_chunk", real_chunk)
    page = client.get(f"/staff/imports/{batch_id}")
    assert page.headers["Refresh"] == "10", "a running import's page refreshes itself"
    assert "4 of 7 rows done" in page.get_data(as_text=True)
    response = client.post(
        f"/staff/imports/{batch_id}/resume",
        data={"csrf_token": csrf_token_from(page.get_data(as_text=True))},
    )
    assert response.status_code == 302
    db.session.expire_all()
    batch = db.session.get(ImportBatch, batch_id)
    assert (batch.status, batch.imported_rows, batch.duplicate_rows) == ("done", 7, 0)
    assert _count(Comment) == 7
    assert _stored_files(app) == []


def test_a_second_copy_of_the_job_does_not_count_a_chunk_twice(client, auth):
    auth.login(Role.ENGAGEMENT)
    batch_id = _batch_id(_upload(client, GOOD.encode()))
    _map(client, batch_id)
    batch = db.session.get(ImportBatch, batch_id)
    batch.status, batch.total_rows, batch.processed_rows = "running", 3, 0
    db.session.commit()
    mapping = imports.Mapping.from_dict(batch.mapping)
    row = imports.ParsedRow(2, text="Only once")
    assert imports._import_chunk(batch_id, "healthwatch", mapping, [row], 0) is True
    # Another copy that read the progress before the first moved it: it must stand down.
    assert imports._import_chunk(batch_id, "healthwatch", mapping, [row], 0) is False
    db.session.expire_all()
    batch = db.session.get(ImportBatch, batch_id)
    assert (batch.processed_rows, batch.imported_rows, batch.duplicate_rows) == (1, 1, 0)


def test_cancelling_stops_the_import_and_deletes_the_file(app, client, auth):
    auth.login(Role.ENGAGEMENT)
    batch_id = _batch_id(_upload(client, GOOD.encode()))
    _map(client, batch_id)
    db.session.execute(
        update(ImportBatch).where(ImportBatch.id == batch_id).values(status="running")
    )
    db.session.commit()
    page = client.get(f"/staff/imports/{batch_id}?refresh=off")
    assert "Refresh" not in page.headers, "the refresh can be turned off"
    response = client.post(
        f"/staff/imports/{batch_id}/cancel",
        data={"csrf_token": csrf_token_from(page.get_data(as_text=True))},
    )
    assert response.status_code == 302
    batch = db.session.get(ImportBatch, batch_id)
    assert batch.status == "cancelled" and _stored_files(app) == []
    imports.run_import(batch_id)  # a message still in the queue does nothing
    assert _count(Comment) == 0


def test_the_list_shows_past_imports_with_status_and_counts(client, auth):
    auth.login(Role.ENGAGEMENT)
    _import(client, BAD_ROWS.encode(), filename="healthwatch-march.csv")
    html = client.get("/staff/imports/").get_data(as_text=True)
    assert "healthwatch-march.csv" in html and "Done" in html and "Healthwatch" in html


def test_the_problems_download_as_csv_safe_to_open_in_a_spreadsheet(client, auth):
    auth.login(Role.ENGAGEMENT)
    data = HEADER + 'Fine,01/01/2024,=HYPERLINK("x"),R1\n'
    batch = _import(client, data.encode())
    response = client.get(f"/staff/imports/{batch.id}/problems.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "Row,Column,Problem"
    assert lines[1].startswith("2,Place,")
    assert ",=" not in lines[1] and ',"=' not in lines[1]


def test_the_import_is_in_the_audit_log_without_the_comments_text(client, auth):
    user = auth.login(Role.ENGAGEMENT)
    batch = _import(client, GOOD.encode())
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.user_id == user.id)))
    finished = [e for e in events if e.action == "import_done"]
    assert len(finished) == 1 and finished[0].entity_id == str(batch.id)
    assert finished[0].note == "2 imported, 0 duplicates, 1 rows with errors"
    assert any(e.entity_type == "ImportBatch" and e.action == "create" for e in events)
    everything = str([(e.before, e.after, e.note) for e in db.session.scalars(select(AuditEvent))])
    assert "nurses were kind" not in everything


# --- who may import ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.VIEWER, Role.COMMISSIONER])
def test_only_the_engagement_team_and_admins_import(client, auth, role):
    auth.login(role)
    assert client.get("/staff/imports/new").status_code == 403
    assert client.get("/staff/imports/").status_code == 403


def test_an_admin_can_import(client, auth):
    auth.login(Role.ADMIN)
    assert _import(client, GOOD.encode()).status == "done"


# --- fuzzing: no server errors, nothing invalid stored ----------------------------------------

cell = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
    st.sampled_from(["31/12/2024", "2024-02-29", "29/02/2023", "Blackpool", "e06000009", "\x00"]),
)


@settings(max_examples=300, deadline=None)
@given(
    cells=st.lists(cell, max_size=6),
    columns=st.lists(st.integers(0, 7), min_size=4, max_size=4),
    date_format=st.sampled_from(["uk", "iso"]),
    encoding=st.sampled_from(["utf-8", "cp1252"]),
)
def test_the_row_parser_never_fails_and_passes_only_valid_rows(
    cells, columns, date_format, encoding
):
    mapping = imports.Mapping(
        text=columns[0],
        date=columns[1] if columns[1] < 6 else None,
        date_format=date_format,
        place=columns[2] if columns[2] < 6 else None,
        respondent=columns[3] if columns[3] < 6 else None,
        encoding=encoding,
    )
    places = imports.Places({"blackpool": (1, "Blackpool"), "e06000009": (1, "Blackpool")})
    row = imports.parse_row(2, cells, mapping, places, ["A", "B", "C"])
    assert all(message for _, message in row.errors)
    if not row.errors:
        assert row.text and row.text == row.text.strip() and len(row.text) <= 10_000
        assert "\x00" not in row.text
        assert row.received_at is None or row.received_at.date() <= datetime.now(UTC).date()
        assert row.place_id in (None, 1)
        assert len(imports.source_key("fft", row)) == 64


def _csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Comment", "Date", "Place", "Respondent"])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.fixture
def signed_in(auth):
    """Signed in once for all of a property test's examples."""
    return auth.login(Role.ENGAGEMENT)


upload_bodies = st.one_of(
    st.binary(max_size=3000),
    st.lists(st.lists(st.one_of(st.text(max_size=30), cell.map(str)), max_size=5), max_size=8).map(
        _csv_bytes
    ),
)


def _assert_nothing_invalid_stored() -> None:
    for comment in db.session.scalars(select(Comment)):
        text = comment.original_text
        assert text and text == text.strip() and "\x00" not in text, repr(text)
        assert not any("\ud800" <= ch <= "\udfff" for ch in text), repr(text)
        assert comment.moderation_state == "pending" and len(comment.source_key) == 64
    for batch in db.session.scalars(select(ImportBatch)):
        assert batch.status in ("uploaded", "mapped", "done", "failed"), batch.status


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=upload_bodies, filename=st.sampled_from(["f.csv", "f.xlsx", "f.txt", "f"]))
def test_any_upload_gets_a_page_not_a_server_error_and_stores_nothing_invalid(
    client, signed_in, body, filename
):
    response = _upload(client, body, filename)
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        batch_id = _batch_id(response)
        mapped = _map(client, batch_id)
        assert mapped.status_code in (200, 302)
        if mapped.status_code == 302:
            assert _start(client, batch_id).status_code == 302
            assert client.get(f"/staff/imports/{batch_id}").status_code == 200
    _assert_nothing_invalid_stored()


# --- quotation marks that do not close ------------------------------------------------------


def test_a_quote_that_never_closes_in_the_first_row_is_refused_at_upload(app, client, auth):
    """Read loosely, the rest of the file became one comment, with '0 problems'."""
    auth.login(Role.ENGAGEMENT)
    data = (
        HEADER + '"Parking was impossible,03/02/2024,Blackpool,R1\n'
        "Waited four hours in A&E,15/01/2024,Blackpool,R2\n"
    )
    html = _upload(client, data.encode()).get_data(as_text=True).replace("&#34;", '"')
    assert "Row 2 opens a quotation mark" in html
    assert "Nothing was imported" in html
    assert _count(Comment) == 0


def test_a_quote_that_never_closes_further_down_fails_the_import_and_imports_nothing(client, auth):
    auth.login(Role.ENGAGEMENT)
    good = "".join(f"Comment number {i},03/02/2024,Blackpool,R{i}\n" for i in range(1, 15))
    data = HEADER + good + '"Stray quote here,04/02/2024,Blackpool,R15\nLast one,,Blackpool,R16\n'
    batch = _import(client, data.encode())
    assert batch.status == "failed"
    assert "Row 16 opens a quotation mark" in batch.message
    assert _count(Comment) == 0, "no row of a file that cannot be read is imported"


def test_a_quoted_comment_over_several_lines_is_still_one_comment(client, auth):
    auth.login(Role.ENGAGEMENT)
    data = HEADER + '"First line\nsecond line, with a comma",03/02/2024,Blackpool,R1\n'
    batch = _import(client, data.encode())
    assert (batch.status, batch.imported_rows) == ("done", 1), batch.message
    assert db.session.scalar(select(Comment.original_text)) == (
        "First line\nsecond line, with a comma"
    )


def test_the_result_counts_one_comment_as_one_comment(client, auth):
    auth.login(Role.ENGAGEMENT)
    batch = _import(client, (HEADER + "Only one,03/02/2024,Blackpool,R1\n").encode())
    assert batch.message.startswith("Imported 1 comment."), batch.message


def test_council_areas_and_main_towns_are_known_as_the_place_they_lie_in(client, auth):
    """Feedback from events names towns: 'Preston' is Central Lancashire, 'Morecambe' North."""
    db.session.add_all(
        [
            Place(code="CLA", name="Central Lancashire", kind="footprint"),
            Place(code="NLA", name="North Lancashire", kind="footprint"),
        ]
    )
    db.session.commit()
    auth.login(Role.ENGAGEMENT)
    rows = "".join(
        f"Comment from {town},03/02/2024,{town},R{n}\n"
        for n, town in enumerate(["Preston", "chorley", "Morecambe", "E07000121"], start=1)
    )
    batch = _import(client, (HEADER + rows).encode())
    assert (batch.status, batch.imported_rows, batch.error_rows) == ("done", 4, 0), batch.message
    placed = dict(
        db.session.execute(
            select(Comment.original_text, Place.name).join(Place, Place.id == Comment.place_id)
        ).all()
    )
    assert placed == {
        "Comment from Preston": "Central Lancashire",
        "Comment from chorley": "Central Lancashire",
        "Comment from Morecambe": "North Lancashire",
        "Comment from E07000121": "North Lancashire",  # Lancaster's council code
    }
