"""Retention: files (and optionally requests) of requests closed long ago go, with a record; nightly-safe."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from intake.enums import ReviewStatus
from intake.models import AccessLog, Note, ReviewRequest, StatusChange, Upload
from tests.factories import ReviewRequestFactory, UploadFactory
from tests.triage_support import COORDINATOR, staff_user

pytestmark = pytest.mark.django_db


def finished(days_ago: int, status=ReviewStatus.CLOSED) -> ReviewRequest:
    user = staff_user(f"u{ReviewRequest.objects.count()}@example.org", role=COORDINATOR)
    obj = ReviewRequestFactory(status=status)
    UploadFactory(request=obj)
    UploadFactory(request=obj)
    StatusChange.objects.create(
        request=obj,
        from_status=ReviewStatus.PATIENT_CONTACTED,
        to_status=status,
        changed_by=user,
        changed_at=timezone.now() - datetime.timedelta(days=days_ago),
    )
    Note.objects.create(request=obj, author=user, text="Done.")
    return obj


@pytest.fixture
def retention(settings):
    settings.INTAKE_RETENTION_DAYS = 90
    return settings


@pytest.mark.every_storage
def test_files_of_requests_closed_long_ago_are_removed_with_a_record(
    retention, private_storage, django_capture_on_commit_callbacks
):
    old = finished(120)
    old_spam = finished(100, ReviewStatus.SPAM)
    recent = finished(30)
    still_open = ReviewRequestFactory(submitted_at=timezone.now() - datetime.timedelta(days=400))
    UploadFactory(request=still_open)
    old_names = [u.file.name for u in Upload.objects.filter(request=old)]
    assert all(private_storage.exists(name) for name in old_names)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("apply_retention")

    assert not Upload.objects.filter(request__in=[old, old_spam]).exists()
    assert not any(private_storage.exists(name) for name in old_names)
    assert Upload.objects.filter(request=recent).count() == 2
    assert Upload.objects.filter(request=still_open).count() == 1
    assert ReviewRequest.objects.filter(pk=old.pk).exists()  # only files without --delete-requests
    records = AccessLog.objects.filter(action="retention_files")
    assert sorted(records.values_list("reference", flat=True)) == sorted(
        [old.reference, old_spam.reference]
    )
    assert all(r.user is None and r.detail == "2 file(s) removed" for r in records)


def test_running_it_again_changes_nothing(retention, capsys):
    finished(120)
    call_command("apply_retention")
    call_command("apply_retention")
    assert capsys.readouterr().out.splitlines()[-1] == "Removed 0 file(s) and 0 request(s)."
    assert AccessLog.objects.count() == 1


def test_delete_requests_removes_the_whole_request(retention):
    old = finished(120)
    recent = finished(10)
    call_command("apply_retention", "--delete-requests")
    assert list(ReviewRequest.objects.all()) == [recent]
    assert not Note.objects.filter(request_id=old.pk).exists()
    assert set(AccessLog.objects.filter(request_id=old.pk).values_list("action", flat=True)) == {
        "retention_files",
        "retention_request",
    }
    call_command("apply_retention", "--delete-requests")
    assert AccessLog.objects.count() == 2


def test_dry_run_changes_nothing(retention, capsys):
    finished(120)
    call_command("apply_retention", "--dry-run")
    assert "Would remove 2 file(s) and 0 request(s)." in capsys.readouterr().out
    assert Upload.objects.count() == 2
    assert not AccessLog.objects.exists()
