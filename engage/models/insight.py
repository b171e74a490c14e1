"""Comments, coding, themes, analysis runs, links to intentions, and responses to residents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.models.base import Base, utcnow
from engage.models.intentions import Intention


class Comment(Base):
    """A unit of free text to analyse, with the context that breakdowns need.

    ``original_text`` is restricted to the engagement role; everything downstream reads
    ``redacted_text``. Demographic fields are a snapshot taken when the comment arrived, so that
    erasing a person keeps the anonymised breakdowns intact.
    """

    __tablename__ = "comment"
    # Any form of the text may still hold what a resident wrote about themselves.
    __audit_redact__ = ("proposed_redaction", "redacted_text", "translation_text")
    __table_args__ = (
        Index("ix_comment_state_received", "moderation_state", "received_at"),
        UniqueConstraint("source", "source_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20))  # survey, healthwatch, fft, event, import
    # Idempotency key within a source: the answer id, or a hash of an imported row.
    source_key: Mapped[str] = mapped_column(String(80))
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("survey.id"), index=True)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("question.id"))
    response_id: Mapped[int | None] = mapped_column(ForeignKey("response.id", ondelete="SET NULL"))
    original_text: Mapped[str] = mapped_column(Text)
    redacted_text: Mapped[str | None] = mapped_column(Text)
    moderation_state: Mapped[str] = mapped_column(String(20), default="pending")
    hidden_reason: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(10))
    # An English translation a team member added; analysis reads it instead of the text.
    translation_text: Mapped[str | None] = mapped_column(Text)
    # What the offline detector proposed, and the kinds of personal data it found.
    proposed_redaction: Mapped[str | None] = mapped_column(Text)
    pii_kinds: Mapped[list[str]] = mapped_column(default=list)
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    moderated_at: Mapped[datetime | None]
    import_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batch.id", ondelete="SET NULL"), index=True
    )
    # Who said it, pseudonymously: counts respondents without naming them (a response id, or
    # an imported respondent reference hashed with the batch's source).
    respondent_key: Mapped[str | None] = mapped_column(String(80))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"), index=True)
    age_band: Mapped[str | None] = mapped_column(String(20))
    sex: Mapped[str | None] = mapped_column(String(30))
    ethnicity: Mapped[str | None] = mapped_column(String(80))
    deprivation_decile: Mapped[int | None]
    # The Friends and Family Test answer imported with the feedback, so FFT scores can count
    # it beside survey answers: exactly one of builder.FFT_OPTIONS ("Very good" ... "Don't
    # know"), or None where the file gave none.
    fft_rating: Mapped[str | None] = mapped_column(String(30))
    # The GP practice or service the feedback is about, as the imported file names it
    # (trimmed; None when blank), so results can be read per practice or service.
    service: Mapped[str | None] = mapped_column(String(160))


class ImportBatch(Base):
    """One uploaded file of feedback gathered elsewhere, and how its import went.

    The uploaded file is kept in the instance folder until the import finishes, so a mapping
    can be previewed and the import streamed row by row in the background.
    """

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_format: Mapped[str] = mapped_column(String(10))  # csv, xlsx
    source: Mapped[str] = mapped_column(String(20), default="import")
    # uploaded, mapped, running, done, failed, cancelled
    status: Mapped[str] = mapped_column(String(20), default="uploaded")
    mapping: Mapped[dict[str, Any]] = mapped_column(default=dict)
    on_error: Mapped[str] = mapped_column(String(20), default="keep_good")  # or all_or_nothing
    total_rows: Mapped[int | None]
    processed_rows: Mapped[int] = mapped_column(default=0)
    imported_rows: Mapped[int] = mapped_column(default=0)
    duplicate_rows: Mapped[int] = mapped_column(default=0)
    error_rows: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class ImportRowError(Base):
    """A row the import could not take, with what a person needs to fix it."""

    __tablename__ = "import_row_error"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("import_batch.id", ondelete="CASCADE"), index=True
    )
    row_number: Mapped[int]  # as a spreadsheet shows it: the header is row 1
    column: Mapped[str | None] = mapped_column(String(120))
    message: Mapped[str] = mapped_column(String(300))


class Code(Base):
    """A code in the taxonomy the team controls for manual tagging.

    A code tied to a theme is the team's coding of that theme: it feeds the topic pipeline as
    a labelled example. Other codes (for example "urgent" or "praise") are just tags.
    """

    __tablename__ = "code"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id", ondelete="SET NULL"))
    retired: Mapped[bool] = mapped_column(default=False)


class CommentCode(Base):
    __tablename__ = "comment_code"
    __table_args__ = (UniqueConstraint("comment_id", "code_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), index=True
    )
    code_id: Mapped[int] = mapped_column(ForeignKey("code.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CodingSample(Base):
    """A set of comments given to several coders, so that their agreement can be measured."""

    __tablename__ = "coding_sample"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    comment_ids: Mapped[list[int]] = mapped_column(default=list)
    coder_ids: Mapped[list[int]] = mapped_column(default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommentCoded(Base):
    """A coder finished a comment: its codes (possibly none) are that person's complete coding.

    Without this, "coded with nothing" and "not coded yet" look the same, and agreement and
    the pipeline's learning would both be wrong.
    """

    __tablename__ = "comment_coded"
    __table_args__ = (UniqueConstraint("comment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    coded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Theme(Base):
    """A stable theme in the team's taxonomy; runs' topics are matched to these."""

    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    examples: Mapped[list[str]] = mapped_column(default=list)
    origin: Mapped[str] = mapped_column(String(20), default="seed")  # seed, team, discovered
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AnalysisRun(Base):
    """A background analysis; this row is the truth about its progress and outcome."""

    __tablename__ = "analysis_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    # queued, running, succeeded, failed, cancelled
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    # The run whose results the workspace and reports show; exactly one at a time.
    is_current: Mapped[bool] = mapped_column(default=False)
    heartbeat_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    # Where the fitted pipeline is saved (relative to the instance folder), for transform.
    model_dir: Mapped[str | None] = mapped_column(String(255))
    progress: Mapped[int] = mapped_column(default=0)  # percent
    stage: Mapped[str | None] = mapped_column(String(60))
    error: Mapped[str | None] = mapped_column(Text)
    comment_count: Mapped[int | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    topics: Mapped[list[Topic]] = relationship(back_populates="run", cascade="all, delete-orphan")


class Topic(Base):
    __tablename__ = "topic"
    __table_args__ = (UniqueConstraint("run_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("analysis_run.id", ondelete="CASCADE"))
    number: Mapped[int]
    label: Mapped[str] = mapped_column(String(200))
    keywords: Mapped[list[str]] = mapped_column(default=list)
    size: Mapped[int] = mapped_column(default=0)
    representative_comment_ids: Mapped[list[int]] = mapped_column(default=list)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id"))

    run: Mapped[AnalysisRun] = relationship(back_populates="topics")
    theme: Mapped[Theme | None] = relationship()


class CommentTheme(Base):
    """A theme a comment speaks of, from a run or from a person."""

    __tablename__ = "comment_theme"
    __table_args__ = (UniqueConstraint("comment_id", "theme_id", "run_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), index=True
    )
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("analysis_run.id", ondelete="CASCADE"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topic.id", ondelete="SET NULL"))
    is_main: Mapped[bool] = mapped_column(default=True)
    probability: Mapped[float | None]
    source: Mapped[str] = mapped_column(String(20), default="model")  # model, person


class ThemeIntentionLink(Base):
    __tablename__ = "theme_intention_link"
    __table_args__ = (UniqueConstraint("theme_id", "intention_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"))
    intention_id: Mapped[int] = mapped_column(ForeignKey("intention.id", ondelete="CASCADE"))
    score: Mapped[float | None]
    state: Mapped[str] = mapped_column(String(20), default="suggested")  # confirmed, rejected
    origin: Mapped[str] = mapped_column(String(20), default="model")  # model, person
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]

    theme: Mapped[Theme] = relationship()
    intention: Mapped[Intention] = relationship()


class YouSaidWeDid(Base):
    """A commissioner's response to a theme or intention, published to residents."""

    __tablename__ = "you_said_we_did"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id", ondelete="SET NULL"))
    intention_id: Mapped[int | None] = mapped_column(
        ForeignKey("intention.id", ondelete="SET NULL")
    )
    you_said: Mapped[str] = mapped_column(Text)
    we_did: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="considering")
    reason: Mapped[str | None] = mapped_column(Text)  # why, when the status is not_possible
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]
