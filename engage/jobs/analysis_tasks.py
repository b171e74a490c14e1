"""Analysis runs in the background (see engage.services.analysis)."""

from __future__ import annotations

from huey import crontab

from engage.jobs import huey, in_app_context


# No queue-level retries: a failure is written on the run's row for a person to read, and a
# worker that died is noticed by its silent heartbeat (recover_stale_runs), not by the queue.
@huey.task()
@in_app_context
def run_analysis(run_id: int) -> None:
    from engage.services import analysis

    analysis.execute(run_id)


@huey.task()
@in_app_context
def assign_new_comments() -> int:
    from engage.services import analysis

    return analysis.assign_new_comments()


@huey.periodic_task(crontab(minute="*/2"))
@in_app_context
def recover_stale_runs() -> list[int]:
    from engage.services import analysis

    return analysis.recover_stale_runs()
