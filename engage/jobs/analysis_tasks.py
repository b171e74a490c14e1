"""Analysis runs in the background (see engage.services.analysis)."""

from __future__ import annotations
