"""Tasks whose worker died: django-tasks-db marks a task RUNNING when a worker claims it and never
looks at it again, so a worker killed mid-task (SIGKILL, out of memory, machine lost) would leave it
RUNNING for ever. The reaper here puts such tasks back in the queue for any worker.

How it knows a worker is gone:
- Our workers (`manage.py run_worker`, ids starting "bc-") hold a Postgres advisory lock named after
  their id on a connection of their own for as long as the process lives. Postgres drops the lock when
  the process dies, however it dies, so a task of a worker whose lock is free is requeued at once, and a
  task of a live worker is never taken from it, however long it runs.
- Any other worker (plain `db_worker`) gets a lease: RUNNING longer than settings.TASK_LEASE_SECONDS
  means lost.

A requeued task runs again from the start, so every task is written to be harmless when run twice.
"""

import datetime
import logging
import re

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

WORKER_ID_PREFIX = "bc-"
# Advisory locks have a two-number name: this class number ("BC") and a hash of the worker id.
_LOCK_CLASS = 0x4243

_DURATION = re.compile(r"^(\d+)([smhd]?)$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> datetime.timedelta:
    """'90', '90s', '15m', '2h' or '1d'."""
    match = _DURATION.match(text.strip())
    if match is None:
        raise ValueError(f"Not a duration: {text!r} (examples: 90s, 15m, 2h).")
    return datetime.timedelta(seconds=int(match[1]) * _UNIT_SECONDS[match[2]])


def hold_liveness_lock(worker_id: str) -> BaseDatabaseWrapper:
    """Take the worker's lock on a new connection of its own (not one Django closes between tasks);
    keep the returned connection open for the life of the process."""
    holder = connections.create_connection(DEFAULT_DB_ALIAS)
    holder.inc_thread_sharing()  # the reaper thread checks it and takes it again if it dropped
    with holder.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", [_LOCK_CLASS, worker_id])
    return holder


def _is_alive(cursor, worker_id: str) -> bool:
    cursor.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))", [_LOCK_CLASS, worker_id])
    if not cursor.fetchone()[0]:
        return True
    cursor.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", [_LOCK_CLASS, worker_id])
    return False


def requeue_stale_tasks(*, older_than: datetime.timedelta) -> list[str]:
    """Put tasks whose worker is gone back to READY; return their ids.

    Each update names the claim it saw (same worker ids): a task that finished or was claimed again
    meanwhile is left as it is. The lost worker's id stays in `worker_ids`, as history.
    """
    cutoff = timezone.now() - older_than
    requeued = []
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
    with connection.cursor() as cursor:
        for pk, worker_ids, started_at in running.values_list("pk", "worker_ids", "started_at"):
            last_worker = worker_ids[-1] if worker_ids else ""
            if last_worker.startswith(WORKER_ID_PREFIX):
                lost = not _is_alive(cursor, last_worker)
            else:
                lost = started_at is None or started_at < cutoff
            if not lost:
                continue
            updated = DBTaskResult.objects.filter(
                pk=pk, status=TaskResultStatus.RUNNING, worker_ids=worker_ids
            ).update(status=TaskResultStatus.READY, started_at=None)
            if updated:
                logger.warning("Task %s lost its worker %s; requeued.", pk, last_worker or "?")
                requeued.append(str(pk))
    return requeued
