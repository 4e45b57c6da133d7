"""Queue the imaging pipeline again for uploads still pending (or, with --all, for every upload).

The database worker does not retry: an upload whose task crashed, or whose worker was killed, stays
pending. Run this (by hand or daily) to queue those again; processing twice is harmless.
"""

import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from intake.models import Upload
from intake.processing.tasks import process_upload


class Command(BaseCommand):
    help = "Queue process_upload for pending uploads older than --older-than-minutes (or --all)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than-minutes", type=int, default=30)
        parser.add_argument(
            "--all",
            dest="every_upload",
            action="store_true",
            help="Every upload, processed or not.",
        )

    def handle(self, *, older_than_minutes: int, every_upload: bool, **options) -> None:
        uploads = Upload.objects.all()
        if not every_upload:
            cutoff = timezone.now() - datetime.timedelta(minutes=older_than_minutes)
            uploads = uploads.pending().filter(created_at__lt=cutoff)
        count = 0
        for upload_id in uploads.values_list("pk", flat=True).iterator():
            process_upload.enqueue(upload_id, again=every_upload)
            count += 1
        self.stdout.write(f"Queued {count} upload(s) for processing.")
