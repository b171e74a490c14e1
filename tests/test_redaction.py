"""Specifications for offline personal-data detection and redaction of residents' comments."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from engage.services.redaction import (
    DATE_OF_BIRTH,
    EMAIL,
    NAME,
    NHS_NUMBER,
    PHONE,
    POSTCODE,
    Finding,
    detect,
    nhs_number_is_valid,
    propose,
    redact,
)


def kinds_found(text: str, known: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in detect(text, known)]


@pytest.mark.parametrize(
    "number",
    [
        "07700 900123",
        "07700900123",
        "07700 900 123",
        "+44 7700 900123",
        "+447700900123",
        "(01772) 716565",
        "01772 716565",
        "0161 496 0000",
        "0161-496-0000",
        "020 7946 0018",
        "+44 (0)1524 583000",
    ],
)
def test_uk_phone_numbers_are_found_in_their_usual_written_forms(number: str) -> None:
    text = f"Please ring me on {number} after 5pm."
    assert kinds_found(text) == [(PHONE, number)], f"{number!r} not found as one phone number"


@pytest.mark.parametrize(
    "email", ["jane.smith@example.com", "J_Smith+nhs@mail.example.co.uk", "bob@nhs.net"]
)
def test_email_addresses_are_found(email: str) -> None:
    assert kinds_found(f"Email me at {email}.") == [(EMAIL, email)]


@pytest.mark.parametrize("number", ["943 476 5919", "9434765919", "943-476-5919", "999 000 0018"])
def test_nhs_numbers_with_a_valid_check_digit_are_found(number: str) -> None:
    assert kinds_found(f"My NHS number is {number} if needed") == [(NHS_NUMBER, number)]


def test_fictional_999_test_numbers_follow_the_same_check_digit_rule() -> None:
    assert nhs_number_is_valid("9990000018"), "valid 999 test number rejected"
    assert not nhs_number_is_valid("9990000019"), "999 prefix must not bypass the check digit"


@pytest.mark.parametrize("number", ["9434765910", "1234567890"])
def test_run_together_digits_with_a_wrong_check_digit_are_not_nhs_numbers(number: str) -> None:
    assert kinds_found(f"Reference {number} on the letter") == []


@pytest.mark.parametrize("number", ["943 476 5918", "999 225 4257"])
def test_numbers_written_as_nhs_numbers_are_redacted_even_if_mistyped(number: str) -> None:
    # Set out 3-3-4, it is someone's NHS number with a slip of the finger: still identifying.
    assert kinds_found(f"My number is {number} on the letter") == [(NHS_NUMBER, number)]


def test_any_ten_digits_after_the_words_nhs_number_are_redacted() -> None:
    assert kinds_found("His NHS number is 9999446629 and") == [(NHS_NUMBER, "9999446629")]


@pytest.mark.parametrize(
    "postcode", ["PR1 2HE", "pr1 2he", "PR12HE", "la1 4rp", "BB2 3HH", "M1 1AE", "PR25 0TH"]
)
def test_full_uk_postcodes_are_found_in_any_case_with_or_without_the_space(postcode: str) -> None:
    assert kinds_found(f"I live in {postcode} and it is a long way") == [(POSTCODE, postcode)]


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("DOB: 12/03/1956", "12/03/1956"),
        ("my d.o.b. is 1.3.56", "1.3.56"),
        ("I was born on 12 March 1956 in Preston", "12 March 1956"),
        ("date of birth 3rd of June 1948", "3rd of June 1948"),
        ("born March 12, 1956", "March 12, 1956"),
        ("12/03/1956 (my date of birth) is on the form", "12/03/1956"),
    ],
)
def test_dates_near_a_birth_cue_are_dates_of_birth(text: str, date: str) -> None:
    assert kinds_found(text) == [(DATE_OF_BIRTH, date)]


def test_dates_without_a_birth_cue_are_left_alone() -> None:
    assert detect("My appointment on 12/03/2024 was cancelled twice.") == []


@pytest.mark.parametrize(
    "address",
    ["12 Church Street", "4a Garstang Road", "Flat 2, 17 St Mary's Close", "221 Moor Lane"],
)
def test_house_number_and_street_is_an_address(address: str) -> None:
    assert propose(f"Letters go to {address} but never arrive.").redacted_text == (
        "Letters go to [address] but never arrive."
    )


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("Dr Patel was brilliant", "Dr [name] was brilliant"),
        ("Mrs O'Neill on ward 4", "Mrs [name] on ward 4"),
        ("Nurse Jones stayed late", "Nurse [name] stayed late"),
        ("my name is Zbigniew Kowalski", "my name is [name]"),
        ("the surgery called Mohammed back", "the surgery called [name] back"),
        ("ask for Grace at the desk", "ask for [name] at the desk"),
        ("Tracy the receptionist was rude", "[name] the receptionist was rude"),
        ("my son Kacper has asthma", "my son [name] has asthma"),
        ("Sarah Jones helped us", "[name] helped us"),
        ("we saw Priya Patel-Shah", "we saw [name]"),
        ("Agnieszka on reception was kind", "[name] on reception was kind"),
    ],
)
def test_names_are_found_from_titles_cues_and_the_first_name_list(text: str, redacted: str) -> None:
    assert propose(text).redacted_text == redacted


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("I spoke to Tadhg twice", "I spoke to [name] twice"),
        ("Huge thanks to Oisin for everything", "Huge thanks to [name] for everything"),
        ("The nurse, Wiktoria, was great.", "The nurse, [name], was great."),
        ("Olamide from the practice rang me back", "[name] from the practice rang me back"),
        ("Przemek the receptionist was rude", "[name] the receptionist was rude"),
        ("Emeka on reception sorted it", "[name] on reception sorted it"),
        ("My therapist was Vicky Lewis and", "My therapist was [name] and"),
    ],
)
def test_names_missing_from_the_list_are_found_from_the_words_around_them(
    text: str, redacted: str
) -> None:
    assert propose(text).redacted_text == redacted


@pytest.mark.parametrize(
    "comment",
    [
        "Employ a doctor who listens.",
        "Stop the surgeon giving feedback in the corridor.",
        "Seeing my nurse was easy.",
        "Laughs from the team made me feel at home.",
        "The young man at St Matthews was kind.",
        "A combination of NHS and Marie Curie nurses were amazing.",
        "People from the practice never ring back.",
        "I spoke to Healthwatch about it.",
        "Thanks to Macmillan for the support.",
    ],
)
def test_words_that_only_look_like_names_near_a_person_cue_are_left_alone(comment: str) -> None:
    assert [f for f in detect(comment) if f.kind == NAME] == [], detect(comment)


def test_the_respondents_known_details_are_redacted_case_insensitively() -> None:
    text = "JANE SMITH here, smith is my surname, jane.smith@example.com, 07700-900-123"
    proposal = propose(text, known=["Jane Smith", "Jane.Smith@Example.com", "+44 7700 900123"])
    assert proposal.redacted_text == "[name] here, [name] is my surname, [email], [phone number]"


def test_overlapping_findings_merge_into_one() -> None:
    findings = detect("Contact Jane Smith on 07700 900123", known=["Jane Smith", "Smith"])
    assert [(f.kind, f.text) for f in findings] == [(NAME, "Jane Smith"), (PHONE, "07700 900123")]


def test_redaction_leaves_every_other_character_unchanged() -> None:
    text = "  Waited 3 hours!!\n\tCall 07700 900123 — thanks,\u00a0Dr Patel 😊  "
    redacted = propose(text).redacted_text
    assert redacted == "  Waited 3 hours!!\n\tCall [phone number] — thanks,\u00a0Dr [name] 😊  "


def test_redact_replaces_exactly_the_spans_given() -> None:
    text = "abc 07700 900123 xyz"
    assert redact(text, [Finding(PHONE, 4, 16, "07700 900123")]) == "abc [phone number] xyz"


def test_markup_typed_by_a_resident_is_untouched_except_for_findings() -> None:
    text = '<script>alert("Dr Patel")</script> <b onclick="x()">07700 900123</b>'
    assert propose(text).redacted_text == (
        '<script>alert("Dr [name]")</script> <b onclick="x()">[phone number]</b>'
    )
    assert detect("<script>alert(1)</script>") == []


CLEAN_COMMENTS = [
    "Waited 4 hours in A&E at Royal Preston Hospital on Saturday night.",
    "The GP surgery in Blackburn never answers the phone before 8am.",
    "I took the 113 bus from Preston and it was £7.80 for a return.",
    "Parking at Blackpool Victoria Hospital costs too much, £3.50 an hour.",
    "The NHS App is great for repeat prescriptions, booked in 2 minutes.",
    "Appointment moved from Monday 12 May to June, very frustrating.",
    "Ward B2 on the 3rd floor was clean and the staff were kind.",
    "Called NHS 111 at 2am and waited 45 minutes for a call back.",
    "Furness General Hospital maternity unit was excellent in March 2023.",
    "I live in Lancaster and have to travel to Kendal for physio.",
    "Took 10 to 12 weeks to get a referral letter, 3 phone calls a day.",
    "Bus X2 and the 152 are the only routes to Burnley General.",
    "Nurse practitioner at my practice is brilliant, seen within 2 days.",
    "My sister and my mum both use the pharmacy on Church Street.",
    "Please open the walk-in centre in Chorley on Sundays again.",
    "Score 9/10, would recommend. Room 24 was noisy at 11pm.",
    "Covid booster at Ewood Park was well organised, 5 minute wait.",
    "Call 0300 123 1234 was the number on the letter, nobody answered.",
    "The Accrington Victoria Community Hospital has no lift working.",
    "Mental health team in Morecambe Bay needs more staff.",
    "Grace period for cancellations should be 24 hours not 48.",
    "May I say the discharge lounge was a lovely surprise.",
    "Ormskirk and Skelmersdale need a better bus to the hospital.",
    "Reference 2023/45678 on my complaint, still no reply after 6 weeks.",
]


@pytest.mark.parametrize("comment", CLEAN_COMMENTS)
def test_ordinary_nhs_comments_have_no_false_positives(comment: str) -> None:
    assert detect(comment) == [], f"false positive in a clean comment: {detect(comment)}"


def test_redaction_module_imports_without_flask_or_a_database() -> None:
    # Loaded by path: importing the ``engage`` package itself would pull in Flask.
    module = Path(__file__).resolve().parents[1] / "engage" / "services" / "redaction.py"
    code = (
        "import sys, importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('redaction', {str(module)!r})\n"
        "m = importlib.util.module_from_spec(spec); sys.modules['redaction'] = m\n"
        "spec.loader.exec_module(m)\n"
        "assert m.detect('Dr Patel')\n"
        "assert 'flask' not in sys.modules and 'sqlalchemy' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_every_identifier_planted_in_the_demo_data_is_found() -> None:
    """An independent check: the demo generator was written apart from the detector."""
    import re

    from engage.demo.generate import generate

    data = generate(2026)
    texts = [v for r in data.responses for v in r.answers.values() if isinstance(v, str)]
    texts += [f.text for f in data.feedback]
    planted = {
        "phone": r"07700 ?900\d{3}",
        "email": r"[\w.]+@example\.(?:org|com)",
        "nhs_number": r"\b999 ?\d{3} ?\d{4}\b",
    }
    for kind, pattern in planted.items():
        carriers = [t for t in texts if re.search(pattern, t)]
        assert carriers, f"the demo plants no {kind}"
        missed = [t for t in carriers if kind not in {f.kind for f in detect(t)}]
        assert missed == [], f"{kind} missed in: {missed[:3]}"
