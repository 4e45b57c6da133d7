"""The task the worker runs once per upload, and how a kept request queues them."""

from django.tasks import task

from intake.models import Upload
from intake.processing import keep


def enqueue_processing(review_request_id: int) -> None:
    for upload_id in Upload.objects.filter(request_id=review_request_id).values_list(
        "pk", flat=True
    ):
        process_upload.enqueue(upload_id)


@task
def process_upload(upload_id: int) -> None:
    """Summaries, previews and triage checks for one upload; safe to run again (intake.processing.keep)."""
    keep.process_upload(upload_id)
