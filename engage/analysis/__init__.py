"""Analysis runs, theme review and theme-to-intention links."""

from engage.analysis.routes import bp

__all__ = ["bp"]
