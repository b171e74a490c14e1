"""Recall and precision of offline personal-data detection on comments with planted identifiers.

    .venv/bin/python bench/pii.py [--seed 7] [--planted 1200] [--clean 400] [--heldout 400]
                                  [--show-misses 5]

Builds, reproducibly from the seed, patient-style comments that each carry one planted
identifier (phone, email, NHS number, postcode, date of birth, address or name) in one of
several written forms and positions, plus clean comments full of non-personal numbers and
place names (bus routes, times, money, wards, 0300 numbers, wrong-check-digit references).
A planted identifier is recalled when a finding of the same kind overlaps it. Precision counts
every finding of that kind across all comments. The name pools deliberately include names that
are not in engage/data/first_names.txt, so the name figure is what a resident's text would get.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engage.services.redaction import KINDS, detect  # noqa: E402

STRUCTURED = ("phone", "email", "nhs_number", "postcode")

# Carrier sentences: {pii} is replaced by a clause holding the planted identifier.
CARRIERS = [
    "{pii}.",
    "{pii}, the wait at A&E was over four hours and nobody explained why.",
    "I was at Royal Preston Hospital last Tuesday and {pii}. The staff were kind.",
    "Waited 3 weeks for a GP appointment in Chorley; {pii}.",
    "The 113 bus was late again so I missed my slot, {pii}, please sort the buses out.",
    "Really happy with the care my mum got on Ward 23, {pii}.",
    "Couldn't get through on the phone at 8am, {pii}, it's the same every Monday.",
    "Repeat prescription went missing twice. {pii}. Very stressful.",
    "The NHS App said no appointments until June; {pii}; I gave up and went to the pharmacy.",
    "Parking at Blackpool Victoria cost £7.80 and {pii}.",
    "Physio in Kendal was excellent but {pii} and the letter came late.",
    "{pii} - the discharge from Furness General took all day.",
    "My husband has dementia and {pii}. We need more support in Burnley.",
    "Please call back, {pii}. I have been waiting since March.",
    "Mental health team in Lancaster were slow to respond, {pii}.",
    "Maternity care at Royal Lancaster Infirmary was wonderful and {pii}!",
]

PHONE_CLAUSES = [
    "call me on {v}",
    "my number is {v}",
    "ring {v} if you need more",
    "{v} is my mobile",
    "text me on {v} please",
    "my landline is {v}",
    "contact me: {v}",
]
EMAIL_CLAUSES = ["email me at {v}", "my email is {v}", "{v} is best", "reply to {v}"]
NHS_CLAUSES = [
    "my NHS number is {v}",
    "NHS no. {v}",
    "quote {v} when you reply",
    "({v}) is on my letter",
    "nhs number {v}",
]
POSTCODE_CLAUSES = [
    "I live in {v}",
    "my postcode is {v}",
    "we moved to {v} last year",
    "postcode: {v}",
    "nothing near {v} is open late",
]
DOB_CLAUSES = [
    "DOB {v}",
    "I was born on {v}",
    "my date of birth is {v}",
    "d.o.b. {v}",
    "born {v}",
    "{v} is my date of birth",
]
ADDRESS_CLAUSES = [
    "I live at {v}",
    "please write to {v}",
    "{v} is my address",
    "post it to {v}, Preston",
    "the letter went to {v} instead",
]
# Name clauses say which part of a name they take: surname, first, or full.
NAME_CLAUSES = [
    ("Dr {v} was brilliant", "surname"),
    ("Mrs {v} on the ward was so patient", "surname"),
    ("Nurse {v} looked after us", "surname"),
    ("Mr {v} the consultant explained everything", "surname"),
    ("{v} on reception sorted it out", "first"),
    ("{v} the receptionist was rude to me", "first"),
    ("my name is {v}", "full"),
    ("ask for {v} at the front desk", "first"),
    ("my son {v} has asthma", "first"),
    ("{v} was lovely", "full"),
    ("thanks to {v} for everything", "first"),
    ("I spoke to {v} twice", "first"),
    ("the nurse, {v}, was great", "first"),
    ("{v} from the practice rang me back", "first"),
]

# Written independently of the shipped list: about a third are not in it.
FIRST_NAMES = [
    "Sarah",
    "James",
    "Mohammed",
    "Priya",
    "Agnieszka",
    "Tracy",
    "Gemma",
    "Liam",
    "Aisha",
    "Imran",
    "Katarzyna",
    "Niamh",
    "Oliver",
    "Dorothy",
    "Wojciech",
    "Sandra",
    "Shabana",
    "Kacper",
    "Siobhan",
    "Bronwen",
    "Tayyab",
    "Noor",
    "Jadwiga",
    "Kwabena",
    "Fionnuala",
    "Rhiannon",
    "Darshan",
    "Hollie",
    "Jayden",
    "Aleksander",
    "Sukhwinder",
    "Bernadette",
    "Kofi",
    "Tadeusz",
    "Ffion",
    "Kylie",
]
SURNAMES = [
    "Patel",
    "Khan",
    "Hussain",
    "Smith",
    "Jones",
    "Kowalski",
    "Nowak",
    "O'Neill",
    "McDonald",
    "Ahmed",
    "Begum",
    "Taylor",
    "Wilson",
    "Brown",
    "Singh",
    "Wiśniewska",
    "Ali",
    "Holden",
    "Duckworth",
    "Greenwood",
    "Walsh",
    "Mistry",
    "Okafor",
    "Ashworth",
    "Pilkington",
    "Sutcliffe",
    "Nuttall",
    "Iqbal",
    "Mahmood",
    "Lewandowski",
]
STREET_NAMES = [
    "Church",
    "Garstang",
    "Moor",
    "Station",
    "Victoria",
    "St Mary's",
    "Blackpool Old",
    "Whalley",
    "Ribbleton",
    "Oak",
    "Millbrook",
    "Queen's",
    "Brockholes",
    "Shear Brow",
]
STREET_TYPES = [
    "Road",
    "Street",
    "Lane",
    "Avenue",
    "Close",
    "Drive",
    "Way",
    "Crescent",
    "Terrace",
    "Grove",
    "Place",
    "Rd",
]
# Held out: name phrasings and names written after the detector's name rules were last changed,
# to check that those rules learnt how residents write names, not this bench's own clauses.
# The detector was never tuned on these; about a third of the first names are not in the
# shipped list, and some surnames are not in its common-surname list.
HELDOUT_NAME_CLAUSES = [
    ("{v} at the front desk was really helpful", "first"),
    ("our health visitor {v} came twice", "first"),
    ("I want to thank {v} and the team", "first"),
    ("{v} was the only one who listened", "first"),
    ("big thanks to {v}", "first"),
    ("when {v} rang me it was sorted", "first"),
    ("Dr. {v} referred me", "surname"),
    ("please pass my thanks to {v}", "full"),
    ("a nurse called {v} helped", "first"),
    ("{v}, the pharmacist, sorted it", "first"),
    ("I saw {v} on the Tuesday", "full"),
    ("{v} (the physio) was ace", "first"),
    ("the midwife {v} was amazing", "first"),
    ("{v} from the district nurses came out", "full"),
    ("could I speak to {v} again", "first"),
    ("my neighbour {v} drove me", "first"),
]
HELDOUT_FIRST_NAMES = (
    "Oluwaseun Grzegorz Saoirse Eilidh Zainab Mehmet Nasreen Ruairi Bartosz Chidi Yusuf Parveen"
    " Ewa Malgorzata Tomasz Caoimhe Hamza Ifeoma Rajinder Barbara Susan Paul Karen Mohammed"
    " Fatima Emily Joanne Stephen Anil Haroon"
).split()
HELDOUT_SURNAMES = (
    "Entwistle Kaczmarek Adeyemi Haworth Chaudhry Fitzgerald Rawlinson Bamber Oyelaran Brennan"
    " Clarke Shah Hughes Bibi Kaur Nowicki Forshaw Gorecki Mensah Dewhurst"
).split()

OUTWARD = [
    "PR1",
    "PR2",
    "PR5",
    "PR7",
    "PR25",
    "BB1",
    "BB2",
    "BB5",
    "BB11",
    "FY1",
    "FY4",
    "FY8",
    "LA1",
    "LA4",
    "LA9",
    "LA14",
    "L39",
    "WN8",
    "BB18",
    "M1",
]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


@dataclass(frozen=True)
class Comment:
    text: str
    gold: tuple[tuple[str, int, int], ...]  # (kind, start, end) of each planted identifier


def nhs_check_digit(nine: str) -> int | None:
    check = 11 - sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True)) % 11
    check = 0 if check == 11 else check
    return None if check == 10 else check


def phone(rng: random.Random) -> str:
    form = rng.randrange(9)
    if form < 5:
        d = "7" + "".join(rng.choice("0123456789") for _ in range(9))
        return [
            f"0{d[:4]} {d[4:]}",
            f"0{d}",
            f"0{d[:4]} {d[4:7]} {d[7:]}",
            f"+44 {d[:4]} {d[4:]}",
            f"+44{d}",
        ][form]
    rest = "".join(rng.choice("0123456789") for _ in range(6))
    area = rng.choice(["1772", "1254", "1253", "1524", "1539", "1282", "1257"])
    city = rng.choice(["161", "151"]) + rng.choice("2345678")
    return [
        f"(0{area}) {rest}",
        f"0{area} {rest}",
        f"0{city[:3]} {city[3]}{rest[:2]} {rest[2:]}",
        f"+44 (0){area} {rest}",
    ][form - 5]


def email(rng: random.Random) -> str:
    first, last = rng.choice(FIRST_NAMES).lower(), rng.choice(SURNAMES).lower().replace("'", "")
    user = rng.choice(
        [f"{first}.{last}", f"{first[0]}{last}{rng.randrange(100)}", f"{first}_{last}", first]
    )
    host = rng.choice(["gmail.com", "hotmail.co.uk", "outlook.com", "yahoo.co.uk", "nhs.net"])
    return f"{user}@{host}"


def nhs_number(rng: random.Random) -> str:
    while True:
        nine = rng.choice(["999", "4", "6", "9"]) + "".join(
            rng.choice("0123456789") for _ in range(8)
        )
        nine = nine[:9]
        check = nhs_check_digit(nine)
        if check is not None:
            break
    n = f"{nine}{check}"
    return rng.choice([f"{n[:3]} {n[3:6]} {n[6:]}", n, f"{n[:3]}-{n[3:6]}-{n[6:]}"])


def postcode(rng: random.Random) -> str:
    code = f"{rng.choice(OUTWARD)} {rng.randrange(10)}" + "".join(
        rng.choice(INWARD_LETTERS) for _ in range(2)
    )
    form = rng.randrange(4)
    return [code, code.lower(), code.replace(" ", ""), code.replace(" ", "").lower()][form]


def date_of_birth(rng: random.Random) -> str:
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1930, 2020)
    name = MONTHS[month - 1]
    return rng.choice(
        [
            f"{day:02d}/{month:02d}/{year}",
            f"{day}/{month}/{year}",
            f"{day}.{month}.{year % 100:02d}",
            f"{day} {name} {year}",
            f"{day}th of {name} {year}" if day > 3 and day < 21 else f"{day} {name[:3]} {year}",
            f"{name} {day}, {year}",
            f"{year}-{month:02d}-{day:02d}",
        ]
    )


def address(rng: random.Random) -> str:
    number = str(rng.randint(1, 250)) + rng.choice(["", "", "", "a"])
    street = f"{rng.choice(STREET_NAMES)} {rng.choice(STREET_TYPES)}"
    return rng.choice([f"{number} {street}", f"{number}, {street}", f"Flat 2, {number} {street}"])


def name_value(rng: random.Random, part: str) -> str:
    first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
    return {"surname": last, "first": first, "full": f"{first} {last}"}[part]


def heldout_names(seed: int, n: int) -> list[Comment]:
    """Comments each carrying a name in a held-out phrasing (see HELDOUT_NAME_CLAUSES)."""
    rng = random.Random(seed + 1)  # noqa: S311 - reproducible test data, not a secret
    out = []
    for _ in range(n):
        clause, part = rng.choice(HELDOUT_NAME_CLAUSES)
        first, last = rng.choice(HELDOUT_FIRST_NAMES), rng.choice(HELDOUT_SURNAMES)
        value = {"surname": last, "first": first, "full": f"{first} {last}"}[part]
        carrier = rng.choice(CARRIERS)
        if carrier.startswith("{pii}"):
            clause = clause[0].upper() + clause[1:]
        start = carrier.index("{pii}") + clause.index("{v}")
        text = carrier.replace("{pii}", clause.replace("{v}", value))
        out.append(Comment(text, (("name", start, start + len(value)),)))
    return out


PLANTERS: dict[str, tuple[list[str], Callable[[random.Random], str]]] = {
    "phone": (PHONE_CLAUSES, phone),
    "email": (EMAIL_CLAUSES, email),
    "nhs_number": (NHS_CLAUSES, nhs_number),
    "postcode": (POSTCODE_CLAUSES, postcode),
    "date_of_birth": (DOB_CLAUSES, date_of_birth),
    "address": (ADDRESS_CLAUSES, address),
}


def planted_comment(rng: random.Random, kind: str) -> Comment:
    if kind == "name":
        clause, part = rng.choice(NAME_CLAUSES)
        value = name_value(rng, part)
    else:
        clauses, make = PLANTERS[kind]
        clause, value = rng.choice(clauses), make(rng)
    carrier = rng.choice(CARRIERS)
    at_start = carrier.startswith("{pii}")
    if at_start:
        clause = clause[0].upper() + clause[1:]
    start = carrier.index("{pii}") + clause.index("{v}")
    text = carrier.replace("{pii}", clause.replace("{v}", value))
    return Comment(text, ((kind, start, start + len(value)),))


def wrong_check_digit_number(rng: random.Random) -> str:
    while True:
        nine = "".join(rng.choice("0123456789") for _ in range(9))
        check = nhs_check_digit(nine)
        wrong = rng.choice([d for d in range(10) if d != check])
        if check is None or wrong != check:
            return f"{nine}{wrong}"


CLEAN_TEMPLATES = [
    "Waited {hours} hours in A&E at {hospital} on {day} night.",
    "The GP surgery in {town} never answers before {time}.",
    "I took the {route} bus from {town} and it was £{money} for a return.",
    "Parking at {hospital} costs £{money} an hour, far too much.",
    "The NHS App is great, booked in {n} minutes, appointment on {day} {dom} {month}.",
    "Ward {ward} on the {ordinal} floor was clean and the staff were kind.",
    "Called NHS 111 at {time} and waited {n} minutes for a call back.",
    "My appointment on {date} was cancelled, rebooked for {month}.",
    "Reference {ref} on my complaint letter, still no reply after {n} weeks.",
    "The number on the letter was {org_phone} and nobody answered.",
    "Score {n}/10. Room {ward} was noisy at {time}.",
    "Please reopen the walk-in centre in {town} on {day}s.",
    "Took the {route} and the X2 to {hospital}, {n} changes, {hours} hours each way.",
    "Mental health team in {town} needs more staff, waited since {month} {year}.",
    "Covid booster at {hospital} was well organised, {n} minute wait.",
    "My sister and my mum both use the pharmacy on {street} Street in {town}.",
    "Nurse practitioner at my practice is brilliant, seen within {n} days.",
    "{hospital} maternity unit was excellent in {month} {year}.",
    "Prescription cost £{money}, {n} items, ready by {time} on {day}.",
    "The {ordinal} time I rang about my referral, {n} weeks after my {dom} {month} visit.",
]
CLEAN_SLOTS: dict[str, Callable[[random.Random], str]] = {
    "hours": lambda r: str(r.randint(2, 14)),
    "n": lambda r: str(r.randint(1, 60)),
    "hospital": lambda r: r.choice(
        [
            "Royal Preston Hospital",
            "Blackpool Victoria Hospital",
            "Royal Blackburn Hospital",
            "Furness General Hospital",
            "Royal Lancaster Infirmary",
            "Chorley and South Ribble",
            "Burnley General",
            "Westmorland General",
            "Clitheroe Community Hospital",
            "Ormskirk District General",
            "Rossendale Primary Health Care Centre",
        ]
    ),
    "town": lambda r: r.choice(
        [
            "Preston",
            "Blackburn",
            "Blackpool",
            "Burnley",
            "Lancaster",
            "Morecambe",
            "Chorley",
            "Kendal",
            "Barrow",
            "Accrington",
            "Fleetwood",
            "Darwen",
            "Nelson",
            "Leyland",
        ]
    ),
    "day": lambda r: r.choice(["Monday", "Tuesday", "Wednesday", "Friday", "Saturday", "Sunday"]),
    "time": lambda r: r.choice(["8am", "8:00", "08:00", "2am", "11pm", "6.30pm", "half 8"]),
    "route": lambda r: r.choice(["113", "152", "7", "X43", "68", "2A", "125"]),
    "money": lambda r: f"{r.randint(1, 20)}.{r.randint(0, 99):02d}",
    "dom": lambda r: str(r.randint(1, 28)),
    "month": lambda r: r.choice(MONTHS),
    "year": lambda r: str(r.randint(2018, 2025)),
    "ward": lambda r: r.choice(["23", "B2", "4B", "C14", "12"]),
    "ordinal": lambda r: r.choice(["1st", "2nd", "3rd", "4th", "second"]),
    "date": lambda r: f"{r.randint(1, 28):02d}/{r.randint(1, 12):02d}/{r.randint(2019, 2025)}",
    "ref": lambda r: r.choice(
        ["2023/45678", "INC-0045123", wrong_check_digit_number(r), "REF 88213"]
    ),
    "org_phone": lambda r: r.choice(["0300 123 1234", "0800 028 0123", "111", "0345 600 4444"]),
    "street": lambda r: r.choice(["Church", "Friargate", "Fishergate", "Market"]),
}


def clean_comment(rng: random.Random) -> Comment:
    text = rng.choice(CLEAN_TEMPLATES)
    for slot, make in CLEAN_SLOTS.items():
        while "{" + slot + "}" in text:
            text = text.replace("{" + slot + "}", make(rng), 1)
    return Comment(text, ())


def build(seed: int, planted: int, clean: int) -> tuple[list[Comment], list[Comment]]:
    """Make the planted and clean comments; the same seed always gives the same set."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not a secret
    kinds = list(KINDS)
    with_pii = [planted_comment(rng, kinds[i % len(kinds)]) for i in range(planted)]
    return with_pii, [clean_comment(rng) for _ in range(clean)]


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--planted", type=int, default=1200)
    parser.add_argument("--clean", type=int, default=400)
    parser.add_argument("--heldout", type=int, default=400, help="held-out name comments")
    parser.add_argument("--show-misses", type=int, default=0, help="print N misses per kind")
    args = parser.parse_args()

    planted, clean = build(args.seed, args.planted, args.clean)
    gold_n, hit_n, found_n, true_n = Counter(), Counter(), Counter(), Counter()
    misses: dict[str, list[str]] = {k: [] for k in KINDS}
    false_hits: list[str] = []

    for comment in planted + clean:
        findings = detect(comment.text)
        for kind, start, end in comment.gold:
            gold_n[kind] += 1
            if any(f.kind == kind and overlaps((f.start, f.end), (start, end)) for f in findings):
                hit_n[kind] += 1
            else:
                misses[kind].append(f"{comment.text[start:end]!r} in {comment.text!r}")
        for f in findings:
            found_n[f.kind] += 1
            if any(k == f.kind and overlaps((f.start, f.end), (s, e)) for k, s, e in comment.gold):
                true_n[f.kind] += 1
            elif not comment.gold:
                false_hits.append(f"{f.kind} {f.text!r} in {comment.text!r}")

    print(f"seed {args.seed}: {len(planted)} planted comments, {len(clean)} clean comments")
    print(f"{'kind':<14}{'planted':>8}{'recall':>9}{'found':>7}{'precision':>11}")
    for kind in KINDS:
        recall = hit_n[kind] / gold_n[kind] if gold_n[kind] else float("nan")
        precision = true_n[kind] / found_n[kind] if found_n[kind] else float("nan")
        flag = "  (needs >= 95%)" if kind in STRUCTURED and recall < 0.95 else ""
        print(
            f"{kind:<14}{gold_n[kind]:>8}{recall:>9.1%}{found_n[kind]:>7}{precision:>11.1%}{flag}"
        )
    clean_with_findings = sum(1 for c in clean if detect(c.text))
    print(
        f"clean comments with any finding (false-positive rate): "
        f"{clean_with_findings}/{len(clean)} = {clean_with_findings / len(clean):.1%}"
    )
    held = heldout_names(args.seed, args.heldout)
    held_hits, held_misses = 0, []
    for comment in held:
        _kind, start, end = comment.gold[0]
        if any(
            f.kind == "name" and overlaps((f.start, f.end), (start, end))
            for f in detect(comment.text)
        ):
            held_hits += 1
        else:
            held_misses.append(f"{comment.text[start:end]!r} in {comment.text!r}")
    print(
        f"names in held-out phrasings: {held_hits}/{len(held)} = {held_hits / len(held):.1%} recall"
    )
    if args.show_misses:
        for miss in held_misses[: args.show_misses]:
            print(f"missed held-out name: {miss}")
        for kind in KINDS:
            for miss in misses[kind][: args.show_misses]:
                print(f"missed {kind}: {miss}")
        for hit in false_hits[: args.show_misses]:
            print(f"false positive: {hit}")


if __name__ == "__main__":
    main()
