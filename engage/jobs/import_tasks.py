"""Imports of feedback files in the background (see engage.services.imports)."""

from __future__ import annotations
