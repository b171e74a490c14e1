"""Moderation: approve, edit the proposed redaction, or hide comments, singly or in bulk."""

from engage.moderation.routes import bp

__all__ = ["bp"]
