"""Uploads are processed by the real database queue and the real worker process, not the web request."""

import pytest
from django.core.cache import cache
from django_tasks_db.models import DBTaskResult

from intake.enums import UploadStatus
from intake.models import Preview, ReviewRequest, Study, imaging_summary_line
from tests.factories import mr_small_bytes, zipped_dicom_cd
from tests.intake_support import post_request, run_db_worker
from tests.pipeline_support import preview_files, preview_image

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.every_storage]


def test_the_db_worker_processes_each_upload_after_the_request_is_kept(
    client, tmp_path, private_storage
):
    cache.clear()
    post_request(client, files=[("mr.dcm", mr_small_bytes()), ("cd.zip", zipped_dicom_cd())])
    review_request = ReviewRequest.objects.get()
    # Nothing is processed in the web request: two e-mails and one task per upload wait in the queue.
    assert set(review_request.uploads.values_list("status", flat=True)) == {UploadStatus.PENDING}
    queued = DBTaskResult.objects.filter(task_path="intake.processing.tasks.process_upload")
    assert queued.count() == 2
    assert not Study.objects.exists()

    run_db_worker(tmp_path, private_storage)

    assert {task.status for task in DBTaskResult.objects.all()} == {"SUCCESSFUL"}
    assert set(review_request.uploads.values_list("status", flat=True)) == {UploadStatus.PROCESSED}
    previews = Preview.objects.filter(upload__request=review_request)
    assert previews.count() > 1
    assert preview_files(private_storage) == set(previews.values_list("file", flat=True))
    for preview in previews:
        preview_image(preview)
    assert imaging_summary_line(review_request).startswith("CR/CT/MR cervical spine and head, ")
