"""Find personal data in residents' free text and propose a redacted version, offline.

Pure pattern matching: no model, no download, no Flask and no database, so it runs anywhere
(in a job, a CLI or a test) and gives the same answer every time. Structured identifiers
(phone, email, NHS number, postcode) are matched precisely; dates of birth and addresses need a
cue; names come from titles, cue phrases, the words around a person ("X on reception", "X from
the practice"), a shipped first-name list, common surnames and the respondent's own known
details. Name detection without a model is weak: a person still reviews every proposal.

    >>> propose("Ring me on 07700 900123, Dr Patel knows.").redacted_text
    'Ring me on [phone number], Dr [name] knows.'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PHONE = "phone"
EMAIL = "email"
NHS_NUMBER = "nhs_number"
POSTCODE = "postcode"
DATE_OF_BIRTH = "date_of_birth"
ADDRESS = "address"
NAME = "name"

KINDS = (PHONE, EMAIL, NHS_NUMBER, POSTCODE, DATE_OF_BIRTH, ADDRESS, NAME)

TOKENS = {
    PHONE: "[phone number]",
    EMAIL: "[email]",
    NHS_NUMBER: "[NHS number]",
    POSTCODE: "[postcode]",
    DATE_OF_BIRTH: "[date of birth]",
    ADDRESS: "[address]",
    NAME: "[name]",
}

# When findings overlap, the merged span takes the most specific kind (an email that contains a
# known name is still an email).
_PRIORITY = {kind: rank for rank, kind in enumerate(KINDS)}

FIRST_NAMES_FILE = Path(__file__).resolve().parents[1] / "data" / "first_names.txt"


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: its kind and where it sits in the text."""

    kind: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Proposal:
    """A redacted text proposed for a person to accept, with what was found."""

    redacted_text: str
    findings: tuple[Finding, ...]


# --- Letters -------------------------------------------------------------------------------
# ASCII plus the accented letters of Polish, Irish and other names residents write.
_UP = "A-ZÀ-ÖØ-ÞĀĂĄĆČĎĐĒĘĚĞĪŁŃŇŌŐŒŘŚŞŠŢŤŪŮŰŹŻŽ"
_LO = "a-zß-öø-ÿāăąćčďđēęěğīłńňōőœřśşšţťūůűźżž"
_CAP_WORD = rf"(?:O['’]|Mc|Mac|D['’])?[{_UP}][{_LO}]+(?:[-'’][{_UP}][{_LO}]+)?(?:['’]s\b)?"

# --- Email ---------------------------------------------------------------------------------
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")

# --- Phone ---------------------------------------------------------------------------------
# 0 (or +44 / 0044, optionally "(0)") then 10 digits for geographic (01, 02) and mobile (07)
# numbers, with single spaces, hyphens or a closing bracket between digits. 03/08 numbers are
# organisations' (NHS 111, practices), not residents', so they are left alone.
_PHONE = re.compile(
    r"(?<![\w+])"
    r"(?:(?:\+44|0044)\s?(?:\(0\)\s?)?|\(0|0)"
    r"[127](?:[\s)\-]{0,2}\d){9}"
    r"(?!\d)"
)

# --- NHS number ----------------------------------------------------------------------------
_NHS_CUE = re.compile(r"\bnhs\s*(?:number|no\b\.?)", re.IGNORECASE)
_NHS = re.compile(r"(?<![\d\w])\d{3}([\s-]?)\d{3}\1\d{4}(?![\d\w])")


def nhs_number_is_valid(digits: str) -> bool:
    """Check a 10-digit NHS number's modulus-11 check digit."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    # 10 is never issued: such a number cannot be an NHS number.
    return check != 10 and check == int(digits[9])


# --- Postcode ------------------------------------------------------------------------------
# Outward code: area letters + district; inward: digit + two letters that never include
# C, I, K, M, O, V. "B2 3rd floor" shaped ordinals are not postcodes.
_POSTCODE = re.compile(
    r"\b(?:[A-PR-UWYZ][A-HK-Y]?\d[A-HJKPSTUW\d]?|[A-PR-UWYZ]\d[A-HJKPSTUW])"
    r"\s?(?!(?-i:1st|2nd|3rd|\dth)\b)\d[ABD-HJLNP-UW-Z]{2}\b",
    re.IGNORECASE,
)

# --- Date of birth -------------------------------------------------------------------------
_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DATE = re.compile(
    r"(?<![\d/])(?:"
    r"\d{1,2}[/.\-]\d{1,2}[/.\-](?:19|20)?\d{2}"
    r"|(?:19|20)\d{2}-\d{2}-\d{2}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\.?,?\s+(?:19|20)\d{{2}}"
    rf"|{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}"
    r")(?![\d/])",
    re.IGNORECASE,
)
_DOB_CUE = re.compile(
    r"\b(?:born|d\.?o\.?b\b\.?|date\s+of\s+birth|birth\s*date|birthday)", re.IGNORECASE
)
# A cue counts within this many characters before the date ("DOB: ...", "born on the ...")
# or just after it ("12/03/1956 (my date of birth)").
_CUE_BEFORE = 40
_CUE_AFTER = 25

# --- Address -------------------------------------------------------------------------------
_STREET_TYPES = (
    r"(?:Road|Rd|Street|Lane|Ln|Avenue|Ave|Close|Drive|Way|Crescent|Terrace|Grove|Place"
    r"|Gardens|Court|Row|Walk|Mews|Square|Hill|Rise|Brow|Fold|Green|Parade|Meadows?|View"
    r"|Park|Bank|Croft|Gate|Mount|Vale|St(?!\.?\s+[A-Z]))"
)
_ADDRESS = re.compile(
    r"\b(?:(?:Flat|Apartment|Apt)\s+\d{1,4}[A-Za-z]?,?\s+)?"
    rf"\d{{1,4}}[A-Za-z]?,?\s+(?:{_CAP_WORD}\s+){{1,3}}{_STREET_TYPES}\b\.?"
)

# --- Names ---------------------------------------------------------------------------------
# Titles are matched case-sensitively: "my sister" is not a title, "Sister Byrne" is.
_TITLES = r"(?:Dr|Doctor|Mr|Mrs|Ms|Miss|Mx|Prof|Professor|Nurse|Sister|Matron|Dr\.|Mr\.|Mrs\.|Ms\.)"
_TITLE_NAME = re.compile(rf"\b{_TITLES}\s+((?:{_CAP_WORD}\s+)?{_CAP_WORD})")

# After these a capitalised word is taken as a name, unless it is a known non-name word.
_STRONG_CUE = re.compile(
    r"\b(?i:my\s+name\s+is|my\s+name's|name\s+is|named|i\s+am\s+called"
    r"|my\s+(?:son|daughter|husband|wife|partner|mum|mother|dad|father|brother|sister"
    r"|grandson|granddaughter|grandma|grandad|granddad|nan|nana|grandmother|grandfather"
    r"|uncle|aunt|auntie|nephew|niece|cousin|friend|neighbour|carer|baby|boy|girl|child"
    r"|little\s+boy|little\s+girl|fiancée?|stepson|stepdaughter),?)"
    rf"\s+((?:{_CAP_WORD})(?:\s+{_CAP_WORD})?)",
)
# After these a capitalised word counts only if it is in the first-name list.
_WEAK_CUE = re.compile(
    r"\b(?i:called|saw|seen\s+by|thank\s+you|thanks)"
    rf"\s+((?:{_CAP_WORD})(?:\s+{_CAP_WORD})?)",
)
# After these, mid-sentence, a capitalised word is a person far more often than not ("I spoke
# to Kofi", "thanks to Ffion"): any name-like word counts, unless a place word follows it.
_PERSON_CUE = re.compile(
    r"\b(?i:ask(?:ed)?\s+for|spoke\s+(?:to|with)|speak\s+(?:to|with)|talked\s+to"
    r"|thanks\s+to|thank\s+you\s+to|grateful\s+to|shout\s*out\s+to)"
    rf"\s+((?:{_CAP_WORD})(?:\s+{_CAP_WORD})?)",
)
_ROLES_WORDS = (
    r"receptionist|nurse|doctor|GP|pharmacist|physio|physiotherapist|midwife|porter"
    r"|consultant|paramedic|health\s+visitor|surgeon|dentist|manager|practice\s+manager"
    r"|care\s+coordinator|social\s+worker|HCA|healthcare\s+assistant|cleaner|volunteer"
)
_ROLES = rf"(?:{_ROLES_WORDS})"
_NAME_THEN_ROLE = re.compile(rf"\b({_CAP_WORD})(?:,)?\s+(?:the|our|my|a)\s+{_ROLES}\b")
_NAME_ON_DUTY = re.compile(
    rf"\b({_CAP_WORD})\s+(?:on|at|from|in)\s+(?:the\s+)?(?:reception|front\s+desk)\b"
)
# "X from the practice rang me back": a person acting for a service.
_NAME_FROM_SERVICE = re.compile(
    rf"\b({_CAP_WORD})\s+from\s+(?:the\s+|my\s+|our\s+)?(?i:practice|surgery|pharmacy|ward"
    r"|hospital|clinic|team|GP|health\s+centre|council|district\s+nurses?|mental\s+health"
    r"|social\s+services|hospice|physio)\b"
)
# "the nurse, Tadeusz, was great": a name set off by commas after a role.
_ROLE_THEN_NAME = re.compile(
    rf"\b(?i:the|our|my|a|lovely|kind)\s+(?i:{_ROLES_WORDS}),\s+({_CAP_WORD}(?:\s+{_CAP_WORD})?)"
    r"(?=\s*[,.;!]|\s+(?:was|is|were|who|has|had)\b)"
)
_FIRST_LAST = re.compile(rf"\b({_CAP_WORD})\s+({_CAP_WORD})\b")
_CAPITALISED = re.compile(rf"\b{_CAP_WORD}\b")

# Words that look like first names but are everyday words, months or wards; they count only
# before a surname or after a cue.
AMBIGUOUS_FIRST_NAMES = frozenset(
    "April Amber Bill Dawn Faith Grace Hope Joy June May Penny Rose Summer Will Victoria Frank"
    " Mark Jack Daisy Lily Ruby Holly".split()
)

# Capitalised words that are never a person's name in NHS comments: places, services,
# facilities, days and months, and sentence openers.
NON_NAME_WORDS = frozenset(
    """
    A An The This That These Those It Its I I'm I've I'd My Me We Our Us You Your He She They
    Their His Her Him Them And But Or So If When Then Also Just Very Really Not No Yes Please
    Thanks Thank Hello Hi Dear Today Yesterday Tomorrow Tonight Morning Afternoon Evening
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May
    June July August September October November December Christmas Easter Bank Holiday
    NHS GP GPs A&E ICB ICS Trust Hospital Hospitals Royal Infirmary Victoria General Community
    Ward Wards Unit Centre Center Clinic Surgery Practice Pharmacy Health Medical Care Urgent
    Emergency Department Service Services Team House Lodge Hospice Road Street Lane Avenue
    Station Bus App Online Reception Receptionist Nurse Doctor Dr Consultant Physio Dentist
    Mental Maternity Children Childrens Outpatients Outpatient Minor Injuries Walk In Out
    Preston Blackburn Blackpool Burnley Lancaster Morecambe Chorley Kendal Barrow Accrington
    Ormskirk Fleetwood Lytham Skelmersdale Darwen Nelson Colne Clitheroe Leyland Garstang
    Carnforth Ulverston Windermere Grange Lancashire Cumbria Fylde Wyre Pendle Rossendale
    Hyndburn Ribble Valley Furness Westmorland Bay Manchester Liverpool Bolton Wigan England
    UK Britain British English Polish Urdu Punjabi Gujarati Bengali Arabic Chinese Romanian
    Covid COVID Coronavirus Flu Pfizer Moderna AstraZeneca Boots Lloyds Tesco Asda Morrisons
    Sainsbury's Aldi Lidl Google Facebook Uber Ambulance Paramedics Police Council Mr Mrs Ms
    Miss Sister Matron Prof Professor Team Staff Everyone Nobody Somebody Someone Sir Madam
    Street Close Drive Way Crescent Terrace Grove Place Gardens Court Park Practitioner
    Practitioners Specialist Associate Associates Manager Lead Led Advanced Prescriber Who
    Did Was Is Had Has Told Said Gave Called Rang Saw Explained Helped Asked Came Went
    People Person Someone Anyone Anybody Everybody Whoever Doctors Nurses Receptionists Lady
    Ladies Man Men Woman Women Gentleman Girls Guys Chap Lads Most All Both Some Many Few
    Another Other Others Each Every Now Even Only Still Again Once Since After Before While
    Because Although Though Unfortunately Fortunately Sadly Luckily Eventually Finally Later
    Sometimes Always Never Usually Often Overall Generally Apparently Obviously Actually
    Definitely Especially Everything Nothing Something Anything Where Why How What Which
    Healthwatch Macmillan Samaritans Mind Carers Age Citizens Advice Barnardo's Curie
    Alzheimer's Parkinson's Diabetes Cancer Stroke Heart Kidney Dementia Physiotherapy
    Radiology Pathology Oncology Cardiology Orthopaedics Paediatrics Haematology X-ray St Saint
    Stop Employ Hire Get Give Tell Ask Let Make Keep Train Pay Listen Treat Help See Seeing
    Call Phone Ring Book Send Check Bring Put Take Provide Improve Offer Allow Reduce Increase
    Have Be Do Don't Try Contact Speak Talk Explain Inform Update Being Having Getting Waiting
    """.split()
)


# Common surnames in England and Wales (the national top list, with the South Asian and Polish
# surnames common in Lancashire), less those that are everyday words or places (Wood, Green,
# Hill, Ward, King, Nelson, Preston...). After any name-like word they make a full name, so
# first names missing from the shipped list are still found in "Fionnuala Brown".
COMMON_SURNAMES = frozenset(
    """
    Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson
    Thompson Wright Walker Edwards Hughes Lewis Harris Clarke Patel Jackson Turner Martin
    Cooper Morris Moore Clark Lee Baker Harrison Morgan Allen James Scott Phillips Watson
    Davis Parker Price Bennett Griffiths Mitchell Kelly Carter Richardson Bailey Collins
    Shaw Murphy Miller Cox Richards Khan Marshall Anderson Simpson Ellis Adams Singh Begum
    Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Ali Hussain Campbell Matthews Owen
    Palmer Holmes Barnes Lloyd Butler Russell Barker Fisher Stevens Jenkins Murray Dixon
    Harvey Graham Pearson Ahmed Fletcher Walsh Kaur Gibson Howard Andrews Stewart Elliott
    Reynolds Saunders Payne Ford Pearce Brooks Lawrence Cole Atkinson Bradley Spencer Gill
    Dawson Burton O'Brien Watts Booth Perry Ryan Wells Armstrong Francis Rees Hayes Hart
    Hudson Newman Barrett Webster Hunter Gregory Carr Lowe Marsh Riley Dunn Woods Parsons
    Berry Reid Holland Hawkins Harding Robertson Newton Reed Kennedy Williamson Gardner Shah
    Dean Cooke Bates Henderson Parry Burgess Walton Burns Nicholson Shepherd Ross Freeman
    Warren Nicholls Hamilton Byrne Sutton McDonald Yates Hodgson Robson Curtis Hopkins
    O'Connor Harper Coleman Watkins Moss McCarthy Chambers O'Neill Griffin Hardy Wheeler
    Potter Osborne Johnston Gordon Doyle Wallace Jordan Hutchinson Rowe Burke Pritchard
    Gilbert Willis Higgins Stevenson Stephenson Hammond Arnold Buckley Walters Hewitt Barber
    Slater Austin Sullivan Whitehead Mann Lambert Stephens Blake Akhtar Lynch Goodwin Barton
    Woodward Thomson Cunningham Quinn Barnett Baxter Bibi Clayton Nash Jennings Holt Kemp
    Poole Gallagher Stokes Tucker Davidson Fowler Norman Middleton Lawson Stanley Jarvis
    Gibbs Ferguson Hayward Carroll Douglas Dickinson Todd Barlow Peters Lucas Knowles Hartley
    Miah Simmons Morton Morrison Norris Townsend Hancock Thornton Baldwin Burrows Briggs
    Iqbal Mahmood Rahman Uddin Islam Chowdhury Hussein Akram Aslam Bashir Rashid Malik Sharma
    Kumar Mistry Parmar Chauhan Nowak Kowalski Kowalska Wiśniewski Wiśniewska Wójcik
    Kowalczyk Kamiński Kamińska Lewandowski Lewandowska Zieliński Zielińska Szymański
    Woźniak Dąbrowski Kozłowski Mazur Krawczyk
    """.split()
)

# A first name followed by one of these names a place, not a person ("Alexandra Road").
_PLACE_WORDS = frozenset(
    """
    Hospital Hospice Infirmary Ward Unit Centre Center Clinic Surgery Practice Pharmacy House
    Lodge Court Road Street Lane Avenue Close Drive Way Crescent Terrace Grove Place Gardens
    Park Medical Health Building Wing Suite Hall School College Church Curie
    """.split()
)


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Load the shipped first-name list."""
    lines = FIRST_NAMES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def detect(text: str, known: Iterable[str] = ()) -> list[Finding]:
    """Find personal data in ``text``; overlapping findings are merged, sorted by position."""
    raw = [
        *_emails(text),
        *_phones(text),
        *_nhs_numbers(text),
        *_postcodes(text),
        *_dates_of_birth(text),
        *_addresses(text),
        *_names(text),
        *_known(text, known),
    ]
    return _merge(text, raw)


def redact(text: str, findings: Iterable[Finding]) -> str:
    """Replace each finding with its token, leaving every other character as it was."""
    parts: list[str] = []
    cursor = 0
    for finding in sorted(findings, key=lambda f: f.start):
        if finding.start < cursor:  # already covered by an earlier finding
            continue
        parts.append(text[cursor : finding.start])
        parts.append(TOKENS[finding.kind])
        cursor = finding.end
    parts.append(text[cursor:])
    return "".join(parts)


def propose(text: str, known: Iterable[str] = ()) -> Proposal:
    """Detect personal data and propose the redacted text."""
    findings = detect(text, known)
    return Proposal(redact(text, findings), tuple(findings))


# --- Detectors -----------------------------------------------------------------------------


def _finding(kind: str, text: str, start: int, end: int) -> Finding:
    return Finding(kind, start, end, text[start:end])


def _emails(text: str) -> Iterator[Finding]:
    for m in _EMAIL.finditer(text):
        yield _finding(EMAIL, text, m.start(), m.end())


def _phones(text: str) -> Iterator[Finding]:
    for m in _PHONE.finditer(text):
        start = m.start()
        # "(0" opens a bracket the number must close, or it is some other bracketed figure.
        if text[start] == "(" and ")" not in m.group():
            continue
        yield _finding(PHONE, text, start, m.end())


def _nhs_numbers(text: str) -> Iterator[Finding]:
    for m in _NHS.finditer(text):
        # Written 3-3-4 with separators, it is an NHS number even with a mistyped check digit
        # (still someone's identifier); run together, only a valid check digit says so.
        cued = _NHS_CUE.search(text[max(0, m.start() - 30) : m.start()])
        if m.group(1) or cued or nhs_number_is_valid(re.sub(r"\D", "", m.group())):
            yield _finding(NHS_NUMBER, text, m.start(), m.end())


def _postcodes(text: str) -> Iterator[Finding]:
    for m in _POSTCODE.finditer(text):
        yield _finding(POSTCODE, text, m.start(), m.end())


def _dates_of_birth(text: str) -> Iterator[Finding]:
    for m in _DATE.finditer(text):
        before = text[max(0, m.start() - _CUE_BEFORE) : m.start()]
        after = text[m.end() : m.end() + _CUE_AFTER]
        if _DOB_CUE.search(before) or _DOB_CUE.search(after):
            yield _finding(DATE_OF_BIRTH, text, m.start(), m.end())


def _addresses(text: str) -> Iterator[Finding]:
    for m in _ADDRESS.finditer(text):
        end = m.end()
        if text[end - 1] == ".":  # a full stop ends the sentence, not the street name
            end -= 1
        yield _finding(ADDRESS, text, m.start(), end)


def _is_name_word(word: str) -> bool:
    return word not in NON_NAME_WORDS and not word.isupper()


def _names(text: str) -> Iterator[Finding]:
    names = first_names()

    for m in _TITLE_NAME.finditer(text):
        words = m.group(1).split()
        # "Nurse Practitioner", "Dr Foster Hospital": keep only the leading name-like words.
        kept = []
        for word in words:
            if not _is_name_word(word):
                break
            kept.append(word)
        if kept:
            start = m.start(1)
            yield _finding(NAME, text, start, start + len(" ".join(kept)))

    for m in _STRONG_CUE.finditer(text):
        yield from _cued_name(text, m.start(1), m.group(1), require_listed=False)

    for m in _WEAK_CUE.finditer(text):
        yield from _cued_name(text, m.start(1), m.group(1), require_listed=True)

    for m in _PERSON_CUE.finditer(text):
        if _next_word(text, m.start(1) + len(m.group(1).split()[0])) not in _PLACE_WORDS:
            yield from _cued_name(text, m.start(1), m.group(1), require_listed=False)

    for m in _ROLE_THEN_NAME.finditer(text):
        yield from _cued_name(text, m.start(1), m.group(1), require_listed=False)

    # "Bronwen the receptionist", "Aleksander on reception": the words after say it is a
    # person, so a name-like word counts even at the start of a sentence.
    for pattern in (_NAME_THEN_ROLE, _NAME_ON_DUTY, _NAME_FROM_SERVICE):
        for m in pattern.finditer(text):
            if _person_word(text, m.start(1), m.group(1)):
                yield _finding(NAME, text, m.start(1), m.end(1))

    # A listed first name followed by a capitalised surname: "Sarah Jones", "Priya Patel".
    # Overlapping pairs are fine; the merge joins them.
    for m in _FIRST_LAST.finditer(text):
        first, last = m.group(1), m.group(2)
        if first in names and _is_name_word(last):
            yield _finding(NAME, text, m.start(), m.end())
        elif (
            last in COMMON_SURNAMES
            and _is_name_word(first)
            and _next_word(text, m.end()) not in _PLACE_WORDS
        ):
            yield _finding(NAME, text, m.start(), m.end())

    # A listed first name on its own, unless it is also an everyday word or part of a place
    # ("Blackpool Victoria Hospital").
    for m in _CAPITALISED.finditer(text):
        word = m.group()
        if word in names and word not in AMBIGUOUS_FIRST_NAMES and word not in NON_NAME_WORDS:
            # "St Mary's", "Alexandra Road": a church, hospital or street, not a person.
            if _next_word(text, m.end()) in _PLACE_WORDS or re.search(
                r"\b(?:St\.?|Saint)\s+$", text[: m.start()]
            ):
                continue
            yield _finding(NAME, text, m.start(), m.end())


def _person_word(text: str, start: int, word: str) -> bool:
    """Whether a capitalised word that the words around call a person can be a name.

    At the start of a sentence a plural ("Laughs from the team") is not taken unless it is a
    listed first name ("James").
    """
    if not _is_name_word(word):
        return False
    if word in first_names() or not _sentence_start(text, start):
        return True
    return not (word.endswith("s") and not word.endswith("'s"))


def _cued_name(text: str, start: int, words: str, *, require_listed: bool) -> Iterator[Finding]:
    parts = words.split()
    first = parts[0]
    if not _is_name_word(first):
        return
    if require_listed and first not in first_names():
        return
    end = start + len(first)
    if len(parts) > 1 and _is_name_word(parts[1]):
        end = start + len(words)
    yield _finding(NAME, text, start, end)


def _sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?\n"


def _next_word(text: str, end: int) -> str:
    m = re.match(r"\s+(\S+)", text[end:])
    return m.group(1).strip(".,;:!?") if m else ""


def _known(text: str, known: Iterable[str]) -> Iterator[Finding]:
    """Find the respondent's own details, whatever their case or spacing."""
    for value in known:
        value = value.strip()
        if not value:
            continue
        digits = re.sub(r"\D", "", value)
        if "@" in value:
            kind, patterns = EMAIL, [re.escape(value)]
        elif len(digits) >= 7 and re.fullmatch(r"[\d\s()+\-]+", value):
            # A phone number: match its digits with any spacing; a UK number may also appear
            # in national form (07...) when given as +44 7....
            national = "0" + digits[2:] if digits.startswith("44") else digits
            patterns = [
                r"[\s()\-]{0,2}".join(national),
                r"\+?44\s?(?:\(0\)\s?)?" + r"[\s()\-]{0,2}".join(national.lstrip("0")),
            ]
            kind = PHONE
        else:
            # A name: the whole of it, and each part long enough not to be a common word.
            kind = NAME
            parts = [p for p in re.split(r"\s+", value) if len(p) >= 3]
            patterns = [re.escape(value), *(re.escape(p) for p in parts)]
        for pattern in patterns:
            for m in re.finditer(rf"(?<!\w){pattern}(?!\w)", text, re.IGNORECASE):
                yield _finding(kind, text, m.start(), m.end())


def _merge(text: str, findings: list[Finding]) -> list[Finding]:
    """Join overlapping findings; the merged span keeps the most specific kind."""
    merged: list[Finding] = []
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        if merged and f.start < merged[-1].end:
            last = merged[-1]
            end = max(last.end, f.end)
            kind = min(last.kind, f.kind, key=_PRIORITY.__getitem__)
            merged[-1] = _finding(kind, text, last.start, end)
        else:
            merged.append(f)
    return merged
