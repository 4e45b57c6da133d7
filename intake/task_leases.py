"""Tasks whose worker died: django-tasks-db marks a task RUNNING when a worker claims it and never
looks at it again, so a worker killed mid-task (SIGKILL, out of memory, machine lost) would leave it
RUNNING for ever. A task RUNNING for longer than its lease is put back in the queue for any worker.

The lease (settings.TASK_LEASE_SECONDS) must be longer than the slowest task: a task still running
past it would be started a second time. Every task is written to be harmless when run twice.
"""

import datetime
import logging
import re

from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

_DURATION = re.compile(r"^(\d+)([smhd]?)$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> datetime.timedelta:
    """'90', '90s', '15m', '2h' or '1d'."""
    match = _DURATION.match(text.strip())
    if match is None:
        raise ValueError(f"Not a duration: {text!r} (examples: 90s, 15m, 2h).")
    return datetime.timedelta(seconds=int(match[1]) * _UNIT_SECONDS[match[2]])


def requeue_stale_tasks(*, older_than: datetime.timedelta) -> list[str]:
    """Put tasks RUNNING since before `older_than` ago back to READY; return their ids.

    One UPDATE: a worker that finishes at the same moment simply overwrites READY with its result.
    The dead worker's id stays in `worker_ids`, so the task's history shows the lost attempt.
    """
    cutoff = timezone.now() - older_than
    stale = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
    ids = [str(pk) for pk in stale.values_list("pk", flat=True)]
    if ids:
        DBTaskResult.objects.filter(
            pk__in=ids, status=TaskResultStatus.RUNNING, started_at__lt=cutoff
        ).update(status=TaskResultStatus.READY, started_at=None)
        for task_id in ids:
            logger.warning("Task %s ran past its lease; its worker was lost. Requeued.", task_id)
    return ids
