"""The equality monitoring categories residents are offered, every one optional."""

from __future__ import annotations

from wtforms.fields.choices import SelectChoice

PREFER_NOT = "Prefer not to say"
AGE_BANDS = ("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
SEXES = ("Female", "Male")
# ONS 2021 census high-level ethnic groups.
ETHNIC_GROUPS = (
    "Asian or Asian British",
    "Black, Black British, Caribbean or African",
    "Mixed or multiple ethnic groups",
    "White",
    "Other ethnic group",
)
YES_NO = ("Yes", "No")
CONTACT_PREFERENCES = [
    SelectChoice("email", "Email"),
    SelectChoice("text", "Text message"),
    SelectChoice("phone", "Phone call"),
    SelectChoice("post", "Letter"),
]
FIELDS = ("age_band", "sex", "ethnicity", "disability", "long_term_condition", "carer")


def with_prefer_not(options: tuple[str, ...]) -> list[SelectChoice]:
    return [SelectChoice(o, o) for o in (*options, PREFER_NOT)]
