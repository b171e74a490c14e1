"""Imports of feedback files in the background (see engage.services.imports)."""

from __future__ import annotations

from engage.jobs import huey, in_app_context


@huey.task(retries=2, retry_delay=30)
@in_app_context
def import_file(batch_id: int) -> None:
    """Check and import an uploaded file; safe to run again, it carries on where it stopped."""
    from engage.services import imports

    imports.run_import(batch_id)
