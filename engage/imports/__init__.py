"""Imports of feedback gathered elsewhere (Healthwatch, Friends and Family Test, events)."""

from engage.imports.routes import bp

__all__ = ["bp"]
