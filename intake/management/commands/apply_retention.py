"""Remove the files (and, with --delete-requests, the whole request) of requests closed or marked
spam more than INTAKE_RETENTION_DAYS ago, writing an access record of what went.

Safe to run every night: a request whose files are gone is not touched again, and files are removed
from storage only after the database change commits (a file left by a crash is caught by
`manage.py sweep_stray_uploads`).
"""

import datetime
import logging

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from intake.files import delete_on_commit
from intake.models import AccessAction, AccessLog, ReviewRequest
from intake.triage.workflow import FINISHED_STATUSES

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Remove files (optionally requests) of requests closed more than INTAKE_RETENTION_DAYS ago."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--delete-requests",
            action="store_true",
            help="Remove the whole request, not only files.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would go; change nothing."
        )

    def handle(self, *args, delete_requests: bool, dry_run: bool, **options):
        cutoff = timezone.now() - datetime.timedelta(days=settings.INTAKE_RETENTION_DAYS)
        due = (
            ReviewRequest.objects.filter(status__in=FINISHED_STATUSES)
            .annotate(finished_at=Max("status_changes__changed_at"), n_files=Count("uploads"))
            .filter(finished_at__lt=cutoff)
        )
        if not delete_requests:
            due = due.filter(n_files__gt=0)
        files_removed = requests_removed = 0
        for review_request in due.iterator():
            if dry_run:
                files_removed += review_request.n_files
                requests_removed += delete_requests
                continue
            files, removed_request = self._apply(review_request, delete_requests=delete_requests)
            files_removed += files
            requests_removed += removed_request
        verb = "Would remove" if dry_run else "Removed"
        self.stdout.write(f"{verb} {files_removed} file(s) and {requests_removed} request(s).")

    def _apply(self, review_request: ReviewRequest, *, delete_requests: bool) -> tuple[int, bool]:
        with transaction.atomic():
            uploads = list(review_request.uploads.select_for_update())
            names = [upload.file.name for upload in uploads]
            review_request.uploads.all().delete()
            if names:
                AccessLog.objects.create(
                    action=AccessAction.RETENTION_FILES,
                    request_id=review_request.pk,
                    reference=review_request.reference,
                    detail=f"{len(names)} file(s) removed",
                )
            if delete_requests:
                AccessLog.objects.create(
                    action=AccessAction.RETENTION_REQUEST,
                    request_id=review_request.pk,
                    reference=review_request.reference,
                    detail="request and its notes removed",
                )
                review_request.delete()
            delete_on_commit(names, what="a file past retention")
        return len(names), delete_requests
