"""Processing an upload again gives the same rows and replaces its preview files; a crash part-way
leaves nothing half-kept and a re-run completes the work."""

import pytest
from django.tasks import TaskResultStatus

from intake.enums import UploadStatus
from intake.models import Preview, Series, Study, TriageCheck, UploadResult
from intake.processing.tasks import process_upload
from tests.factories import mr_small_bytes, zipped_dicom_cd
from tests.intake_support import intake_settings  # noqa: F401
from tests.pipeline_support import preview_files, submit, use_failing_storage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_settings")]


def snapshot(upload) -> dict:
    return {
        "status": upload.status,
        "studies": sorted(
            Study.objects.filter(upload=upload).values_list("study_instance_uid", "instance_count")
        ),
        "series": sorted(
            Series.objects.filter(study__upload=upload).values_list(
                "series_instance_uid", "instance_count"
            )
        ),
        "previews": sorted(
            Preview.objects.filter(upload=upload).values_list("key", "label", "width", "height")
        ),
        "checks": list(
            TriageCheck.objects.filter(request=upload.request).values_list("code", "message")
        ),
        "results": UploadResult.objects.filter(upload=upload).count(),
    }


def kept_preview_files() -> set[str]:
    return set(Preview.objects.values_list("file", flat=True))


@pytest.mark.every_storage
def test_processing_twice_gives_the_same_rows_and_no_orphan_preview_files(
    client, django_capture_on_commit_callbacks, private_storage
):
    review_request = submit(
        client, django_capture_on_commit_callbacks, [("cd.zip", zipped_dicom_cd())]
    )
    [upload] = review_request.uploads.all()
    first = snapshot(upload)
    first_files = preview_files(private_storage)
    assert first["previews"]
    assert first_files == kept_preview_files()

    # The earlier run's files are deleted once the new rows are committed.
    with django_capture_on_commit_callbacks(execute=True):
        assert process_upload.enqueue(upload.pk, again=True).status == TaskResultStatus.SUCCESSFUL
    upload.refresh_from_db()

    assert snapshot(upload) == first
    second_files = preview_files(private_storage)
    assert second_files == kept_preview_files()
    assert len(second_files) == len(first_files)
    assert not first_files & second_files  # the earlier run's files were replaced, not kept beside


def test_a_crash_part_way_keeps_nothing_and_a_second_run_completes(
    client, django_capture_on_commit_callbacks, settings, private_storage
):
    use_failing_storage(settings, fail_on_save=2)  # after the studies, series and one preview
    review_request = submit(
        client, django_capture_on_commit_callbacks, [("cd.zip", zipped_dicom_cd())]
    )
    [upload] = review_request.uploads.all()

    assert upload.status == UploadStatus.PENDING
    assert not Study.objects.filter(upload=upload).exists()
    assert not Preview.objects.filter(upload=upload).exists()
    assert not UploadResult.objects.filter(upload=upload).exists()
    assert preview_files(private_storage) == set()  # the one preview written was removed

    with django_capture_on_commit_callbacks(execute=True):
        result = process_upload.enqueue(upload.pk)

    assert result.status == TaskResultStatus.SUCCESSFUL
    upload.refresh_from_db()
    assert upload.status == UploadStatus.PROCESSED
    assert Study.objects.filter(upload=upload).exists()
    assert preview_files(private_storage) == kept_preview_files() != set()


def test_a_crash_while_processing_again_keeps_the_earlier_results(
    client, django_capture_on_commit_callbacks, settings, private_storage
):
    review_request = submit(
        client, django_capture_on_commit_callbacks, [("mr.dcm", mr_small_bytes())]
    )
    [upload] = review_request.uploads.all()
    before = snapshot(upload)
    files_before = preview_files(private_storage)

    use_failing_storage(settings, fail_on_save=1)
    with django_capture_on_commit_callbacks(execute=True):
        result = process_upload.enqueue(upload.pk, again=True)

    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class_path == "builtins.OSError"
    upload.refresh_from_db()
    assert snapshot(upload) == before
    assert preview_files(private_storage) == files_before == kept_preview_files()


def test_a_task_for_an_upload_already_processed_leaves_it_as_it_is(
    client, django_capture_on_commit_callbacks, private_storage
):
    """E.g. a loose file processed with its request's other loose files, whose own task runs later."""
    review_request = submit(
        client, django_capture_on_commit_callbacks, [("mr.dcm", mr_small_bytes())]
    )
    [upload] = review_request.uploads.all()
    before, files = snapshot(upload), preview_files(private_storage)

    with django_capture_on_commit_callbacks(execute=True):
        assert process_upload.enqueue(upload.pk).status == TaskResultStatus.SUCCESSFUL

    assert snapshot(upload) == before
    assert preview_files(private_storage) == files


def test_a_deleted_upload_is_skipped_quietly(client, django_capture_on_commit_callbacks):
    review_request = submit(
        client, django_capture_on_commit_callbacks, [("mr.dcm", mr_small_bytes())]
    )
    [upload] = review_request.uploads.all()
    upload.delete()

    assert process_upload.enqueue(upload.pk).status == TaskResultStatus.SUCCESSFUL
