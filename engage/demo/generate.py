"""Reproducible, seeded generator of fictional demo data: places, people, surveys and comments.

Standard library only. ``generate(seed)`` always returns the same data for the same seed: every
random choice comes from ``random.Random`` instances derived from the seed, and every date is
measured back from the fixed ``ANCHOR`` rather than from today.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from engage.demo import phrases as ph
from engage.demo.phrases import Area, Theme

ANCHOR = date(2026, 11, 1)
WINDOW_START = date(2025, 8, 1)  # about fifteen months before the anchor
PEOPLE_COUNT = 360
PUBLIC_ANONYMOUS_RESPONSES = 720
FEEDBACK_COUNT = 420
# Planted only in longer prose comments, which are about half of all comments: ~2% overall.
PII_RATE_IN_PROSE = 0.04

FREE_TEXT_KINDS = frozenset({"free_text_short", "free_text_long"})
FFT_OPTIONS = ["Very good", "Good", "Neither good nor poor", "Poor", "Very poor", "Don't know"]
FFT_MOOD = {
    "Very good": 1.0,
    "Good": 0.5,
    "Neither good nor poor": 0.0,
    "Poor": -0.5,
    "Very poor": -1.0,
    "Don't know": 0.0,
}
EASE = ["Very difficult", "Difficult", "Neither easy nor difficult", "Easy", "Very easy"]
IMPORTANCE = [
    "Not at all important",
    "Not very important",
    "Neither important nor unimportant",
    "Fairly important",
    "Very important",
]
CONFIDENCE = [
    "Not at all confident",
    "Not very confident",
    "Neither confident nor unconfident",
    "Fairly confident",
    "Very confident",
]
YES_NO = ["Yes", "No"]


# --- Public data shapes ------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoPlace:
    code: str
    name: str
    kind: str  # icb, place, footprint
    parent_code: str | None


@dataclass(frozen=True)
class DemoPractice:
    code: str
    name: str
    place_code: str
    postcode: str


@dataclass(frozen=True)
class DemoPerson:
    ref: str
    given_name: str
    family_name: str
    email: str
    phone: str | None
    postcode: str
    place_code: str
    age_band: str
    sex: str
    ethnicity: str
    disability: str
    long_term_condition: str
    carer: str
    deprivation_decile: int | None
    contact_preference: str  # email, post, phone, text
    panel_joined_on: date | None  # Citizens' Panel member if set
    ppg_practice_code: str | None  # PPG member if set


@dataclass(frozen=True)
class DemoQuestion:
    key: str
    kind: str
    text: str
    hint: str
    options: list[str]
    required: bool


@dataclass(frozen=True)
class DemoSection:
    title: str
    questions: list[DemoQuestion]


@dataclass(frozen=True)
class DemoSurvey:
    slug: str
    title: str
    purpose: str
    audience: str  # public, panel, ppg
    opens_on: date
    closes_on: date
    status: str  # draft, open, closed
    sections: list[DemoSection]

    def questions(self) -> list[DemoQuestion]:
        """All questions in order, across sections."""
        return [q for section in self.sections for q in section.questions]


@dataclass(frozen=True)
class DemoResponse:
    survey_slug: str
    person_ref: str | None
    submitted_at: datetime  # aware, UTC
    channel: str  # online, paper, event
    place_code: str | None
    # Free text is str; choices are exact option strings; multi is a list; rating is the
    # 1-based position in the question's five options; number is int; date is ISO text.
    answers: dict[str, str | list[str] | int]


@dataclass(frozen=True)
class DemoFeedback:
    source: str  # healthwatch, fft, event
    received_on: date
    place_code: str | None
    text: str
    # Friends and Family Test returns only: the rating given with the comment (one of
    # FFT_OPTIONS) and the practice or hospital it is about, where the comment is about one.
    fft_rating: str | None = None
    service: str | None = None


@dataclass(frozen=True)
class DemoData:
    places: list[DemoPlace]
    practices: list[DemoPractice]
    people: list[DemoPerson]
    surveys: list[DemoSurvey]
    responses: list[DemoResponse]
    feedback: list[DemoFeedback]


# --- Small helpers -----------------------------------------------------------------------------

AREA_BY_CODE: dict[str, Area] = {area.code: area for area in ph.AREAS}
POSTCODE_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters Royal Mail uses in inward codes


def _weighted(rng: random.Random, options: Sequence[str], weights: Sequence[float]) -> str:
    """One option, drawn by weight."""
    return rng.choices(options, weights=weights, k=1)[0]


def _pick_area(rng: random.Random) -> Area:
    """An area drawn by population."""
    return rng.choices(ph.AREAS, weights=[a.population for a in ph.AREAS], k=1)[0]


def _postcode(rng: random.Random, district: str) -> str:
    """A well-formed postcode in the district; the inward part is random, so fictional."""
    unit = "".join(rng.choice(POSTCODE_UNIT_LETTERS) for _ in range(2))
    return f"{district} {rng.randint(1, 9)}{unit}"


def _day_between(rng: random.Random, start: date, end: date) -> date:
    """A uniformly random day from start to end inclusive."""
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _clamp(value: float, low: float, high: float) -> float:
    """Value limited to [low, high]."""
    return max(low, min(high, value))


def _fake_phone(rng: random.Random) -> str:
    """A mobile number in Ofcom's range reserved for drama (07700 900000-900999)."""
    return f"07700 900{rng.randint(0, 999):03d}"


def _fake_nhs_number(rng: random.Random) -> str:
    """A ten-digit number starting 999, a range never issued to real patients."""
    digits = f"999{rng.randint(0, 9_999_999):07d}"
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if rng.random() < 0.6 else digits


# --- Places and practices ----------------------------------------------------------------------


def _places() -> list[DemoPlace]:
    """The ICB, its four places and the footprints within Lancashire and South Cumbria."""
    return [DemoPlace(code, name, kind, parent) for code, name, kind, parent in ph.PLACES]


def _practices(rng: random.Random) -> list[DemoPractice]:
    """Two dozen fictional practices, each with a postcode in its own district."""
    return [
        DemoPractice(f"Z81{index:03d}", name, area, _postcode(rng, district))
        for index, (name, area, district) in enumerate(ph.PRACTICES, start=1)
    ]


# --- People ------------------------------------------------------------------------------------


def _ethnicity(rng: random.Random, area: Area) -> str:
    """An ONS 2021 broad group, weighted by the area's make-up."""
    if rng.random() < 0.03:
        return ph.PREFER_NOT
    black = 0.015 if area.code in {"CLA", "BWD"} else 0.006
    mixed, other = 0.016, 0.008
    white = 1.0 - area.asian_share - black - mixed - other
    return _weighted(rng, ph.ETHNIC_GROUPS, [area.asian_share, black, mixed, white, other])


def _name(rng: random.Random, ethnicity: str, sex: str) -> tuple[str, str]:
    """A given and family name plausible for the group; mixed families mix the lists."""
    female = sex == "Female" or (sex != "Male" and rng.random() < 0.5)
    pools: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
        "white": (ph.WHITE_FEMALE, ph.WHITE_MALE, ph.WHITE_FAMILY),
        "european": (ph.EUROPEAN_FEMALE, ph.EUROPEAN_MALE, ph.EUROPEAN_FAMILY),
        "south_asian": (ph.SOUTH_ASIAN_FEMALE, ph.SOUTH_ASIAN_MALE, ph.SOUTH_ASIAN_FAMILY),
        "east_asian": (ph.EAST_ASIAN_FEMALE, ph.EAST_ASIAN_MALE, ph.EAST_ASIAN_FAMILY),
        "black": (ph.BLACK_FEMALE, ph.BLACK_MALE, ph.BLACK_FAMILY),
        "other": (ph.OTHER_FEMALE, ph.OTHER_MALE, ph.OTHER_FAMILY),
    }
    by_group = {
        "White": ("white", "european") if rng.random() < 0.07 else ("white", "white"),
        "Asian or Asian British": (
            ("east_asian",) * 2 if rng.random() < 0.1 else ("south_asian",) * 2
        ),
        "Black, Black British, Caribbean or African": ("black", "black"),
        "Mixed or multiple ethnic groups": (
            rng.choice(["black", "south_asian", "white"]),
            rng.choice(["white", "black"]),
        ),
        "Other ethnic group": ("other", "other"),
    }
    given_pool, family_pool = by_group.get(ethnicity, (rng.choice(list(pools)),) * 2)
    given = rng.choice(pools[given_pool][0 if female else 1])
    return given, rng.choice(pools[family_pool][2])


def _email(rng: random.Random, given: str, family: str, taken: set[str]) -> str:
    """A unique address at the reserved example domains."""
    local = re.sub(r"[^a-z]", "", given.lower()), re.sub(r"[^a-z]", "", family.lower())
    domain = rng.choice(["example.org", "example.com"])
    styles = [f"{local[0]}.{local[1]}", f"{local[0][0]}{local[1]}", f"{local[0]}{local[1]}"]
    base = rng.choice(styles)
    address = f"{base}@{domain}"
    while address in taken:
        address = f"{base}{rng.randint(1, 99)}@{domain}"
    taken.add(address)
    return address


def _yes_no(rng: random.Random, p_yes: float) -> str:
    """Yes, No, or occasionally Prefer not to say."""
    if rng.random() < 0.04:
        return ph.PREFER_NOT
    return "Yes" if rng.random() < p_yes else "No"


def _contact_preference(rng: random.Random, age_index: int) -> str:
    """Older residents ask for post more often."""
    post = 0.35 if age_index >= 6 else 0.15 if age_index >= 5 else 0.06
    return _weighted(rng, ["email", "post", "phone", "text"], [0.62 - post / 2, post, 0.12, 0.2])


def _panel_joined(rng: random.Random) -> date:
    """Most members were recruited before the window, some during it."""
    if rng.random() < 0.7:
        return _day_between(rng, date(2023, 3, 1), WINDOW_START - timedelta(days=1))
    return _day_between(rng, WINDOW_START, ANCHOR - timedelta(days=14))


def _person(
    rng: random.Random, practices: list[DemoPractice], emails: set[str], phone_pool: list[str]
) -> DemoPerson:
    """One fictional panel and/or PPG member."""
    area = _pick_area(rng)
    roll = rng.random()
    on_panel, in_ppg = roll < 0.76, roll >= 0.62
    age_index = rng.choices(range(len(ph.AGE_BANDS)), weights=ph.AGE_WEIGHTS, k=1)[0]
    age_band = ph.PREFER_NOT if rng.random() < 0.015 else ph.AGE_BANDS[age_index]
    sex = _weighted(rng, ["Female", "Male", ph.PREFER_NOT], [0.54, 0.44, 0.02])
    ethnicity = _ethnicity(rng, area)
    given, family = _name(rng, ethnicity, sex)
    preference = _contact_preference(rng, age_index)
    no_phone = (preference == "post" and rng.random() < 0.6) or rng.random() < 0.08
    local_practices = [p for p in practices if p.place_code == area.code]
    practice = rng.choice(local_practices) if in_ppg else None
    district = (
        practice.postcode.split()[0]
        if practice and rng.random() < 0.7
        else rng.choice(area.districts)
    )
    decile = None if rng.random() < 0.04 else rng.choices(range(1, 11), area.deprivation, k=1)[0]
    return DemoPerson(
        ref=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        given_name=given,
        family_name=family,
        email=_email(rng, given, family, emails),
        phone=None if no_phone else phone_pool.pop(),
        postcode=_postcode(rng, district),
        place_code=area.code,
        age_band=age_band,
        sex=sex,
        ethnicity=ethnicity,
        disability=_yes_no(rng, 0.12 + 0.04 * age_index),
        long_term_condition=_yes_no(rng, 0.18 + 0.08 * age_index),
        carer=_yes_no(rng, 0.14),
        deprivation_decile=decile,
        contact_preference=preference,
        panel_joined_on=_panel_joined(rng) if on_panel else None,
        ppg_practice_code=practice.code if practice else None,
    )


def _people(rng: random.Random, practices: list[DemoPractice]) -> list[DemoPerson]:
    """The demo panel and PPG membership, each phone number used once."""
    phone_pool = [f"07700 900{n:03d}" for n in range(1000)]
    rng.shuffle(phone_pool)
    emails: set[str] = set()
    return [_person(rng, practices, emails, phone_pool) for _ in range(PEOPLE_COUNT)]


# --- Surveys -----------------------------------------------------------------------------------


def _q(
    key: str,
    kind: str,
    text: str,
    hint: str = "",
    options: Sequence[str] = (),
    required: bool = False,
) -> DemoQuestion:
    """A question; FFT questions always carry the six standard answers."""
    chosen = FFT_OPTIONS if kind == "fft" else list(options)
    return DemoQuestion(key, kind, text, hint, list(chosen), required)


CONSENT = _q(
    "consent",
    "consent",
    "I have read how my answers will be used and I agree to take part",
    "Your answers are anonymised before anyone outside the engagement team sees them.",
    YES_NO,
    required=True,
)


def _gp_access_survey() -> DemoSurvey:
    """Citizens' Panel survey on getting help from a GP practice (closed)."""
    contact = DemoSection(
        "Your last contact with your GP practice",
        [
            CONSENT,
            _q(
                "last_contact",
                "single_choice",
                "When did you last try to contact your GP practice?",
                options=[
                    "In the last month",
                    "1 to 3 months ago",
                    "3 to 6 months ago",
                    "6 to 12 months ago",
                    "More than a year ago",
                    "I can't remember",
                ],
                required=True,
            ),
            _q(
                "contact_methods",
                "multi_choice",
                "How did you try to contact them?",
                "Select all that apply.",
                [
                    "Phoned the practice",
                    "Online form",
                    "NHS App",
                    "Went in person",
                    "Through a pharmacy",
                    "NHS 111",
                    "Someone contacted them for me",
                ],
            ),
            _q(
                "ease_of_contact",
                "rating",
                "How easy was it to contact your practice?",
                options=EASE,
                required=True,
            ),
            _q(
                "phone_wait_minutes",
                "number",
                "If you phoned, roughly how many minutes did you wait to speak to someone?",
                "Leave blank if you did not phone.",
            ),
            _q(
                "appointment_type",
                "single_choice",
                "What were you offered?",
                options=[
                    "A face to face appointment",
                    "A telephone call",
                    "A video call",
                    "An online message",
                    "A home visit",
                    "Nothing - I did not get an appointment",
                ],
            ),
            _q(
                "fft", "fft", "Overall, how was your experience of your GP practice?", required=True
            ),
            _q(
                "fft_reason",
                "free_text_long",
                "Please tell us the main reason for your answer",
                "Please do not include names or anything that could identify you or others.",
            ),
        ],
    )
    matters = DemoSection(
        "What matters to you",
        [
            _q(
                "prefer_to_see",
                "single_choice",
                "Who would you prefer to see?",
                options=[
                    "A GP",
                    "A nurse or other clinician",
                    "Whoever is available soonest",
                    "No preference",
                ],
            ),
            _q(
                "same_clinician",
                "rating",
                "How important is it to see the same clinician each time?",
                options=IMPORTANCE,
            ),
            _q(
                "one_change",
                "free_text_short",
                "If you could change one thing about getting an appointment, what would it be?",
            ),
            _q("worked_well", "free_text_long", "Tell us about anything that has worked well"),
        ],
    )
    closing = DemoSection(
        "Anything else",
        [
            _q(
                "anything_else",
                "free_text_long",
                "Is there anything else you would like to tell us about GP services?",
            ),
            _q(
                "follow_up",
                "consent",
                "May we contact you to take part in a follow-up discussion group?",
                options=YES_NO,
            ),
        ],
    )
    return DemoSurvey(
        "gp-access-2025",
        "Getting help from your GP practice",
        "To understand how residents contact their practice, what they are offered and what "
        "would make access fairer, informing the primary care access commissioning intentions.",
        "panel",
        date(2025, 8, 4),
        date(2026, 1, 30),
        "closed",
        [contact, matters, closing],
    )


def _parking_survey() -> DemoSurvey:
    """Public survey on getting to hospital: parking and transport (open)."""
    hospitals = [ph.HOSPITALS[key][0] for key in ph.SURVEY_HOSPITALS] + ["Another hospital"]
    journey = DemoSection(
        "Your journey",
        [
            CONSENT,
            _q(
                "hospital",
                "single_choice",
                "Which hospital did you visit most recently?",
                options=hospitals,
                required=True,
            ),
            _q("visit_date", "date", "When was your visit?", "For example, 27 3 2025"),
            _q(
                "travel_modes",
                "multi_choice",
                "How did you travel there?",
                "Select all that apply.",
                [
                    "Car (I drove)",
                    "Car (I was dropped off)",
                    "Bus",
                    "Train",
                    "Taxi",
                    "Hospital or community transport",
                    "Walked",
                    "Cycled",
                    "Mobility scooter or wheelchair",
                ],
                required=True,
            ),
            _q("journey_minutes", "number", "About how long did the journey take, in minutes?"),
            _q(
                "home_postcode",
                "postcode",
                "What is your postcode?",
                "The first half is enough, for example FY1.",
            ),
        ],
    )
    parking = DemoSection(
        "Parking",
        [
            _q("parking_ease", "rating", "How easy was it to park?", options=EASE),
            _q(
                "parking_problems",
                "multi_choice",
                "Did you have any of these problems?",
                "Select all that apply.",
                [
                    "Not enough spaces",
                    "The cost",
                    "Too far from the entrance",
                    "Payment machines",
                    "Blue badge spaces full",
                    "Confusing signs",
                    "Nowhere to drop off",
                    "I did not park",
                ],
            ),
            _q(
                "parking_comments",
                "free_text_long",
                "Tell us about parking at the hospital",
                "Please do not include names or anything that could identify you or others.",
            ),
        ],
    )
    transport = DemoSection(
        "Public transport and your views",
        [
            _q(
                "transport_comments",
                "free_text_long",
                "If you used or tried to use public transport, what was it like?",
            ),
            _q(
                "fft",
                "fft",
                "Overall, how would you rate getting to and from the hospital?",
                required=True,
            ),
            _q(
                "one_change",
                "free_text_short",
                "What one thing would make getting to hospital easier?",
            ),
            _q(
                "anything_else",
                "free_text_long",
                "Is there anything else you would like to tell us?",
            ),
        ],
    )
    return DemoSurvey(
        "hospital-travel-parking",
        "Getting to hospital: parking and transport",
        "To hear how people travel to our hospitals, what gets in the way and what would help, "
        "ahead of decisions on parking, transport links and services closer to home.",
        "public",
        date(2025, 8, 18),
        date(2026, 12, 18),
        "open",
        [journey, parking, transport],
    )


def _digital_survey() -> DemoSurvey:
    """PPG survey on the NHS App and online services (open)."""
    online = DemoSection(
        "How you get online",
        [
            CONSENT,
            _q(
                "devices",
                "multi_choice",
                "Which of these do you use?",
                "Select all that apply.",
                ["Smartphone", "Tablet", "Laptop or computer", "I don't use the internet"],
                required=True,
            ),
            _q(
                "confidence",
                "rating",
                "How confident do you feel using online health services?",
                options=CONFIDENCE,
                required=True,
            ),
            _q(
                "app_uses",
                "multi_choice",
                "What do you use the NHS App for?",
                "Select all that apply.",
                [
                    "Ordering repeat prescriptions",
                    "Booking appointments",
                    "Viewing my GP record",
                    "Test results",
                    "Messages from my practice",
                    "Hospital appointments",
                    "I don't use the NHS App",
                ],
            ),
        ],
    )
    experience = DemoSection(
        "Your experience",
        [
            _q(
                "fft",
                "fft",
                "Overall, how was your experience of your practice's online services?",
                required=True,
            ),
            _q("works_well", "free_text_long", "What works well for you?"),
            _q(
                "gets_in_the_way",
                "free_text_long",
                "What doesn't work well, or stops you using online services?",
            ),
            _q(
                "help_wanted",
                "single_choice",
                "Would you like help to use the NHS App?",
                options=[
                    "Yes, at my practice",
                    "Yes, at a library or community hub",
                    "Yes, from family or friends",
                    "No, I don't need help",
                    "No, I don't want to use it",
                ],
            ),
        ],
    )
    closing = DemoSection(
        "Your PPG and anything else",
        [
            _q("ppg_role", "free_text_short", "How could your PPG help other patients get online?"),
            _q(
                "anything_else",
                "free_text_long",
                "Is there anything else you would like to tell us?",
            ),
            _q(
                "follow_up",
                "consent",
                "May we share your comments with your practice manager?",
                options=YES_NO,
            ),
        ],
    )
    return DemoSurvey(
        "digital-services-nhs-app",
        "Using the NHS App and online services",
        "To learn from Patient Participation Group members what helps and what stops people "
        "using online services, so digital access never becomes a barrier to care.",
        "ppg",
        date(2026, 4, 13),
        date(2026, 11, 27),
        "open",
        [online, experience, closing],
    )


def _surveys() -> list[DemoSurvey]:
    """The three demo surveys."""
    return [_gp_access_survey(), _parking_survey(), _digital_survey()]


# --- Comment writing ---------------------------------------------------------------------------

GENERAL_PROFILE: dict[str, float] = {
    "appointments": 8,
    "telephone": 6,
    "online": 4,
    "digital_barriers": 3,
    "parking": 4,
    "transport": 3,
    "waiting": 6,
    "urgent_care": 3,
    "dentistry": 4,
    "pharmacy": 3,
    "weight_loss": 1,
    "continuity": 3,
    "communication": 4,
    "coordination": 3,
    "staff_attitude": 5,
    "staffing": 3,
    "cleanliness": 1.5,
    "food": 1.5,
    "mental_health": 3,
    "adhd_autism": 1.5,
    "carers": 2,
    "cost_of_living": 2,
    "interpreters": 1.5,
    "accessibility": 2,
    "local_services": 2,
    "opening_hours": 2,
    "continuing_care": 0.8,
    "transition": 0.6,
    "trust": 2.5,
    "praise": 4,
}

# Which themes each free-text question draws out, and whether it asks for praise (+1),
# problems (-1) or either (0).
QUESTION_PROFILES: dict[tuple[str, str], tuple[dict[str, float], int]] = {
    ("gp-access-2025", "fft_reason"): (
        {
            "appointments": 8,
            "telephone": 8,
            "online": 3,
            "staff_attitude": 5,
            "continuity": 3,
            "communication": 2,
            "opening_hours": 2,
            "praise": 4,
            "digital_barriers": 1.5,
            "pharmacy": 1,
            "staffing": 2,
            "accessibility": 1,
            "interpreters": 0.7,
            "carers": 0.7,
        },
        0,
    ),
    ("gp-access-2025", "one_change"): (
        {
            "appointments": 6,
            "telephone": 6,
            "online": 2,
            "continuity": 3,
            "opening_hours": 3,
            "staffing": 3,
            "staff_attitude": 2,
            "digital_barriers": 1.5,
        },
        -1,
    ),
    ("gp-access-2025", "worked_well"): (
        {
            "pharmacy": 3,
            "online": 3,
            "staff_attitude": 4,
            "appointments": 2,
            "continuity": 2,
            "praise": 4,
            "telephone": 1.5,
            "communication": 1,
        },
        1,
    ),
    ("hospital-travel-parking", "parking_comments"): (
        {
            "parking": 14,
            "cost_of_living": 2,
            "accessibility": 2,
            "transport": 1,
            "waiting": 1.5,
            "praise": 0.5,
        },
        0,
    ),
    ("hospital-travel-parking", "transport_comments"): (
        {
            "transport": 14,
            "local_services": 3,
            "cost_of_living": 2,
            "accessibility": 1.5,
            "parking": 1,
        },
        0,
    ),
    ("hospital-travel-parking", "one_change"): (
        {
            "parking": 6,
            "transport": 5,
            "local_services": 2,
            "cost_of_living": 1.5,
            "accessibility": 1,
        },
        -1,
    ),
    ("digital-services-nhs-app", "works_well"): (
        {"online": 10, "pharmacy": 2, "communication": 2, "praise": 2, "digital_barriers": 1},
        1,
    ),
    ("digital-services-nhs-app", "gets_in_the_way"): (
        {
            "online": 8,
            "digital_barriers": 8,
            "coordination": 2,
            "accessibility": 1.5,
            "interpreters": 1,
            "telephone": 2,
        },
        -1,
    ),
    ("digital-services-nhs-app", "ppg_role"): (
        {
            "ppg_help": 20,
            "digital_barriers": 3,
            "online": 2,
            "trust": 1,
            "carers": 1,
            "interpreters": 1,
        },
        0,
    ),
}
# Themes about a GP practice: feedback on them is feedback on the speaker's practice.
GP_THEMES = frozenset({"appointments", "telephone", "continuity", "opening_hours"})
TRAVEL_GENERAL = {**GENERAL_PROFILE, "parking": 8, "transport": 6, "local_services": 4}
FFT_FEEDBACK_PROFILE: dict[str, float] = {
    "staff_attitude": 6,
    "praise": 6,
    "waiting": 4,
    "communication": 3,
    "cleanliness": 2,
    "food": 2,
    "parking": 2,
    "urgent_care": 2,
    "appointments": 2,
    "staffing": 1.5,
}
# Local concerns weigh more in some areas (rural travel, language, deprivation).
AREA_BOOSTS: dict[str, dict[str, float]] = {
    "FUR": {"local_services": 3, "transport": 1.5, "dentistry": 1.5},
    "WES": {"local_services": 3, "transport": 1.8, "dentistry": 1.3},
    "BWD": {"interpreters": 3, "cost_of_living": 1.5},
    "ELA": {"interpreters": 2, "cost_of_living": 1.5},
    "CLA": {"interpreters": 1.8},
    "BPL": {"cost_of_living": 2, "dentistry": 1.8, "mental_health": 1.5},
    "NLA": {"transport": 1.2},
}


@dataclass
class Experience:
    """How it went for one person, theme by theme: their closed answers and what they write
    both come from it, so someone whose phone calls never got through answers "Very difficult"
    and writes about the phones, and someone who praises the staff did not rate them "Very poor".

    A theme is decided the first time an answer or a clause needs it: the key themes of a
    survey from the person's overall mood, before their closed answers; the rest by the first
    clause written about them, after which every clause about that theme agrees.
    """

    mood: float
    went_well: dict[str, bool] = field(default_factory=dict)
    said: list[tuple[str, bool]] = field(default_factory=list)  # (theme, positive) per clause
    named: set[str] = field(default_factory=set)  # the slots the comments filled: practice, ...

    @classmethod
    def for_mood(cls, mood: float) -> Experience:
        # Someone unhappy overall does not also say they cannot fault anyone.
        return cls(mood, {"praise": False} if mood <= 0 else {})

    def decide(self, rng: random.Random, theme: str) -> bool:
        """Whether the theme went well, drawn from the mood on first asking."""
        if theme not in self.went_well:
            self.went_well[theme] = rng.random() < _clamp(0.5 + 0.45 * self.mood, 0.05, 0.95)
        return self.went_well[theme]

    def agrees(self, theme: str, positive: bool) -> bool:
        return self.went_well.get(theme, positive) == positive


@dataclass
class Voice:
    """Who is speaking and where, so slots pick local hospitals, towns and buses."""

    area: Area
    practice: str
    hospital_key: str | None = None


def _trend(theme: str, when: date) -> float:
    """Theme weight over time, so monthly charts show movement."""
    months = (when.year - WINDOW_START.year) * 12 + when.month - WINDOW_START.month
    winter = when.month in (12, 1, 2)
    if theme == "telephone":  # new practice phone systems roll out in spring 2026
        return 1.3 if when < date(2026, 3, 1) else 0.75
    if theme == "online":
        return 0.8 if when < date(2026, 3, 1) else 1.3
    if theme == "parking":  # tariffs go up in April 2026
        return 1.0 if when < date(2026, 4, 1) else 1.6
    if theme == "dentistry":
        return 0.7 + 0.05 * months
    if theme in ("urgent_care", "cost_of_living"):
        return 1.8 if winter else 1.0
    return 1.0


class SlotFiller(dict[str, str]):
    """Fills ``{slot}`` fields lazily, once per comment, from the speaker's area."""

    def __init__(self, rng: random.Random, voice: Voice) -> None:
        super().__init__()
        self.rng = rng
        self.voice = voice

    def __missing__(self, key: str) -> str:
        value = self._make(key)
        self[key] = value
        return value

    def _hospital_key(self) -> str:
        if self.voice.hospital_key is None:
            keys = self.voice.area.hospitals
            self.voice.hospital_key = self.rng.choices(keys, [6, 2, 1, 1][: len(keys)], k=1)[0]
        return self.voice.hospital_key

    def _make(self, key: str) -> str:
        rng, area = self.rng, self.voice.area
        makers = {
            "hospital": lambda: ph.HOSPITALS[self._hospital_key()][0],
            "hosp": lambda: rng.choice(ph.HOSPITALS[self._hospital_key()]),
            "far_hospital": lambda: ph.HOSPITALS[
                rng.choice([k for k in ("rph", "rli", "rbh", "vic") if k != self._hospital_key()])
            ][1],
            "town": lambda: rng.choice(area.towns),
            "far_town": lambda: rng.choice(rng.choice(ph.AREAS).towns),
            "bus": lambda: rng.choice(area.buses),
            "practice": lambda: rng.choice(
                [self.voice.practice, "the surgery", "my GP", "our practice", "the doctors"]
            ),
            "n": lambda: str(rng.randint(2, 5)),
            "mins": lambda: str(rng.choice([10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 75, 90])),
            "hours": lambda: str(rng.randint(2, 14)),
            "weeks": lambda: str(rng.randint(2, 16)),
            "months": lambda: str(rng.randint(3, 26)),
            "years": lambda: str(rng.randint(2, 4)),
            "long_years": lambda: str(rng.choice([10, 15, 20, 25, 30, 40])),
            "queue": lambda: str(rng.randint(8, 47)),
            "miles": lambda: str(rng.choice(range(20, 95, 5))),
            "age": lambda: str(rng.randint(68, 94)),
            "price": lambda: rng.choice(["£2.90", "£3.50", "£4", "£5.20", "£6", "£7.80", "£10"]),
            "big_price": lambda: rng.choice(["£40", "£55", "£70", "£90", "£120"]),
            "taxi": lambda: rng.choice(["£18", "£25", "£32", "£45", "£60", "£85"]),
            "fee": lambda: rng.choice(["£75", "£120", "£306", "£450", "£800", "£1,200"]),
            "relative": lambda: rng.choice(ph.RELATIVES),
            "child": lambda: rng.choice(ph.CHILDREN),
            "app": lambda: rng.choice(ph.APPS),
            "med": lambda: rng.choice(ph.MEDS),
            "op": lambda: rng.choice(ph.OPS),
            "specialty": lambda: rng.choice(ph.SPECIALTIES),
            "ward": lambda: rng.choice(ph.WARDS),
            "language": lambda: rng.choice(ph.LANGUAGES),
            "workplace": lambda: rng.choice(ph.WORKPLACES),
            "time": lambda: rng.choice(ph.TIMES),
            "doctor": lambda: rng.choice(ph.DOCTORS),
            "first_name": lambda: rng.choice(ph.WHITE_FEMALE + ph.SOUTH_ASIAN_FEMALE),
            "family_name": lambda: rng.choice(ph.WHITE_FAMILY + ph.SOUTH_ASIAN_FAMILY),
            "phone": lambda: _fake_phone(rng),
            "email": lambda: (
                f"{rng.choice(ph.WHITE_MALE).lower()}{rng.randint(1, 99)}"
                f"@{rng.choice(['example.org', 'example.com'])}"
            ),
            "nhs_number": lambda: _fake_nhs_number(rng),
            "postcode": lambda: _postcode(rng, rng.choice(area.districts)),
        }
        return makers[key]()


@dataclass
class CommentWriter:
    """Builds comments from openers, theme clauses, connectives and closers, then roughs them up."""

    rng: random.Random
    experience: Experience | None = None  # the speaker's, while a comment is being written

    def write(
        self,
        voice: Voice,
        profile: Mapping[str, float],
        mood: float,
        when: date,
        long: bool = True,
        polarity: int = 0,
        allow_nothing: bool = True,
        experience: Experience | None = None,
    ) -> str:
        """One free-text comment in the speaker's voice; "nothing" answers only where allowed.

        With an experience, every clause agrees with how each theme went for the speaker.
        """
        self.experience = experience
        slots = SlotFiller(self.rng, voice)
        try:
            return self._write(voice, slots, profile, mood, when, long, polarity, allow_nothing)
        finally:
            if experience is not None:
                experience.named.update(slots)
            self.experience = None

    def _write(
        self,
        voice: Voice,
        slots: SlotFiller,
        profile: Mapping[str, float],
        mood: float,
        when: date,
        long: bool,
        polarity: int,
        allow_nothing: bool,
    ) -> str:
        weights = self._theme_weights(profile, voice.area, when)
        mode = self._mode(mood, long, polarity)
        p_pos = _clamp(0.5 + 0.45 * mood + 0.55 * polarity, 0.05, 0.95)
        if mode == "nothing" and allow_nothing:
            return self.rng.choice(ph.NOTHING)
        if mode == "nothing":  # feedback gathered elsewhere is never an empty "n/a"
            mode = "plain"
        if mode == "word":
            return self._word(weights)
        text = getattr(self, f"_{mode}")(weights, p_pos, slots)
        if mode != "rant":
            text = self._style(text, long)
        if long and mode in ("plain", "mixed", "story") and self.rng.random() < PII_RATE_IN_PROSE:
            text = f"{text.rstrip()} {self.rng.choice(ph.PII_TEMPLATES).format_map(slots)}"
        return text

    def _theme_weights(
        self, profile: Mapping[str, float], area: Area, when: date
    ) -> dict[str, float]:
        boosts = AREA_BOOSTS.get(area.code, {})
        return {t: w * boosts.get(t, 1.0) * _trend(t, when) for t, w in profile.items()}

    def _mode(self, mood: float, long: bool, polarity: int) -> str:
        modes = ["nothing", "word", "ask", "plain", "mixed", "story", "rant", "praise"]
        if long:
            weights = [6, 4, 4, 36, 15, 18, 4 + 3 * max(0.0, -mood), 6 + 8 * max(0.0, mood)]
        else:
            weights = [9, 16, 38, 22, 5, 1, 3, 3 + 4 * max(0.0, mood)]
        if polarity > 0:
            weights[6] = 0.5
        return _weighted(self.rng, modes, weights)

    def _theme(self, weights: Mapping[str, float]) -> Theme:
        key = _weighted(self.rng, list(weights), list(weights.values()))
        return ph.THEMES[key]

    def _clause(
        self, weights: Mapping[str, float], positive: bool, slots: SlotFiller, used: set[str]
    ) -> str:
        """A filled clause of the wanted sentiment, not already used in this comment."""
        experience = self.experience

        def usable(sentiment: bool) -> dict[str, float]:
            # Only themes that have clauses of that sentiment, so a rant never turns into
            # praise, and that went that way for the speaker (or are not decided yet).
            return {
                k: w
                for k, w in weights.items()
                if (ph.THEMES[k].pos if sentiment else ph.THEMES[k].neg)
                and (experience is None or experience.agrees(k, sentiment))
            }

        choices = usable(positive)
        if not choices and experience is not None and usable(not positive):
            # Nothing of that sentiment is true for them: say what is.
            positive = not positive
            choices = usable(positive)
        choices = choices or dict(weights)
        for _ in range(6):
            key = _weighted(self.rng, list(choices), list(choices.values()))
            theme = ph.THEMES[key]
            bank = (theme.pos or theme.neg) if positive else (theme.neg or theme.pos)
            template = self.rng.choice(bank)
            if template not in used:
                break
        used.add(template)
        if experience is not None:
            said = positive if (theme.pos if positive else theme.neg) else not positive
            experience.went_well.setdefault(key, said)
            experience.said.append((key, said))
        return template.format_map(slots)

    def _join(self, clauses: Sequence[str], joiners: Sequence[tuple[str, bool]]) -> str:
        text = _cap(clauses[0])
        for clause in clauses[1:]:
            joiner, capitalise = self.rng.choice(joiners)
            text += joiner + (_cap(clause) if capitalise else clause)
        return text

    def _end(self, text: str, positive: bool) -> str:
        stop = self.rng.choice([".", ".", ".", "!", "", "!!"] if not positive else [".", "!", ""])
        return text + stop

    def _closer(self, text: str, p_pos: float) -> str:
        bank = ph.CLOSERS_POS if self.rng.random() < p_pos else ph.CLOSERS_NEG
        if self.rng.random() < 0.25:
            bank = ph.CLOSERS_NEUTRAL
        return f"{text} {self.rng.choice(bank)}"

    def _word(self, weights: Mapping[str, float]) -> str:
        word = self.rng.choice(self._theme(weights).short)
        return self.rng.choice([word, word.lower(), word + "!", word + "."])

    def _ask_sentence(self, weights: Mapping[str, float], slots: SlotFiller) -> str:
        theme = self._theme(weights)
        ask = self.rng.choice(theme.ask or ph.THEMES["praise"].ask).format_map(slots)
        prefix, suffix = self.rng.choice(ph.ASK_PREFIXES), self.rng.choice(ph.ASK_SUFFIXES)
        stop = "?" if prefix == "Why not " else self.rng.choice([".", "", "!"])
        return _cap(f"{prefix}{ask}{suffix}") + stop

    def _ask(self, weights: Mapping[str, float], p_pos: float, slots: SlotFiller) -> str:
        first = self._ask_sentence(weights, slots)
        if self.rng.random() < 0.25:
            second = self._ask_sentence(weights, slots)
            return first if second[:12] == first[:12] else f"{first} {second}"
        return first

    def _plain(self, weights: Mapping[str, float], p_pos: float, slots: SlotFiller) -> str:
        used: set[str] = set()
        positive = self.rng.random() < p_pos
        count = self.rng.choices([1, 2, 3], [3, 5, 2], k=1)[0]
        clauses = [self._clause(weights, positive, slots, used) for _ in range(count)]
        text = self._join(clauses, ph.JOINERS)
        if self.rng.random() < 0.35:
            text = self.rng.choice(ph.LEAD_INS) + text[0].lower() + text[1:]
            text = _cap(text)
        text = self._end(text, positive)
        if self.rng.random() < 0.3:
            text = self._closer(text, 0.9 if positive else 0.1)
        return text

    def _mixed(self, weights: Mapping[str, float], p_pos: float, slots: SlotFiller) -> str:
        used: set[str] = set()
        good = self._clause(weights, True, slots, used)
        bad = self._clause(weights, False, slots, used)
        if self.rng.random() < 0.7:
            text = self._join([good, bad], ph.CONTRASTS_TO_BAD)
        else:
            text = self._join([bad, good], ph.CONTRASTS)
        if self.rng.random() < 0.3:
            text = self._join([text, self._clause(weights, False, slots, used)], ph.JOINERS)
        text = self._end(text, False)
        return self._closer(text, p_pos) if self.rng.random() < 0.3 else text

    def _story(self, weights: Mapping[str, float], p_pos: float, slots: SlotFiller) -> str:
        used: set[str] = set()
        context = self.rng.choice(ph.CONTEXTS).format_map(slots)
        count = self.rng.choices([2, 3, 4], [4, 4, 2], k=1)[0]
        clauses = [
            self._clause(weights, self.rng.random() < p_pos, slots, used) for _ in range(count)
        ]
        parts = [context, self._end(self._join(clauses, ph.JOINERS), p_pos > 0.5)]
        if self.rng.random() < 0.5:
            parts.append(self._ask_sentence(weights, slots))
        text = " ".join(parts)
        return self._closer(text, p_pos) if self.rng.random() < 0.5 else text

    def _rant(self, weights: Mapping[str, float], p_pos: float, slots: SlotFiller) -> str:
        used: set[str] = set()
        count = self.rng.choice([2, 2, 3])
        clauses = [self._clause(weights, False, slots, used) for _ in range(count)]
        text = self._join(clauses, [("!! ", True), ("!!! ", True), (". ", True), (" AND ", False)])
        return f"{text}!!! {self.rng.choice(ph.RANT_CLOSERS)}{'!' * self.rng.randint(1, 4)}".upper()

    def _praise(self, weights: Mapping[str, float], p_pos: float, slots: SlotFiller) -> str:
        used: set[str] = set()
        count = self.rng.choice([1, 1, 2])
        praise = {**weights, "praise": weights.get("praise", 0) + 3}
        clauses = [self._clause(praise, True, slots, used) for _ in range(count)]
        text = self._end(self._join(clauses, ph.JOINERS), True)
        return self._closer(text, 1.0) if self.rng.random() < 0.6 else text

    def _style(self, text: str, long: bool) -> str:
        """Typos, text-speak, lower case, missing full stops and cut-offs, as real comments have."""
        rng = self.rng
        if rng.random() < 0.35:
            text = _typos(rng, text, rate=rng.choice([0.015, 0.03, 0.05]))
        roll = rng.random()
        if roll < 0.1:
            text = _txt_speak(rng, text)
        elif roll < 0.22:
            text = text.lower()
        if rng.random() < 0.12:
            text = text.rstrip(".!")
        words = text.split()
        if long and len(words) > 12 and rng.random() < 0.04:
            cut = rng.randint(len(words) // 2, len(words) - 2)
            text = " ".join(words[:cut]) + rng.choice(["...", "", " -"])
        return text


def _cap(text: str) -> str:
    """Upper-case the first character only, leaving names like eConsult alone."""
    return text if text[1:2].isupper() else text[:1].upper() + text[1:]


def _typos(rng: random.Random, text: str, rate: float) -> str:
    """Misspell, swap, drop or double letters in a few longer words."""
    words = text.split(" ")
    for index, word in enumerate(words):
        core = word.strip(".,!?'\"")
        if len(core) < 4 or not core.isalpha() or rng.random() >= rate * 3:
            continue
        known = ph.MISSPELLINGS.get(core)
        if known and rng.random() < 0.7:
            words[index] = word.replace(core, rng.choice(known))
            continue
        if rng.random() >= 1 / 3:
            continue
        i = rng.randrange(1, len(core) - 1)
        edits = [
            core[:i] + core[i + 1] + core[i] + core[i + 2 :],  # swap
            core[:i] + core[i + 1 :],  # drop
            core[:i] + core[i] + core[i:],
        ]  # double
        words[index] = word.replace(core, rng.choice(edits))
    return " ".join(words)


def _txt_speak(rng: random.Random, text: str) -> str:
    """Lower-case text-message shorthand with the odd tag on the end."""
    words = text.lower().split(" ")
    for index, word in enumerate(words):
        core = word.strip(".,!?")
        if core in ph.TXT_SPEAK and rng.random() < 0.6:
            words[index] = word.replace(core, ph.TXT_SPEAK[core])
    text = " ".join(words).replace("i'm", "im").replace("don't", "dont").replace("'", "")
    return text.rstrip(".") + (rng.choice(ph.TXT_TAGS) if rng.random() < 0.4 else "")


# --- Responses ---------------------------------------------------------------------------------

FFT_WEIGHTS: dict[str, list[float]] = {
    "gp-access-2025": [26, 24, 12, 15, 19, 4],
    "hospital-travel-parking": [12, 20, 18, 24, 23, 3],
    "digital-services-nhs-app": [24, 30, 18, 13, 10, 5],
}
# The themes each survey asks about in closed questions: decided for each respondent from their
# overall (FFT) mood before any closed answer, so answers and comments tell one story.
SURVEY_KEY_THEMES: dict[str, tuple[str, ...]] = {
    "gp-access-2025": ("telephone", "appointments"),
    "hospital-travel-parking": ("parking", "transport"),
    "digital-services-nhs-app": ("online", "digital_barriers"),
}
# Which themes each rating question measures: it reads how they went for the respondent.
RATING_THEMES: dict[str, tuple[str, ...]] = {
    "ease_of_contact": ("telephone", "appointments"),
    "parking_ease": ("parking",),
    "confidence": ("online", "digital_barriers"),
}
SKIP_RATE: dict[str, float] = {"anything_else": 0.45, "one_change": 0.12, "ppg_role": 0.25}
EXCLUSIVE_OPTIONS = {"I don't use the internet", "I don't use the NHS App", "I did not park"}


@dataclass
class Respondent:
    """Everything needed to fill in one response."""

    rng: random.Random
    survey: DemoSurvey
    voice: Voice
    when: datetime
    writer: CommentWriter
    mood: float = 0.0
    experience: Experience = field(default_factory=lambda: Experience(0.0))
    answers: dict[str, str | list[str] | int] = field(default_factory=dict)


def _answer(r: Respondent, q: DemoQuestion) -> str | list[str] | int | None:
    """An answer that fits the question's kind and options, or None when skipped."""
    rng = r.rng
    if q.kind == "consent":
        return "Yes" if q.required or rng.random() < 0.62 else "No"
    if q.kind == "fft":
        choice = _weighted(rng, q.options, FFT_WEIGHTS[r.survey.slug])
        r.mood = _clamp(FFT_MOOD[choice] + rng.gauss(0, 0.15), -1, 1)
        r.experience = Experience.for_mood(r.mood)
        for theme in SURVEY_KEY_THEMES.get(r.survey.slug, ()):
            r.experience.decide(rng, theme)
        return choice
    if not q.required and q.kind not in FREE_TEXT_KINDS and rng.random() < 0.06:
        return None
    if q.kind == "rating" and _offline(r):
        return 1
    if q.kind == "rating":
        return _rating(r, q)
    if q.kind == "single_choice":
        return _single(r, q)
    if q.kind == "multi_choice":
        if q.key == "app_uses" and _offline(r):
            return ["I don't use the NHS App"]
        return _multi(rng, q)
    if q.kind == "number":
        return _number(r, q)
    if q.kind == "date":
        return (r.when.date() - timedelta(days=rng.randint(0, 45))).isoformat()
    if q.kind == "postcode":
        if rng.random() < 0.3:
            return None
        full = _postcode(rng, rng.choice(r.voice.area.districts))
        return full if rng.random() < 0.5 else full.split()[0]
    return _free_text(r, q)


def _rating(r: Respondent, q: DemoQuestion) -> int:
    """A 1-5 rating: from how its themes went for the respondent, or else their mood."""
    themes = RATING_THEMES.get(q.key)
    if not themes:
        return int(_clamp(round(3 + 1.6 * r.mood + r.rng.gauss(0, 0.8)), 1, 5))
    went = [1 if r.experience.decide(r.rng, t) else -1 for t in themes]
    score = 3 + 1.8 * sum(went) / len(went) + 0.4 * r.mood + r.rng.gauss(0, 0.45)
    return int(_clamp(round(score), 1, 5))


def _single(r: Respondent, q: DemoQuestion) -> str:
    """A single choice; the hospital is the respondent's local one, which their comments name."""
    if q.key == "hospital":
        local = [k for k in r.voice.area.hospitals if k in ph.SURVEY_HOSPITALS]
        if r.rng.random() < 0.05:
            return q.options[-1]
        r.voice.hospital_key = r.rng.choices(local, [6, 2, 1][: len(local)], k=1)[0]
        return ph.HOSPITALS[r.voice.hospital_key][0]
    weights = [1.0] * len(q.options)
    weights[0] = 2.5  # the first option is the commonest answer in all these questions
    if q.key == "appointment_type":  # nothing offered is what a bad experience of booking is
        weights[-1] = 0.1 if r.experience.decide(r.rng, "appointments") else 3.0
    return _weighted(r.rng, q.options, weights)


def _multi(rng: random.Random, q: DemoQuestion) -> list[str]:
    """A non-empty selection; 'none of these' options stand alone."""
    exclusive = [o for o in q.options if o in EXCLUSIVE_OPTIONS]
    if exclusive and rng.random() < 0.1:
        return [exclusive[0]]
    ordinary = [o for o in q.options if o not in EXCLUSIVE_OPTIONS]
    chosen = [o for i, o in enumerate(ordinary) if rng.random() < (0.6 if i == 0 else 0.25)]
    return chosen or [ordinary[0]]


def _offline(r: Respondent) -> bool:
    """Whether the respondent said they do not use the internet."""
    return r.answers.get("devices") == ["I don't use the internet"]


def _number(r: Respondent, q: DemoQuestion) -> int | None:
    """Minutes on the phone, or minutes on the road (longer from rural South Cumbria)."""
    if q.key == "phone_wait_minutes":
        methods = r.answers.get("contact_methods", [])
        if not isinstance(methods, list) or "Phoned the practice" not in methods:
            return None
        if r.experience.decide(r.rng, "telephone"):
            return int(_clamp(r.rng.expovariate(1 / 8), 0, 120))
        return int(_clamp(20 + r.rng.expovariate(1 / 25), 0, 120))
    rural = r.voice.area.code in {"FUR", "WES"}
    return int(_clamp(r.rng.gauss(65 if rural else 30, 20), 5, 180))


def _free_text(r: Respondent, q: DemoQuestion) -> str | None:
    """A comment, or None when the respondent left the box empty."""
    if not q.required and r.rng.random() < SKIP_RATE.get(q.key, 0.1):
        return None
    profile, polarity = QUESTION_PROFILES.get((r.survey.slug, q.key), (GENERAL_PROFILE, 0))
    if profile is GENERAL_PROFILE and r.survey.slug == "hospital-travel-parking":
        profile = TRAVEL_GENERAL
    return r.writer.write(
        r.voice,
        profile,
        r.mood,
        r.when.date(),
        long=q.kind == "free_text_long",
        polarity=polarity,
        experience=r.experience,
    )


def _fill(r: Respondent) -> dict[str, str | list[str] | int]:
    """All answers for one response; FFT is answered first so comments can follow its mood."""
    questions = r.survey.questions()
    for q in sorted(questions, key=lambda q: q.kind != "fft"):
        value = _answer(r, q)
        if value is not None:
            r.answers[q.key] = value
    return {q.key: r.answers[q.key] for q in questions if q.key in r.answers}


def _submitted(rng: random.Random, day: date, channel: str) -> datetime:
    """A time of day that suits the channel: evenings online, office hours for paper."""
    hours = {
        "online": ([7, 8, 9, 12, 13, 17, 18, 19, 20, 21, 22], [2, 3, 2, 3, 3, 2, 3, 5, 6, 5, 3]),
        "paper": ([9, 10, 11, 13, 14, 15, 16], [2, 3, 3, 2, 3, 3, 1]),
        "event": ([10, 11, 12, 13, 14, 15], [2, 3, 3, 3, 2, 1]),
    }[channel]
    hour = rng.choices(hours[0], hours[1], k=1)[0]
    return datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59)), tzinfo=UTC)


def _invited_day(rng: random.Random, start: date, end: date) -> date:
    """Invited surveys: a burst after the invitation, a second after the reminder, a tail."""
    span = max(0, (end - start).days)
    roll = rng.random()
    if roll < 0.55:
        offset = int(rng.expovariate(1 / 6))
    elif roll < 0.8:
        offset = 35 + int(rng.expovariate(1 / 5))
    else:
        offset = rng.randint(0, span)
    return start + timedelta(days=min(offset, span))


def _voice_for(
    rng: random.Random, person: DemoPerson | None, practices: Mapping[str, DemoPractice]
) -> Voice:
    """A voice from a member's own area and practice, or a random resident's."""
    area = AREA_BY_CODE[person.place_code] if person else _pick_area(rng)
    local = [p.name for p in practices.values() if p.place_code == area.code]
    own = person.ppg_practice_code if person else None
    return Voice(area, practices[own].name if own else rng.choice(local))


def _invited_responses(
    rng: random.Random,
    survey: DemoSurvey,
    people: list[DemoPerson],
    practices: Mapping[str, DemoPractice],
    writer: CommentWriter,
) -> list[DemoResponse]:
    """Responses from panel or PPG members invited to a survey."""
    last_day = min(survey.closes_on, ANCHOR - timedelta(days=1))
    responses = []
    for person in people:
        member = (
            person.panel_joined_on
            if survey.audience == "panel"
            else (survey.opens_on if person.ppg_practice_code else None)
        )
        if member is None or member > last_day - timedelta(days=7) or rng.random() > 0.8:
            continue
        start = max(survey.opens_on, member)
        paper = person.contact_preference == "post" and rng.random() < 0.85
        channel = "paper" if paper else "event" if rng.random() < 0.06 else "online"
        day = _invited_day(rng, start, last_day)
        when = _submitted(rng, day, channel)
        r = Respondent(rng, survey, _voice_for(rng, person, practices), when, writer)
        responses.append(
            DemoResponse(survey.slug, person.ref, when, channel, person.place_code, _fill(r))
        )
    return responses


def _public_day(rng: random.Random, start: date, end: date) -> date:
    """Public surveys: steady, slowly growing as the survey gets promoted."""
    span = (end - start).days
    return start + timedelta(days=int(span * rng.random() ** 0.8))


def _public_responses(
    rng: random.Random,
    survey: DemoSurvey,
    people: list[DemoPerson],
    practices: Mapping[str, DemoPractice],
    writer: CommentWriter,
) -> list[DemoResponse]:
    """Anonymous and named responses to the public survey, plus pop-up events at hospitals."""
    last_day = min(survey.closes_on, ANCHOR - timedelta(days=1))
    events = [(_day_between(rng, survey.opens_on, last_day), _pick_area(rng)) for _ in range(12)]
    named = [p for p in people if rng.random() < 0.18]
    responses = []
    for index in range(PUBLIC_ANONYMOUS_RESPONSES + len(named)):
        person = named[index] if index < len(named) else None
        voice = _voice_for(rng, person, practices)
        roll = rng.random()
        if roll < 0.2:
            day, area = rng.choice(events)
            voice, channel = (
                Voice(
                    area,
                    rng.choice([p.name for p in practices.values() if p.place_code == area.code]),
                ),
                "event",
            )
        else:
            day, channel = (
                _public_day(rng, survey.opens_on, last_day),
                ("paper" if roll < 0.33 else "online"),
            )
        when = _submitted(rng, day, channel)
        place = person.place_code if person else (voice.area.code if rng.random() < 0.92 else None)
        r = Respondent(rng, survey, voice, when, writer)
        responses.append(
            DemoResponse(
                survey.slug, person.ref if person else None, when, channel, place, _fill(r)
            )
        )
    return responses


def _responses(
    rng: random.Random,
    surveys: list[DemoSurvey],
    people: list[DemoPerson],
    practices: list[DemoPractice],
    writer: CommentWriter,
) -> list[DemoResponse]:
    """Responses to all three surveys, oldest first."""
    by_code = {p.code: p for p in practices}
    responses: list[DemoResponse] = []
    for survey in surveys:
        build = _public_responses if survey.audience == "public" else _invited_responses
        responses.extend(build(rng, survey, people, by_code, writer))
    return sorted(responses, key=lambda r: (r.submitted_at, r.survey_slug))


# --- Feedback gathered elsewhere ---------------------------------------------------------------


def _feedback_item(
    rng: random.Random,
    writer: CommentWriter,
    practices: list[DemoPractice],
    events: list[tuple[date, Area, str]],
) -> DemoFeedback:
    """One Healthwatch, Friends and Family Test or event comment."""
    source = _weighted(rng, ["healthwatch", "fft", "event"], [0.4, 0.42, 0.18])
    if source == "event":
        day, area, venue = rng.choice(events)
    else:
        day = _public_day(rng, WINDOW_START, ANCHOR - timedelta(days=1))
        area, venue = _pick_area(rng), ""
    voice = Voice(area, rng.choice([p.name for p in practices if p.place_code == area.code]))
    rating = service = None
    if source == "fft":
        mood = rng.choice([1.0, 1.0, 0.5, 0.5, 0.5, 0.0, -0.5, -1.0])
        long = rng.random() < 0.5
        experience = Experience.for_mood(mood)
        text = writer.write(
            voice, FFT_FEEDBACK_PROFILE, mood, day, long, allow_nothing=False, experience=experience
        )
        rating = _fft_rating(rng, experience)
        service = _service(voice, experience)
    else:
        mood = rng.uniform(-1, 0.6)
        long = rng.random() < 0.85
        text = writer.write(voice, GENERAL_PROFILE, mood, day, long, allow_nothing=False)
    if source == "healthwatch":
        text = rng.choice(ph.HEALTHWATCH_PREFIXES) + text
    elif source == "event":
        text = f'{rng.choice(ph.EVENT_SPEAKERS)} at {venue}: "{text}"'
    place = None if rng.random() < 0.1 else area.code
    return DemoFeedback(source, day, place, text, rating, service)


def _fft_rating(rng: random.Random, experience: Experience) -> str:
    """The rating given with an FFT comment: what the comment says, leaning on the mood."""
    good = sum(1 for _theme, positive in experience.said if positive)
    bad = len(experience.said) - good
    mood = experience.mood
    if good and not bad:
        return "Very good" if mood > 0.5 else "Good"
    if bad and not good:
        return "Very poor" if mood < -0.5 else "Poor"
    if good and bad:
        return "Good" if mood > 0.25 else "Poor" if mood < -0.25 else "Neither good nor poor"
    # A word or a suggestion says little either way: the mood decides.
    if -0.25 < mood < 0.25:
        return "Don't know" if rng.random() < 0.25 else "Neither good nor poor"
    return FFT_OPTIONS[min(4, max(0, round(2 - 2 * mood)))]


def _service(voice: Voice, experience: Experience) -> str | None:
    """The practice or hospital an FFT comment is about, where it is about one."""
    if "practice" in experience.named or any(
        theme in GP_THEMES for theme, _positive in experience.said
    ):
        return voice.practice
    if voice.hospital_key and {"hospital", "hosp", "far_hospital"} & experience.named:
        return ph.HOSPITALS[voice.hospital_key][0]
    return None


def _feedback(
    rng: random.Random, writer: CommentWriter, practices: list[DemoPractice]
) -> list[DemoFeedback]:
    """Feedback from Healthwatch, FFT returns and engagement events, oldest first."""
    events = []
    for _ in range(18):
        area = _pick_area(rng)
        slots = SlotFiller(rng, Voice(area, ""))
        venue = rng.choice(ph.EVENT_VENUES).format_map(slots)
        events.append((_day_between(rng, WINDOW_START, ANCHOR - timedelta(days=1)), area, venue))
    items = [_feedback_item(rng, writer, practices, events) for _ in range(FEEDBACK_COUNT)]
    return sorted(items, key=lambda f: (f.received_on, f.source))


# --- Entry point -------------------------------------------------------------------------------


def generate(seed: int = 2026) -> DemoData:
    """All demo data for a seed; the same seed always gives the same data."""
    # Separate streams per part, so changing one part's logic leaves the others' output alone.
    # Not for security: a seeded, reproducible generator is exactly what demo data needs.
    streams = {
        part: random.Random(f"{seed}:{part}")  # noqa: S311
        for part in ("practices", "people", "responses", "feedback")
    }
    practices = _practices(streams["practices"])
    people = _people(streams["people"], practices)
    surveys = _surveys()
    responses = _responses(
        streams["responses"], surveys, people, practices, CommentWriter(streams["responses"])
    )
    feedback = _feedback(streams["feedback"], CommentWriter(streams["feedback"]), practices)
    return DemoData(_places(), practices, people, surveys, responses, feedback)
