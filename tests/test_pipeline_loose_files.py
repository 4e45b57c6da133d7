"""Loose DICOM files (one upload per file) get one preview per series, as a zipped CD does (issue #20):
the middle slice, chosen across every upload of the request once the last one is read; headers only
for the rest."""

import io

import pydicom
import pytest
from django.tasks import TaskResultStatus

from intake.enums import UploadStatus
from intake.imaging import dicom
from intake.models import Preview, ReviewRequest, Series, imaging_summary_line
from intake.processing import keep as processing
from intake.processing.tasks import process_upload
from tests.factories import PYDICOM_TEST_FILES, jpeg_with_gps_bytes, mr_bytes
from tests.intake_support import intake_settings, post_request  # noqa: F401
from tests.pipeline_support import preview_files, preview_image, submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_settings")]

STUDY = "1.2.826.0.1.3680043.8.498.1"
SAGITTAL = "1.2.826.0.1.3680043.8.498.1.1"
AXIAL = "1.2.826.0.1.3680043.8.498.1.2"


def slice_file(series: str, number: int, description: str) -> tuple[str, bytes]:
    return (
        f"IM{series[-1]}{number:03d}.dcm",
        mr_bytes(
            StudyInstanceUID=STUDY,
            SeriesInstanceUID=series,
            SOPInstanceUID=f"{series}.{number}",
            InstanceNumber=number,
            SeriesDescription=description,
        ),
    )


def two_series(sagittal=7, axial=4) -> list[tuple[str, bytes]]:
    files = [slice_file(SAGITTAL, n, "T2 SAG") for n in range(1, sagittal + 1)]
    files += [slice_file(AXIAL, n, "T2 AX") for n in range(1, axial + 1)]
    return files[::2] + files[1::2]  # the series interleaved, out of order, as a folder may be


def previews_by_key(review_request) -> dict[str, str]:
    """{series key: the original name of the upload whose slice is the preview}"""
    return dict(
        Preview.objects.filter(upload__request=review_request).values_list(
            "key", "upload__original_name"
        )
    )


def test_loose_files_get_one_preview_per_series_from_the_middle_slice(
    client, django_capture_on_commit_callbacks
):
    review_request = submit(client, django_capture_on_commit_callbacks, two_series())

    assert set(review_request.uploads.values_list("status", flat=True)) == {UploadStatus.PROCESSED}
    # 7 sagittal slices: the middle is the 4th (index 3); 4 axial: index 2, the 3rd.
    assert previews_by_key(review_request) == {
        f"series:{SAGITTAL}": "IM1004.dcm",
        f"series:{AXIAL}": "IM2003.dcm",
    }
    sagittal = Preview.objects.get(key=f"series:{SAGITTAL}")
    assert sagittal.label == "MR, T2 SAG, 7 images"
    assert sagittal.series.series_instance_uid == SAGITTAL
    assert sagittal.series.study.upload == sagittal.upload
    assert max(preview_image(sagittal).size) >= 64
    assert imaging_summary_line(review_request) == "MR, 26 Aug 2004, 2 series, 11 images"


def test_only_one_slice_per_series_is_decoded(
    client, django_capture_on_commit_callbacks, monkeypatch
):
    decoded = []
    render = dicom.render_preview

    def counted(fileobj, frame=None):
        decoded.append(frame)
        return render(fileobj, frame)

    monkeypatch.setattr(dicom, "render_preview", counted)
    submit(client, django_capture_on_commit_callbacks, two_series(sagittal=15, axial=9))
    assert len(decoded) == 2


def test_processing_again_in_any_order_keeps_the_same_previews(
    client, django_capture_on_commit_callbacks, private_storage
):
    review_request = submit(client, django_capture_on_commit_callbacks, two_series())
    first = previews_by_key(review_request)
    first_files = preview_files(private_storage)

    for upload in review_request.uploads.order_by("-pk"):
        with django_capture_on_commit_callbacks(execute=True):
            result = process_upload.enqueue(upload.pk, again=True)
            assert result.status == TaskResultStatus.SUCCESSFUL

    assert previews_by_key(review_request) == first
    assert Preview.objects.count() == 2
    # Only the two files whose own upload was processed again were rendered again; nothing is orphaned.
    assert preview_files(private_storage) == set(Preview.objects.values_list("file", flat=True))
    assert len(preview_files(private_storage)) == len(first_files) == 2


def test_loose_files_are_read_together_and_previewed_once_nothing_is_pending(
    client, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(processing, "LOOSE_BATCH", 4)
    with django_capture_on_commit_callbacks(execute=False):  # kept; its tasks not run
        files = [*two_series(), ("film.jpg", jpeg_with_gps_bytes())]
        assert post_request(client, files=files).status_code == 302
    review_request = ReviewRequest.objects.latest("submitted_at")
    dicoms = review_request.uploads.filter(kind="dicom").order_by("pk")

    # The first file's task reads it and the next three (one batch); the others wait.
    processing.process_upload(dicoms[0].pk)
    statuses = list(dicoms.values_list("status", flat=True))
    assert statuses == [UploadStatus.PROCESSED] * 4 + [UploadStatus.PENDING] * 7
    # The task of a file already read leaves it; the next pending file's task reads the rest.
    processing.process_upload(dicoms[1].pk)
    assert review_request.uploads.pending().count() == 8
    processing.process_upload(dicoms[4].pk)
    processing.process_upload(dicoms[8].pk)
    assert not dicoms.filter(status=UploadStatus.PENDING).exists()

    # The photo is still pending: no previews of the series, no checks yet.
    assert not Preview.objects.exists()
    assert not review_request.triage_checks.exists()

    processing.process_upload(review_request.uploads.get(kind="jpeg").pk)
    assert previews_by_key(review_request) == {
        f"series:{SAGITTAL}": "IM1004.dcm",
        f"series:{AXIAL}": "IM2003.dcm",
        "photo:film.jpg": "film.jpg",
    }
    assert review_request.triage_checks.exists()  # the MR is not of the spine, for one


def test_a_middle_slice_that_does_not_decode_fails_and_its_neighbour_is_the_preview(
    client, django_capture_on_commit_callbacks
):
    files = [slice_file(SAGITTAL, n, "T2 SAG") for n in (1, 2, 4, 5)]
    truncated = pydicom.dcmread(PYDICOM_TEST_FILES / "MR_truncated.dcm")
    truncated.StudyInstanceUID, truncated.SeriesInstanceUID = STUDY, SAGITTAL
    truncated.SOPInstanceUID, truncated.InstanceNumber = f"{SAGITTAL}.3", 3
    buffer = io.BytesIO()
    truncated.save_as(buffer)
    files.insert(2, ("IM1003.dcm", buffer.getvalue()))

    review_request = submit(client, django_capture_on_commit_callbacks, files)

    broken = review_request.uploads.get(original_name="IM1003.dcm")
    assert broken.status == UploadStatus.FAILED
    assert broken.failure_reason
    assert not broken.studies.exists()
    [name] = previews_by_key(review_request).values()
    assert name in {"IM1002.dcm", "IM1004.dcm"}
    assert Series.objects.filter(study__upload__request=review_request).count() == 4


def test_files_sent_later_move_the_preview_to_the_new_middle(
    client, django_capture_on_commit_callbacks, private_storage
):
    review_request = submit(
        client,
        django_capture_on_commit_callbacks,
        [slice_file(SAGITTAL, n, "T2 SAG") for n in (1, 2, 3)],
    )
    assert previews_by_key(review_request) == {f"series:{SAGITTAL}": "IM1002.dcm"}

    # More files of the same series arrive in a second request's worth of uploads (as the
    # "send us more files" link adds them): they join the series once all are read.
    later = submit(
        client,
        django_capture_on_commit_callbacks,
        [slice_file(SAGITTAL, n, "T2 SAG") for n in (4, 5, 6, 7)],
    )
    later.uploads.update(request=review_request)
    last = review_request.uploads.order_by("pk").last()
    with django_capture_on_commit_callbacks(execute=True):
        processing.process_upload(last.pk, again=True)

    assert previews_by_key(review_request) == {f"series:{SAGITTAL}": "IM1004.dcm"}
    assert preview_files(private_storage) == set(Preview.objects.values_list("file", flat=True))


def test_a_kept_request_queues_one_task_per_batch_of_loose_files(monkeypatch):
    from intake.processing.tasks import tasks_to_queue
    from tests.factories import UploadFactory

    monkeypatch.setattr(processing, "LOOSE_BATCH", 4)
    photo = UploadFactory(original_name="film.png")
    dicoms = [
        UploadFactory(request=photo.request, content=mr_bytes(), kind="dicom") for _ in range(9)
    ]

    queued = tasks_to_queue(u.pk for u in [photo, *dicoms])

    assert queued == sorted([photo.pk, dicoms[0].pk, dicoms[4].pk, dicoms[8].pk])
    for upload_id in queued:
        processing.process_upload(upload_id)
    assert not photo.request.uploads.pending().exists()
    assert Preview.objects.filter(key__startswith="series:").count() == 1
