"""An upload whose file is gone from storage (removed by retention, or by hand) fails once, in plain
words, instead of making its task fail again at every retry."""

import pytest
from django.tasks import TaskResultStatus

from intake.enums import UploadStatus
from intake.imaging import reasons
from intake.models import Preview, Study
from intake.processing.tasks import process_upload
from tests.factories import mr_small_bytes
from tests.intake_support import intake_settings  # noqa: F401
from tests.pipeline_support import preview_files, submit

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("intake_settings"),
    pytest.mark.every_storage,
]


def test_an_upload_whose_file_is_gone_fails_with_a_reason_and_keeps_no_old_results(
    client, django_capture_on_commit_callbacks, private_storage
):
    review_request = submit(
        client, django_capture_on_commit_callbacks, [("mr.dcm", mr_small_bytes())]
    )
    [upload] = review_request.uploads.all()
    assert upload.status == UploadStatus.PROCESSED
    upload.file.storage.delete(upload.file.name)  # what retention does

    with django_capture_on_commit_callbacks(execute=True):
        assert process_upload.enqueue(upload.pk, again=True).status == TaskResultStatus.SUCCESSFUL

    upload.refresh_from_db()
    assert upload.status == UploadStatus.FAILED
    assert upload.failure_reason == reasons.FILE_NOT_STORED
    assert "no longer stored" in upload.failure_reason
    assert not Study.objects.filter(upload=upload).exists()
    assert not Preview.objects.filter(upload=upload).exists()
    assert preview_files(private_storage) == set()
    assert private_storage.names() == []
