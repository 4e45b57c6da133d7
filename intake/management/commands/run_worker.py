"""`manage.py db_worker` plus the reaper: the way to run workers here (`make worker`).

The worker holds a liveness lock in Postgres for as long as it lives (see intake.task_leases). Before
it starts, and then every --reap-every seconds in a background thread, it requeues tasks whose worker
is gone. Every worker runs the reaper, so no extra scheduled job is needed; several at once are
harmless. All db_worker options work as usual.

It runs at a lower CPU priority than the web processes (`--nice`, 10 by default): a study's previews
can wait a few seconds, a patient sending the form or staff reading a page should not (on a
machine that serves both, the worker took most of a core while each study was processed: the form
bench, bench/README.md).
"""

import logging
import os
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connection
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from intake.task_leases import (
    WORKER_ID_PREFIX,
    hold_liveness_lock,
    parse_duration,
    requeue_stale_tasks,
)

logger = logging.getLogger(__name__)


class Command(DbWorkerCommand):
    help = "Run the database task worker, requeueing tasks whose worker was lost."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--lease",
            default=f"{settings.TASK_LEASE_SECONDS}s",
            help="For tasks of workers without a liveness lock (plain db_worker): requeue them "
            "once RUNNING longer than this, e.g. 30m (default: TASK_LEASE_SECONDS).",
        )
        parser.add_argument(
            "--nice",
            type=int,
            default=10,
            help="Added to the process's niceness: web requests come first (default: %(default)s).",
        )
        parser.add_argument(
            "--reap-every",
            type=float,
            default=30.0,
            help="Seconds between checks for lost tasks (default: %(default)s).",
        )

    def handle(
        self, *args, worker_id: str, lease: str, reap_every: float, nice: int, **options
    ) -> None:
        if nice:
            os.nice(nice)
        worker_id = (WORKER_ID_PREFIX + worker_id)[:64]
        lease_delta = parse_duration(lease)
        self._lock = hold_liveness_lock(worker_id)
        requeue_stale_tasks(older_than=lease_delta)
        connection.close()
        threading.Thread(
            target=self._reap_forever,
            args=(worker_id, lease_delta, reap_every),
            daemon=True,
            name="reaper",
        ).start()
        super().handle(*args, worker_id=worker_id, **options)

    def _reap_forever(self, worker_id: str, lease, every: float) -> None:
        while True:
            time.sleep(every)
            try:
                if not self._lock.is_usable():
                    # Postgres restarted: take the lock again so this worker is not seen as lost.
                    self._lock.close()
                    self._lock = hold_liveness_lock(worker_id)
                requeue_stale_tasks(older_than=lease)
            except Exception:
                logger.exception("Requeueing lost tasks failed; trying again later")
            finally:
                close_old_connections()
                connection.close()
