"""Places, residents known to the platform, consent, the panel and PPGs.

Contact details (``Person``) and demographics (``Demographics``) live in separate tables so that
special-category data can be access-controlled and erased on its own, apart from answers.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.models.base import Base, utcnow


class Place(Base):
    """The ICB, its places and footprints, and neighbourhoods: a tree."""

    __tablename__ = "place"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))  # icb, place, footprint, neighbourhood
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"))

    parent: Mapped[Place | None] = relationship(remote_side=[id])


class GpPractice(Base):
    __tablename__ = "gp_practice"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"))
    postcode: Mapped[str | None] = mapped_column(String(10))

    place: Mapped[Place | None] = relationship()


class Person(Base):
    """A resident who chose to be known: contact details only."""

    __tablename__ = "person"
    # Communication needs can reveal disability or ethnicity: kept out of the audit log too.
    __audit_redact__ = ("email", "preferred_language", "communication_needs", "communication_other")

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(36), unique=True)  # opaque id for links and exports
    given_name: Mapped[str | None] = mapped_column(String(80))
    family_name: Mapped[str | None] = mapped_column(String(80))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(30))
    # Only for members who asked to be contacted by letter (the join form asks for it then).
    address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(10))
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"))
    contact_preference: Mapped[str | None] = mapped_column(String(10))
    # Accessible Information Standard: the language to write in and any communication needs
    # (large_print, easy_read, bsl, someone_to_help), with free text for anything else.
    preferred_language: Mapped[str | None] = mapped_column(String(10))
    communication_needs: Mapped[list[str]] = mapped_column(default=list)
    communication_other: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    erased_at: Mapped[datetime | None]  # set when personal data was deleted on request
    # The "manage your details" link sent by email: only its hash is kept.
    profile_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    profile_token_expires_at: Mapped[datetime | None]

    place: Mapped[Place | None] = relationship()
    demographics: Mapped[Demographics | None] = relationship(
        back_populates="person", cascade="all, delete-orphan", uselist=False
    )
    consents: Mapped[list[Consent]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )


class Demographics(Base):
    """Special-category and equality data, one row per person, every field optional."""

    __tablename__ = "demographics"
    __audit_redact__ = (
        "age_band",
        "sex",
        "ethnicity",
        "disability",
        "long_term_condition",
        "carer",
        "deprivation_decile",
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), unique=True)
    age_band: Mapped[str | None] = mapped_column(String(20))
    sex: Mapped[str | None] = mapped_column(String(30))
    ethnicity: Mapped[str | None] = mapped_column(String(80))
    disability: Mapped[str | None] = mapped_column(String(30))
    long_term_condition: Mapped[str | None] = mapped_column(String(30))
    carer: Mapped[str | None] = mapped_column(String(30))
    deprivation_decile: Mapped[int | None] = mapped_column(SmallInteger)

    person: Mapped[Person] = relationship(back_populates="demographics")


class Consent(Base):
    """What a person agreed to, under which version of the privacy notice, and when."""

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))  # panel_membership, contact, demographics
    notice_version: Mapped[str] = mapped_column(String(20))
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship(back_populates="consents")


class PanelMembership(Base):
    __tablename__ = "panel_membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    joined_on: Mapped[date]
    left_on: Mapped[date | None]

    person: Mapped[Person] = relationship()


class PpgMembership(Base):
    __tablename__ = "ppg_membership"
    __table_args__ = (UniqueConstraint("person_id", "practice_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("gp_practice.id"), index=True)
    joined_on: Mapped[date]
    left_on: Mapped[date | None]

    person: Mapped[Person] = relationship()
    practice: Mapped[GpPractice] = relationship()


class PopulationFigure(Base):
    """A published population count for an area and group, to compare respondents against."""

    __tablename__ = "population_figure"
    __table_args__ = (UniqueConstraint("area_name", "dimension", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    place_code: Mapped[str] = mapped_column(String(20), index=True)  # the Place it counts toward
    area_name: Mapped[str] = mapped_column(String(120))  # e.g. a local authority district
    dimension: Mapped[str] = mapped_column(String(30))  # total, age_band, sex, ethnicity...
    category: Mapped[str] = mapped_column(String(80))
    count: Mapped[int]
    source: Mapped[str] = mapped_column(String(300))
    # Until a person checks a figure against its published source, pages say so.
    verified: Mapped[bool] = mapped_column(default=False)


class PostcodeLookup(Base):
    """A postcode from the ONS postcode directory: its local authority, LSOA and deprivation.

    Loaded with ``engage load-postcodes`` from the NSPL or ONSPD file the ICB downloads; the
    place is worked out from ``lad_code`` when a response or sign-up is recorded.
    """

    __tablename__ = "postcode_lookup"

    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)  # upper case, no spaces
    district: Mapped[str] = mapped_column(String(4), index=True)  # the outward code, e.g. PR1
    lad_code: Mapped[str | None] = mapped_column(String(9))
    lsoa_code: Mapped[str | None] = mapped_column(String(9))
    # Index of Multiple Deprivation decile of the LSOA (1 is the most deprived tenth), England only.
    imd_decile: Mapped[int | None] = mapped_column(SmallInteger)
