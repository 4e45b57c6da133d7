"""Uploads are processed by the real database queue and the real worker process, not the web request."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django_tasks_db.models import DBTaskResult

from intake.enums import UploadStatus
from intake.models import Preview, ReviewRequest, Study, imaging_summary_line
from tests.factories import mr_small_bytes, zipped_dicom_cd
from tests.intake_support import post_request
from tests.pipeline_support import preview_files, preview_image

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.every_storage]


def run_worker(tmp_path: Path, private_storage) -> None:
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "EMAIL_BACKEND": "file",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        **private_storage.environment(),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_db_worker_processes_each_upload_after_the_request_is_kept(
    client, tmp_path, private_storage
):
    cache.clear()
    post_request(client, files=[("mr.dcm", mr_small_bytes()), ("cd.zip", zipped_dicom_cd())])
    review_request = ReviewRequest.objects.get()
    # Nothing is processed in the web request: two e-mails and one task per upload wait in the queue.
    assert set(review_request.uploads.values_list("status", flat=True)) == {UploadStatus.PENDING}
    queued = DBTaskResult.objects.filter(task_path="intake.tasks.process_upload")
    assert queued.count() == 2
    assert not Study.objects.exists()

    run_worker(tmp_path, private_storage)

    assert {task.status for task in DBTaskResult.objects.all()} == {"SUCCESSFUL"}
    assert set(review_request.uploads.values_list("status", flat=True)) == {UploadStatus.PROCESSED}
    previews = Preview.objects.filter(upload__request=review_request)
    assert previews.count() > 1
    assert preview_files(private_storage) == set(previews.values_list("file", flat=True))
    for preview in previews:
        preview_image(preview)
    assert imaging_summary_line(review_request).startswith("CR/CT/MR cervical spine and head, ")
