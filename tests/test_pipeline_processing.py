"""Uploads submitted through the real form are processed by the task: rows, previews, checks, summary."""

import datetime
import hashlib

import pydicom
import pytest
from django.utils import timezone
from PIL import ExifTags

from intake.enums import UploadStatus
from intake.imaging import CheckCode, reasons
from intake.imaging import pipeline as imaging_pipeline
from intake.models import Preview, Series, Study, imaging_summary_line, short_date
from intake.processing import keep as processing
from tests.factories import (
    PYDICOM_TEST_FILES,
    jpeg_with_gps_bytes,
    mr_bytes,
    mr_small_bytes,
    pdf_bytes,
    zipped_dicom_cd,
)
from tests.intake_support import intake_settings  # noqa: F401
from tests.pipeline_support import preview_image, submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_settings")]


def check_codes(review_request) -> set[str]:
    return set(review_request.triage_checks.values_list("code", flat=True))


@pytest.mark.every_storage
def test_a_single_mr_file_gives_a_study_a_series_and_a_png_preview(
    client, django_capture_on_commit_callbacks
):
    review_request = submit(
        client, django_capture_on_commit_callbacks, [("mr.dcm", mr_small_bytes())]
    )

    [upload] = review_request.uploads.all()
    assert upload.status == UploadStatus.PROCESSED
    assert upload.failure_reason == ""
    assert upload.processed_at is not None
    [study] = Study.objects.filter(upload=upload)
    header = pydicom.dcmread(PYDICOM_TEST_FILES / "MR_small.dcm")
    assert study.study_instance_uid == header.StudyInstanceUID
    assert study.study_date == datetime.date(2004, 8, 26)
    assert study.institution == "TOSHIBA"
    assert study.patient_name == str(header.PatientName)
    assert study.instance_count == 1
    [series] = study.series.all()
    assert (series.modality, series.instance_count) == ("MR", 1)
    assert series.series_instance_uid == header.SeriesInstanceUID
    image = preview_image(series.preview)
    assert max(image.size) >= 64
    assert series.preview.file.name.startswith("previews/")
    assert imaging_summary_line(review_request) == "MR, 26 Aug 2004, 1 series, 1 image"


@pytest.mark.every_storage
def test_the_original_file_is_never_altered(
    client, django_capture_on_commit_callbacks, private_storage
):
    data = mr_small_bytes()
    review_request = submit(client, django_capture_on_commit_callbacks, [("mr.dcm", data)])

    [upload] = review_request.uploads.all()
    stored = private_storage.read(upload.file.name)
    assert stored == data
    assert hashlib.sha256(stored).hexdigest() == upload.sha256


def test_a_recent_lumbar_mr_with_report_reads_as_one_summary_line(
    client, django_capture_on_commit_callbacks
):
    scan_day = timezone.localdate() - datetime.timedelta(days=40)
    mr = mr_bytes(
        StudyDate=f"{scan_day:%Y%m%d}",
        BodyPartExamined="LSPINE",
        PatientName="LOPEZ^MARIA",
        PatientBirthDate="19680327",
    )
    review_request = submit(
        client,
        django_capture_on_commit_callbacks,
        [("mr.dcm", mr), ("report.pdf", pdf_bytes())],
        first_name="Maria",
        last_name="Lopez",
        date_of_birth="03/27/1968",
    )

    assert imaging_summary_line(review_request) == (
        f"MR lumbar spine, {short_date(scan_day)}, 1 series, 1 image, with report"
    )
    assert check_codes(review_request) == set()
    assert set(review_request.uploads.values_list("status", flat=True)) == {UploadStatus.PROCESSED}
    pdf = review_request.uploads.get(kind="pdf")
    assert pdf.result.documents == [
        {"name": "report.pdf", "page_count": 1, "preview_key": "pdf:report.pdf"}
    ]
    [page] = Preview.objects.filter(upload=pdf)
    assert page.series is None
    preview_image(page)


def test_a_birth_date_in_the_images_that_differs_from_the_form_is_a_check(
    client, django_capture_on_commit_callbacks
):
    mr = mr_bytes(BodyPartExamined="LSPINE", PatientName="LOPEZ^MARIA", PatientBirthDate="19700101")
    review_request = submit(
        client,
        django_capture_on_commit_callbacks,
        [("mr.dcm", mr)],
        first_name="Maria",
        last_name="Lopez",
        date_of_birth="03/27/1968",
    )

    assert check_codes(review_request) == {CheckCode.BIRTH_DATE_DIFFERS, CheckCode.STUDY_OLD}
    message = review_request.triage_checks.get(code=CheckCode.BIRTH_DATE_DIFFERS).message
    assert "01 Jan 1970" in message
    assert Study.objects.get(upload__request=review_request).patient_birth_date == datetime.date(
        1970, 1, 1
    )


def counted_independently() -> tuple[int, int, int]:
    studies, series, instances = set(), set(), set()
    for folder in ("77654033", "98892001", "98892003"):
        for path in (PYDICOM_TEST_FILES / "dicomdirtests" / folder).rglob("*"):
            if path.is_file():
                ds = pydicom.dcmread(path)
                studies.add(ds.StudyInstanceUID)
                series.add(ds.SeriesInstanceUID)
                instances.add(ds.SOPInstanceUID)
    return len(studies), len(series), len(instances)


@pytest.mark.every_storage
def test_a_zipped_cd_gives_every_study_and_series_with_a_preview_each(
    client, django_capture_on_commit_callbacks
):
    review_request = submit(
        client, django_capture_on_commit_callbacks, [("cd.zip", zipped_dicom_cd())]
    )

    [upload] = review_request.uploads.all()
    assert upload.status == UploadStatus.PROCESSED
    studies, series, instances = counted_independently()
    assert Study.objects.filter(upload=upload).count() == studies
    assert Series.objects.filter(study__upload=upload).count() == series
    assert sum(s.instance_count for s in Series.objects.filter(study__upload=upload)) == instances
    assert sum(s.instance_count for s in Study.objects.filter(upload=upload)) == instances
    previews = Preview.objects.filter(upload=upload)
    assert previews.count() == series
    assert all(p.series_id for p in previews)
    for preview in previews:
        preview_image(preview)
    assert any("DICOMDIR" in note for note in upload.result.notes)
    assert f"{series} series, {instances} images" in imaging_summary_line(review_request)


def test_a_photo_with_gps_gives_a_preview_without_any_exif(
    client, django_capture_on_commit_callbacks
):
    review_request = submit(
        client, django_capture_on_commit_callbacks, [("film.jpg", jpeg_with_gps_bytes())]
    )

    [upload] = review_request.uploads.all()
    assert upload.status == UploadStatus.PROCESSED
    [preview] = upload.previews.all()
    image = preview_image(preview)
    assert len(image.getexif()) == 0
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    with preview.file.open("rb") as f:
        png = f.read()
    assert b"Exif" not in png
    assert b"PhoneMaker" not in png
    assert upload.result.photos[0]["width"] == 80
    assert imaging_summary_line(review_request) == "No scan images, 1 photo"
    assert check_codes(review_request) == {CheckCode.NO_IMAGES}


def test_a_truncated_dicom_fails_with_a_reason_in_plain_words(
    client, django_capture_on_commit_callbacks
):
    truncated = (PYDICOM_TEST_FILES / "MR_truncated.dcm").read_bytes()
    review_request = submit(
        client,
        django_capture_on_commit_callbacks,
        [("broken.dcm", truncated), ("mr.dcm", mr_small_bytes())],
    )

    broken = review_request.uploads.get(original_name="broken.dcm")
    assert broken.status == UploadStatus.FAILED
    assert broken.failure_reason == reasons.NOT_DICOM_IMAGE
    assert not broken.studies.exists()
    assert not broken.previews.exists()
    assert CheckCode.UNREADABLE_FILES in check_codes(review_request)
    assert imaging_summary_line(review_request).endswith("1 file(s) could not be read")


def test_checks_are_recomputed_over_every_upload_of_the_request(
    client, django_capture_on_commit_callbacks
):
    review_request = submit(
        client,
        django_capture_on_commit_callbacks,
        [("film.jpg", jpeg_with_gps_bytes()), ("mr.dcm", mr_small_bytes())],
    )
    # With the MR processed, "no images" no longer holds for the request as a whole.
    assert CheckCode.NO_IMAGES not in check_codes(review_request)

    mr = review_request.uploads.get(original_name="mr.dcm")
    mr.studies.all().delete()
    processing.refresh_checks(review_request)
    assert CheckCode.NO_IMAGES in check_codes(review_request)


def test_the_checks_are_computed_once_per_request_not_per_file_as_well(
    client, django_capture_on_commit_callbacks, monkeypatch
):
    """The worker reads each file without its own checks (they were thrown away) and checks the
    request over all its files once per upload processed."""
    calls = []

    def counted(results, **options):
        calls.append(len(results))
        return []

    monkeypatch.setattr(imaging_pipeline, "run_checks", counted)
    monkeypatch.setattr(processing, "run_checks", counted)
    submit(client, django_capture_on_commit_callbacks, [("mr.dcm", mr_small_bytes())])
    assert calls == [1]
