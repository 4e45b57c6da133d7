"""Remove files in private storage's uploads/ that no Upload row points to, and files in previews/ that
no Preview row points to, once they are old enough; and old files in incoming/, the default folder
where uploads are received (`receiving_folder`), left by a web process killed mid-request.

A submission removes its own files when it fails, and processing its previews; this catches what a
crash in between leaves behind.
Files younger than the cut-off may belong to a submission still in progress, so they are left alone.
"""

import datetime
import logging
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.utils import timezone

from intake.models import PREVIEWS_PREFIX, UPLOADS_PREFIX, Preview, Upload
from intake.uploads.storage import receiving_folder

logger = logging.getLogger(__name__)
INCOMING = "incoming"


def _incoming_is_ours() -> bool:
    """Only the default temporary folder inside private storage: another one (the system's /tmp)
    holds other programs' files too."""
    location = getattr(default_storage, "location", None)
    return bool(location) and receiving_folder().resolve() == Path(location, INCOMING).resolve()


def _walk(folder: str):
    """Every file name under `folder`, through the storage API (a bucket has no real folders)."""
    try:
        directories, files = default_storage.listdir(folder)
    except FileNotFoundError:  # local storage before the first upload
        return
    for name in files:
        yield str(PurePosixPath(folder, name))
    for directory in directories:
        yield from _walk(str(PurePosixPath(folder, directory)))


class Command(BaseCommand):
    help = (
        "Delete stray upload files (no Upload row) and preview files (no Preview row) older than "
        "INTAKE_STRAY_FILE_HOURS."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-hours", type=int, default=settings.INTAKE_STRAY_FILE_HOURS
        )
        parser.add_argument("--dry-run", action="store_true", help="Only count what would go.")

    def handle(self, *, older_than_hours: int, dry_run: bool, **options) -> None:
        folders = [(UPLOADS_PREFIX, Upload), (PREVIEWS_PREFIX, Preview)]
        if _incoming_is_ours():
            folders.append((INCOMING, None))  # no row ever points there
        cutoff = timezone.now() - datetime.timedelta(hours=older_than_hours)
        removed = 0
        for prefix, model in folders:
            for name in _walk(prefix):
                if default_storage.get_modified_time(name) >= cutoff:
                    continue
                if model is not None and model.objects.filter(file=name).exists():
                    continue
                if not dry_run:
                    default_storage.delete(name)
                removed += 1
        verb = "Would remove" if dry_run else "Removed"
        logger.info("Stray-upload sweep: %s %d file(s)", verb.lower(), removed)
        self.stdout.write(f"{verb} {removed} stray file(s).")
