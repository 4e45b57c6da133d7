"""Put tasks left RUNNING by a lost worker back in the queue (see intake.task_leases)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from intake.task_leases import parse_duration, requeue_stale_tasks


class Command(BaseCommand):
    help = "Requeue tasks that have been RUNNING longer than the lease (their worker was lost)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            default=f"{settings.TASK_LEASE_SECONDS}s",
            help="The lease, e.g. 90s, 15m, 2h (default: TASK_LEASE_SECONDS).",
        )

    def handle(self, *, older_than: str, **options) -> None:
        try:
            lease = parse_duration(older_than)
        except ValueError as error:
            raise CommandError(str(error)) from error
        requeued = requeue_stale_tasks(older_than=lease)
        self.stdout.write(f"Requeued {len(requeued)} stale task(s).")
