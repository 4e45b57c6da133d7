"""Remove resumable uploads that expired before anyone attached them to a request, with their files.

Run it daily (beside `sweep_stray_uploads`). Also removes staged parts with no row at all (left by a
crash between deleting a row and its parts) once their newest part is older than the expiry. Works the
same on local disk and in a bucket: it goes through `intake.uploads.staging` only.
"""

import datetime
import logging

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from intake.models import StagedUpload
from intake.uploads import staging

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Delete expired staged (tus) uploads and their staging files."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count what would go.")

    def handle(self, *, dry_run: bool, **options) -> None:
        expired = list(StagedUpload.objects.expired())
        if not dry_run:
            for staged in expired:
                staging.delete(staged.staging_name)
                staged.delete()
        known = set(StagedUpload.objects.values_list("key", flat=True))
        cutoff = timezone.now() - datetime.timedelta(hours=settings.INTAKE_TUS_EXPIRY_HOURS)
        strays = [
            name
            for name in staging.listing()
            if name.rsplit("/", 1)[1] not in known and staging.modified(name) < cutoff
        ]
        if not dry_run:
            for name in strays:
                staging.delete(name)
        verb = "Would remove" if dry_run else "Removed"
        logger.info(
            "Upload purge: %s %d expired, %d stray", verb.lower(), len(expired), len(strays)
        )
        self.stdout.write(
            f"{verb} {len(expired)} expired upload(s) and {len(strays)} stray staging file(s)."
        )
