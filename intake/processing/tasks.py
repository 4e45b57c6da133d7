"""The task the worker runs per upload, and how a kept request (or more files) queues them."""

from collections.abc import Iterable

from django.tasks import task

from intake.models import Upload
from intake.processing import keep
from intake.rules import FileKind


def tasks_to_queue(upload_ids: Iterable[int]) -> list[int]:
    """The uploads to queue a task for: every upload, except that loose DICOM files get one task per
    LOOSE_BATCH of them, since each such task reads and keeps a whole batch of the request's pending
    loose files (`keep.process_upload`). 2,000 files of a CD's folder are 10 tasks, not 2,000."""
    uploads = Upload.objects.filter(pk__in=list(upload_ids)).order_by("pk")
    loose = [pk for pk, kind in uploads.values_list("pk", "kind") if kind == FileKind.DICOM]
    others = uploads.exclude(kind=FileKind.DICOM).values_list("pk", flat=True)
    return sorted([*others, *loose[:: keep.LOOSE_BATCH]])


def enqueue_processing(review_request_id: int, upload_ids: Iterable[int] | None = None) -> None:
    """Queue the processing of a request's uploads (or of these new ones of it)."""
    if upload_ids is None:
        upload_ids = Upload.objects.filter(request_id=review_request_id).values_list(
            "pk", flat=True
        )
    for upload_id in tasks_to_queue(upload_ids):
        process_upload.enqueue(upload_id)


@task
def process_upload(upload_id: int, again: bool = False) -> None:
    """Summaries, previews and triage checks for one upload; safe to run again (intake.processing.keep).

    A pending loose DICOM file is processed with its request's other pending loose files; an upload
    already processed is left as it is unless `again`."""
    keep.process_upload(upload_id, again=again)
