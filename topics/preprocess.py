"""Clean real survey comments before they are embedded."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    EMPTY = "empty"  # blank, or punctuation only: no theme, topic -1
    NON_ANSWER = "non_answer"  # "nothing", "n/a", "no comment": a real answer, but no content
    SHORT = "short"  # one word
    TEXT = "text"


# Whole-answer forms that carry no content beyond "nothing to add / nothing to improve".
_NON_ANSWERS = {
    "nothing", "nothing really", "nothing at all", "nothing else", "nothing to add",
    "nothing to improve", "nothing i can think of", "nothing comes to mind", "none",
    "none really", "n/a", "na", "n.a", "n a", "nil", "no", "no comment", "no comments",
    "not applicable", "not really", "nope", "no nothing", "can't think of anything",
    "cant think of anything", "cannot think of anything", "nothing thank you",
    "nothing thanks", "no thank you", "no thanks", "non", "nothin", "nowt", "all good",
    "don't know", "dont know", "not sure", "unsure", "no idea", "-", "?", "x",
}  # fmt: skip

# Frequent misspellings in patient feedback; the embedding model copes with most others.
_TYPOS = {
    "apointment": "appointment", "appoinment": "appointment", "appointmemt": "appointment",
    "apointments": "appointments", "appoinments": "appointments", "recieve": "receive",
    "recieved": "received", "docter": "doctor", "doctar": "doctor", "docters": "doctors",
    "nurces": "nurses", "nurce": "nurse", "freindly": "friendly", "frendly": "friendly",
    "profesional": "professional", "proffesional": "professional", "excelent": "excellent",
    "exellent": "excellent", "excellant": "excellent", "recepionist": "receptionist",
    "receptionest": "receptionist", "recption": "reception", "waitng": "waiting",
    "wating": "waiting", "parkin": "parking", "hospitle": "hospital", "hosptial": "hospital",
    "helpfull": "helpful", "carefull": "careful", "beleive": "believe", "definately": "definitely",
    "defiantly": "definitely", "untill": "until", "alot": "a lot", "thankyou": "thank you",
    "prescribtion": "prescription", "perscription": "prescription", "medecine": "medicine",
    "commmunication": "communication", "comunication": "communication", "staf": "staff",
    "stafff": "staff", "dr": "doctor", "drs": "doctors", "gp's": "gps", "a&e": "a and e",
    "appt": "appointment", "appts": "appointments", "pls": "please", "u": "you", "ur": "your",
}  # fmt: skip

_WORD = re.compile(r"[A-Za-z][A-Za-z'&]*")


@dataclass(frozen=True)
class Cleaned:
    text: str  # what is embedded
    kind: Kind


def _fix_case(text: str) -> str:
    letters = [c for c in text if c.isalpha()]
    # ALL-CAPS comments embed differently from the same words in normal case.
    if len(letters) >= 4 and sum(c.isupper() for c in letters) / len(letters) > 0.8:
        text = text.lower()
        return text[:1].upper() + text[1:]
    return text


def _fix_typos(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        word = m.group(0)
        fixed = _TYPOS.get(word.lower())
        if fixed is None:
            return word
        return fixed.capitalize() if word[0].isupper() else fixed

    return _WORD.sub(repl, text)


def clean_comment(raw: object) -> Cleaned:
    """Normalise one comment and say what kind of answer it is."""
    text = "" if raw is None else str(raw)
    if text.lower() in {"nan", "none"} and raw is not None and not isinstance(raw, str):
        text = ""
    text = re.sub(r"\s+", " ", text).strip()
    # Stretched letters ("sooooo gooood") and runs of punctuation.
    text = re.sub(r"([A-Za-z])\1{2,}", r"\1\1", text)
    text = re.sub(r"([!?.,])\1+", r"\1", text)
    if not any(c.isalnum() for c in text):
        return Cleaned("", Kind.EMPTY)
    text = _fix_typos(_fix_case(text))
    bare = re.sub(r"[^a-z0-9/&' -]", "", text.lower()).strip(" .-")
    if bare in _NON_ANSWERS:
        return Cleaned(text, Kind.NON_ANSWER)
    if len(_WORD.findall(text)) <= 1:
        return Cleaned(text, Kind.SHORT)
    return Cleaned(text, Kind.TEXT)


def clean_comments(texts: Sequence[object]) -> list[Cleaned]:
    """Clean many comments; duplicates stay (embedding and clustering dedupe them)."""
    return [clean_comment(t) for t in texts]
