"""Postcode -> place and deprivation decile, from the ONS postcode directory the ICB downloads.

The files here are small synthetic ones in the NSPL's layout, written by the tests: no real
postcode data is used or needed.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engage.extensions import db
from engage.models import Comment, Person, Place, PostcodeLookup, Response
from engage.services import panel, postcodes
from engage.services import responses as runner
from tests.factories import create_survey

NSPL_COLUMNS = [
    "pcd", "pcd2", "pcds", "dointr", "doterm", "usertype", "oa21", "laua", "ward",
    "ctry", "rgn", "lsoa21", "msoa21", "imd", "icb",
]  # fmt: skip
LSC, NENC = "E54000048", "E54000050"  # ICB codes as they would appear in the file
NYORKS = "E54000064"  # Humber and North Yorkshire ICB
LANCASTER, SOUTH_LAKELAND, CRAVEN = "E07000121", "E07000031", "E07000163"


def _row(pcds: str, laua: str, imd: str = "", lsoa: str = "E01000001", icb: str = LSC) -> dict:
    compact = pcds.replace(" ", "")
    return {
        "pcd": compact.ljust(7), "pcd2": pcds, "pcds": pcds, "dointr": "198001", "doterm": "",
        "usertype": "0", "oa21": "E00000001", "laua": laua, "ward": "E05000001",
        "ctry": "E92000001" if laua.startswith("E") else "W92000004", "rgn": "E12000002",
        "lsoa21": lsoa, "msoa21": "E02000001", "imd": imd, "icb": icb,
    }  # fmt: skip


def _nspl(tmp_path: Path, rows: list[dict], name: str = "NSPL_FEB_2026_UK.csv") -> Path:
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=NSPL_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


ROWS = [
    _row("FY1 1AA", "E06000009", imd="120"),  # Blackpool, among the most deprived
    _row("FY1 1AB", "E06000009", imd="3500"),
    _row("BB1 1AA", "E06000008", imd="32844"),  # Blackburn with Darwen, least deprived tenth
    _row("M1 1AA", "E08000003", imd="100", icb="E54000057"),  # Manchester: not the ICB's
    _row("LL11 1AA", "W06000003", imd="5"),  # Wales: its own index, no English decile
    _row("NOT A POSTCODE", "E06000009", imd="1"),
    _row("FY2 0AA", "E06000009", imd="forty"),
]


def _places() -> dict[str, Place]:
    lsc = Place(code="LSC", name="Lancashire and South Cumbria", kind="icb")
    found = {
        "BPL": Place(code="BPL", name="Blackpool", kind="place", parent=lsc),
        "BWD": Place(code="BWD", name="Blackburn with Darwen", kind="place", parent=lsc),
        "SCU": Place(code="SCU", name="South Cumbria", kind="place", parent=lsc),
        "NLA": Place(code="NLA", name="North Lancashire", kind="place", parent=lsc),
        "WES": Place(code="WES", name="South Lakeland", kind="place", parent=lsc),
    }
    db.session.add_all([lsc, *found.values()])
    db.session.commit()
    return found


@pytest.mark.parametrize(
    ("typed", "compact", "district"),
    [
        ("pr1 8xy", "PR18XY", "PR1"),
        ("  FY1  1AA ", "FY11AA", "FY1"),
        ("LA14 2LN", "LA142LN", "LA14"),
        ("EC1A 1BB", "EC1A1BB", "EC1A"),
        ("BB1", None, "BB1"),
        ("not one", None, None),
        ("", None, None),
    ],
)
def test_postcodes_are_read_however_they_are_typed(typed, compact, district):
    assert postcodes.normalise(typed) == compact
    assert postcodes.district_of(typed) == district


@pytest.mark.parametrize(
    ("rank", "decile"), [(1, 1), (3284, 1), (3285, 2), (16422, 5), (16423, 6), (32844, 10)]
)
def test_an_imd_rank_becomes_the_decile_the_ministry_publishes(rank, decile):
    assert postcodes.imd_decile(rank) == decile


def test_the_ons_postcode_lookup_loads_in_batches_and_again_adds_nothing(
    app, runner, tmp_path, monkeypatch
):
    monkeypatch.setattr(postcodes, "BATCH", 2)  # several batches from a small file
    path = _nspl(tmp_path, ROWS)
    first = runner.invoke(args=["load-postcodes", str(path)])
    assert first.exit_code == 0, first.output
    assert "7 rows read, 3 stored, 2 outside the ICB's areas left out, 2 rows skipped" in (
        first.output
    )
    assert "row 7: 'NOT A POSTCODE' is not a full postcode" in first.output
    assert "row 8: imd 'forty' is not a rank" in first.output
    stored = {r.postcode: r for r in db.session.scalars(select(PostcodeLookup))}
    assert set(stored) == {"FY11AA", "FY11AB", "BB11AA"}
    assert (stored["FY11AA"].imd_decile, stored["FY11AB"].imd_decile) == (1, 2)
    assert stored["BB11AA"].imd_decile == 10 and stored["BB11AA"].district == "BB1"

    again = runner.invoke(args=["load-postcodes", str(path)])
    assert again.exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(PostcodeLookup)) == 3


def test_a_new_file_replaces_a_postcodes_row(app, runner, tmp_path):
    runner.invoke(args=["load-postcodes", str(_nspl(tmp_path, ROWS[:1]))])
    newer = _nspl(tmp_path, [_row("FY1 1AA", "E06000009", imd="9000")], "newer.csv")
    runner.invoke(args=["load-postcodes", str(newer)])
    db.session.expire_all()
    assert db.session.get(PostcodeLookup, "FY11AA").imd_decile == 3


def test_all_areas_keeps_every_postcode_and_wales_gets_no_english_decile(app, tmp_path):
    result = postcodes.load_lookup(_nspl(tmp_path, ROWS), all_areas=True)
    assert result.stored == 5
    assert db.session.get(PostcodeLookup, "LL111AA").imd_decile is None


def test_icb_keeps_only_that_icbs_postcodes(app, tmp_path):
    rows = [
        _row("LA9 4AA", "E06000064", imd="20000"),  # Kendal: Westmorland and Furness, in LSC
        _row("CA11 7AA", "E06000064", imd="20000", icb=NENC),  # Penrith (Eden): not LSC
    ]
    result = postcodes.load_lookup(_nspl(tmp_path, rows), icb=LSC)
    assert result.stored == 1 and result.outside == 1
    assert db.session.get(PostcodeLookup, "CA117AA") is None


def test_a_reload_replaces_the_whole_lookup(app, runner, tmp_path):
    everywhere = runner.invoke(args=["load-postcodes", str(_nspl(tmp_path, ROWS)), "--all-areas"])
    assert everywhere.exit_code == 0 and db.session.get(PostcodeLookup, "M11AA") is not None
    again = runner.invoke(args=["load-postcodes", str(_nspl(tmp_path, ROWS)), "--icb", LSC])
    assert again.exit_code == 0, again.output
    db.session.expire_all()
    stored = set(db.session.scalars(select(PostcodeLookup.postcode)))
    assert stored == {"FY11AA", "FY11AB", "BB11AA"}, "no row of the earlier load is left"


def test_a_load_that_fails_part_way_leaves_the_lookup_as_it_was(app, runner, tmp_path, monkeypatch):
    runner.invoke(args=["load-postcodes", str(_nspl(tmp_path, ROWS[:3]))])
    monkeypatch.setattr(postcodes, "BATCH", 100)
    # Enough good rows that batches are written before the file is read as far as the bad bytes.
    good = [
        f"FY1 {n % 10}{chr(65 + n // 260)}{chr(65 + n // 10 % 26)},E06000009,9000"
        for n in range(2000)
    ]
    path = tmp_path / "broken.csv"
    path.write_bytes(("pcds,laua,imd\n" + "\n".join(good) + "\n").encode() + b"\xff\xfe\n")
    result = runner.invoke(args=["load-postcodes", str(path)])
    assert result.exit_code != 0 and "is not UTF-8 text" in result.output
    db.session.expire_all()
    assert db.session.get(PostcodeLookup, "FY11AA").imd_decile == 1, "the old row is kept"
    assert db.session.scalar(select(func.count()).select_from(PostcodeLookup)) == 3, (
        "nothing of the failed load is kept"
    )


def test_a_file_with_none_of_the_icbs_postcodes_leaves_the_lookup_as_it_was(app, runner, tmp_path):
    runner.invoke(args=["load-postcodes", str(_nspl(tmp_path, ROWS[:3]))])
    elsewhere = _nspl(tmp_path, [ROWS[3]], "manchester.csv")
    result = runner.invoke(args=["load-postcodes", str(elsewhere)])
    assert result.exit_code != 0 and "the lookup is as it was" in result.output
    assert db.session.scalar(select(func.count()).select_from(PostcodeLookup)) == 3


@pytest.mark.parametrize(
    ("columns", "args", "message"),
    [
        (["postcode", "laua"], [], "The file has no postcode column: expected one of pcds"),
        (["pcds", "country"], [], "The file says nothing about where each postcode is"),
        (["pcds", "laua"], ["--icb", LSC], "--icb E54000048 needs an 'icb' column"),
        (["pcds", "imd"], [], "use a file with 'laua' (or 'oslaua'), or pass --all-areas"),
    ],
)
def test_a_file_without_the_columns_needed_is_refused_saying_why(
    app, runner, tmp_path, columns, args, message
):
    path = tmp_path / "wrong.csv"
    path.write_text(",".join(columns) + "\nFY1 1AA,x\n", encoding="utf-8")
    result = runner.invoke(args=["load-postcodes", str(path), *args])
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(select(func.count()).select_from(PostcodeLookup)) == 0


def test_a_file_that_is_not_utf8_is_refused_clearly(app, runner, tmp_path):
    path = tmp_path / "nspl.csv"
    path.write_bytes(b"pcds,laua\nFY1 1AA,E06000009\n\xff\xfe\n")
    result = runner.invoke(args=["load-postcodes", str(path)])
    assert result.exit_code != 0 and "is not UTF-8 text" in result.output


# --- where the lookup is used --------------------------------------------------------------------

SURVEY = [
    (
        "About you",
        [
            {"key": "postcode", "kind": "postcode", "text": "What is your postcode?"},
            {"key": "views", "kind": "free_text_long", "text": "Tell us more"},
        ],
    )
]


def _submit(survey, answers: dict, person_id: int | None = None) -> Response:
    started = runner.start_response(survey, person_id=person_id)
    runner.save_answers(started.response, survey.sections[0], answers)
    return runner.submit(started.response.id)


def test_a_residents_postcode_fills_the_place_and_decile_of_their_response_and_comments(
    app, tmp_path
):
    places = _places()
    postcodes.load_lookup(_nspl(tmp_path, ROWS))
    survey = create_survey(sections=SURVEY)
    response = _submit(survey, {"postcode": "FY1 1AA", "views": "The bus was late"})
    assert response.place_id == places["BPL"].id
    assert response.deprivation_decile == 1 and response.postcode_district == "FY1"
    comment = db.session.scalar(select(Comment).where(Comment.response_id == response.id))
    assert (comment.place_id, comment.deprivation_decile) == (places["BPL"].id, 1)


def test_a_postcode_the_lookup_lacks_falls_back_to_its_district(app, tmp_path):
    places = _places()
    postcodes.load_lookup(_nspl(tmp_path, ROWS))
    survey = create_survey(sections=SURVEY)
    response = _submit(survey, {"postcode": "FY1 9ZZ", "views": "Parking is hard"})
    assert response.postcode_district == "FY1"
    assert response.place_id == places["BPL"].id, "every loaded FY1 postcode is in Blackpool"
    assert response.deprivation_decile is None, "a decile needs the full postcode"


CROSSING = [
    _row("LA1 1AA", LANCASTER),  # Lancaster: all of LA1 is in North Lancashire
    _row("LA2 0AA", LANCASTER),  # Caton: LA2 is mostly Lancaster's...
    _row("LA2 7AA", CRAVEN, icb=NYORKS),  # ...but Bentham is in North Yorkshire
    _row("LA6 2AA", SOUTH_LAKELAND),  # Kirkby Lonsdale: LA6 is South Lakeland's...
    _row("LA6 3AA", CRAVEN, icb=NYORKS),  # ...and Ingleton's, in North Yorkshire
]


@pytest.mark.parametrize("only_the_icb", [False, True], ids=["by-area", "by-icb"])
def test_a_district_that_crosses_the_icbs_edge_gives_no_place(app, runner, tmp_path, only_the_icb):
    places = _places()
    args = ["load-postcodes", str(_nspl(tmp_path, CROSSING)), *(["--icb", LSC] * only_the_icb)]
    loaded = runner.invoke(args=args)
    assert "2 postcode districts cross the edge of the ICB's areas (LA2, LA6)" in loaded.output
    assert postcodes.lookup("LA2").place_id is None, "Bentham is not in North Lancashire"
    assert postcodes.lookup("LA6 3ZZ").place_id is None, "a postcode not loaded, in LA6"
    assert postcodes.lookup("LA6 2AA").place_id == places["WES"].id, "a loaded one has its place"
    assert postcodes.lookup("LA1").place_id == places["NLA"].id, "LA1 is all in one place"
    survey = create_survey(sections=SURVEY)
    response = _submit(survey, {"postcode": "LA2 7AA", "views": "The bus to Lancaster"})
    assert (response.postcode_district, response.place_id) == ("LA2", None)


def test_without_any_lookup_only_the_district_is_kept(app):
    _places()
    survey = create_survey(sections=SURVEY)
    response = _submit(survey, {"postcode": "pr1 8xy", "views": "Fine"})
    assert (response.postcode_district, response.place_id, response.deprivation_decile) == (
        "PR1",
        None,
        None,
    )


def test_a_place_already_known_is_kept(app, tmp_path):
    places = _places()
    postcodes.load_lookup(_nspl(tmp_path, ROWS))
    member = Person(ref="member-1", place_id=places["BWD"].id)
    db.session.add(member)
    db.session.commit()
    survey = create_survey(sections=SURVEY)
    response = _submit(survey, {"postcode": "FY1 1AA", "views": "Moved"}, person_id=member.id)
    assert response.place_id == places["BWD"].id, "the member's own place is not overwritten"
    assert response.deprivation_decile == 1


def _joining(**overrides) -> panel.Joining:
    values = dict(
        given_name="Ada",
        family_name=None,
        email=None,
        phone=None,
        postcode="BB1 1AA",
        place_id=None,
        contact_preference="post",
        demographics={"age_band": "35-44"},
        consent_to_demographics=True,
    )
    values.update(overrides)
    return panel.Joining(**values)


def test_a_panel_members_sign_up_postcode_fills_their_place_and_decile(app, tmp_path):
    places = _places()
    postcodes.load_lookup(_nspl(tmp_path, ROWS))
    person = panel.join(_joining())
    assert person.place_id == places["BWD"].id
    assert person.demographics.deprivation_decile == 10


def test_without_consent_to_demographics_no_decile_is_kept(app, tmp_path):
    places = _places()
    postcodes.load_lookup(_nspl(tmp_path, ROWS))
    person = panel.join(_joining(consent_to_demographics=False))
    assert person.place_id == places["BWD"].id
    assert person.demographics is None
