"""`manage.py process_uploads` queues the pipeline again for uploads left pending (the worker does not
retry), and with --all for every upload; processing again changes nothing."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from intake.enums import UploadStatus
from intake.models import Series
from intake.rules import FileKind
from tests.factories import UploadFactory, mr_small_bytes
from tests.intake_support import intake_settings  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_settings")]


def mr_upload(**kwargs):
    return UploadFactory(content=mr_small_bytes(), kind=FileKind.DICOM, **kwargs)


def test_old_pending_uploads_are_processed_and_new_ones_left_to_their_own_task(capsys):
    stuck = mr_upload(created_at=timezone.now() - datetime.timedelta(hours=2))
    fresh = mr_upload()

    call_command("process_uploads")

    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.status == UploadStatus.PROCESSED
    assert fresh.status == UploadStatus.PENDING
    assert "Queued 1 upload(s)" in capsys.readouterr().out


def test_all_processes_every_upload_again_without_duplicates():
    upload = mr_upload()
    call_command("process_uploads", "--all")
    call_command("process_uploads", "--all")

    upload.refresh_from_db()
    assert upload.status == UploadStatus.PROCESSED
    assert Series.objects.filter(study__upload=upload).count() == 1
    assert upload.previews.count() == 1
