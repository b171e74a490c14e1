"""Typed SQLAlchemy 2.0 models; importing this module registers every table on ``Base``."""

from engage.models.base import Base, utcnow
from engage.models.insight import (
    AnalysisRun,
    Code,
    Comment,
    CommentCode,
    CommentTheme,
    ImportBatch,
    ImportRowError,
    Theme,
    ThemeIntentionLink,
    Topic,
    YouSaidWeDid,
)
from engage.models.intentions import Intention, IntentionDomain
from engage.models.messages import Invitation, OutboundMessage
from engage.models.people import (
    Consent,
    Demographics,
    GpPractice,
    PanelMembership,
    Person,
    Place,
    PopulationFigure,
    PpgMembership,
)
from engage.models.staff import ApiToken, AuditEvent, Role, User
from engage.models.surveys import (
    Answer,
    Question,
    Response,
    Section,
    Survey,
    SurveyTranslation,
    survey_intention,
    survey_practice,
)

__all__ = [
    "AnalysisRun",
    "ApiToken",
    "Answer",
    "AuditEvent",
    "Base",
    "Code",
    "Comment",
    "CommentCode",
    "CommentTheme",
    "Consent",
    "Demographics",
    "GpPractice",
    "ImportBatch",
    "ImportRowError",
    "Intention",
    "Invitation",
    "OutboundMessage",
    "IntentionDomain",
    "PanelMembership",
    "Person",
    "Place",
    "PopulationFigure",
    "PpgMembership",
    "Question",
    "Response",
    "Role",
    "Section",
    "Survey",
    "SurveyTranslation",
    "Theme",
    "ThemeIntentionLink",
    "Topic",
    "User",
    "YouSaidWeDid",
    "survey_intention",
    "survey_practice",
    "utcnow",
]
