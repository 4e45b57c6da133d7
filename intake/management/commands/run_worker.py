"""`manage.py db_worker` plus the reaper: the way to run workers here (`make worker`).

Before it starts, and then every --reap-every seconds in a background thread, it requeues tasks left
RUNNING past the lease by a worker that was killed. Every worker runs the reaper, so no extra
scheduled job is needed; running it in several workers at once is harmless (one UPDATE each).
All db_worker options work as usual.
"""

import logging
import threading

from django.conf import settings
from django.db import close_old_connections, connection
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from intake.task_leases import parse_duration, requeue_stale_tasks

logger = logging.getLogger(__name__)


class Command(DbWorkerCommand):
    help = "Run the database task worker, requeueing tasks whose worker was lost."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--lease",
            default=f"{settings.TASK_LEASE_SECONDS}s",
            help="Requeue tasks RUNNING longer than this, e.g. 30m (default: TASK_LEASE_SECONDS).",
        )
        parser.add_argument(
            "--reap-every",
            type=float,
            default=60.0,
            help="Seconds between checks for lost tasks (default: %(default)s).",
        )

    def handle(self, *args, lease: str, reap_every: float, **options) -> None:
        lease_delta = parse_duration(lease)
        requeue_stale_tasks(older_than=lease_delta)
        connection.close()
        reaper = threading.Thread(
            target=self._reap_forever, args=(lease_delta, reap_every), daemon=True, name="reaper"
        )
        reaper.start()
        super().handle(*args, **options)

    @staticmethod
    def _reap_forever(lease, every: float) -> None:
        stop = threading.Event()
        while not stop.wait(every):
            try:
                requeue_stale_tasks(older_than=lease)
            except Exception:
                logger.exception("Requeueing lost tasks failed; trying again later")
            finally:
                close_old_connections()
                connection.close()
