"""Background tasks. Each takes only ids and re-reads the row before acting."""

from __future__ import annotations

from huey import crontab

from engage.jobs import huey, in_app_context


@huey.task(retries=3, retry_delay=60)
@in_app_context
def deliver_message(message_id: int) -> None:
    from engage.services import mailer

    mailer.deliver(message_id)


@huey.periodic_task(crontab(hour="2", minute="30"))
@in_app_context
def apply_retention() -> str:
    """Delete personal data past its retention period, nightly."""
    from engage.services import retention

    return retention.apply().summary()


# The worker is started on ``engage.jobs.tasks.huey`` so that importing this module registers
# every task; each area keeps its tasks in its own module.
from engage.jobs import analysis_tasks, import_tasks  # noqa: E402,F401
