"""The public "you said, we did" pages: what residents said and what the ICB did about it."""

from engage.yousaid.routes import bp

__all__ = ["bp"]
