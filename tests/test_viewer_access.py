"""Who may open the image viewer, what it writes to the access log, and what its data views answer."""

from http import HTTPStatus

import numpy as np
import pytest

from intake.models import AccessLog, ImageSlice
from intake.processing import keep
from intake.rules import FileKind
from tests.factories import (
    ReviewRequestFactory,
    UploadFactory,
    jpeg_bytes,
    mr_small_bytes,
    pdf_bytes,
)
from tests.triage_support import COORDINATOR, SURGEON, otp_login, staff_user
from tests.viewer_support import (
    MARKS,
    axial,
    frames_url,
    parse_frames,
    sagittal,
    series_files,
    slice_pixels,
    zipped_study,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def study():
    """A request whose zipped CD holds a sagittal and an axial series, processed."""
    upload = UploadFactory(
        content=zipped_study(sagittal(count=5), axial(count=6)),
        kind=FileKind.ZIP,
        original_name="cd.zip",
    )
    keep.process_upload(upload.pk)
    return upload.request


def viewer_url(review_request) -> str:
    return f"/mri-review/viewer/{review_request.pk}/"


def open_viewer(client, review_request, role=SURGEON):
    otp_login(client, staff_user(role=role))
    response = client.get(viewer_url(review_request))
    assert response.status_code == HTTPStatus.OK
    return client.get(f"{viewer_url(review_request)}index/").json()


def fetch_slices(client, review_request, *ids) -> list[np.ndarray]:
    response = client.get(frames_url(review_request.pk, *ids))
    assert response.status_code == HTTPStatus.OK
    assert response["Cache-Control"] == "private, no-store"
    parts = parse_frames(b"".join(response.streaming_content))
    assert [header["id"] for header, _ in parts] == list(ids)
    assert all(header["format"] == "u2" for header, _ in parts)
    return [values for _, values in parts]


def test_anonymous_visitors_are_sent_to_sign_in(client, study):
    for url in (viewer_url(study), f"{viewer_url(study)}index/"):
        response = client.get(url)
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith("/admin/login/")


def test_staff_without_a_role_are_refused_and_nothing_is_logged(client, study):
    otp_login(client, staff_user())
    assert client.get(viewer_url(study)).status_code == HTTPStatus.FORBIDDEN
    assert client.get(f"{viewer_url(study)}index/").status_code == HTTPStatus.FORBIDDEN
    assert not AccessLog.objects.exists()


def test_a_guessed_request_id_is_not_found(client, study):
    otp_login(client, staff_user(role=SURGEON))
    assert client.get("/mri-review/viewer/999999/").status_code == HTTPStatus.NOT_FOUND


def test_opening_a_study_writes_one_access_record_however_many_slices_load(client, study):
    index = open_viewer(client, study)
    ids = [s["id"] for series in index["series"] for s in series["slices"]]
    assert len(ids) == 11
    for i in ids:  # one by one, as scrolling may ask
        fetch_slices(client, study, i)
    assert len(fetch_slices(client, study, *ids)) == 11
    record = AccessLog.objects.get()
    assert (record.action, record.request_id, record.reference) == (
        "viewer",
        study.pk,
        study.reference,
    )


def test_data_views_answer_only_for_a_viewer_opened_in_this_session(client, study):
    otp_login(client, staff_user(role=COORDINATOR))
    slice_pk = ImageSlice.objects.filter(upload__request=study).first().pk
    assert client.get(f"{viewer_url(study)}index/").status_code == HTTPStatus.FORBIDDEN
    frame_url = frames_url(study.pk, slice_pk)
    assert client.get(frame_url).status_code == HTTPStatus.FORBIDDEN
    client.get(viewer_url(study))
    assert client.get(frame_url).status_code == HTTPStatus.OK


def test_a_slice_of_another_request_is_not_found_through_this_one(client, study):
    other = ReviewRequestFactory()
    open_viewer(client, other)
    slice_pk = ImageSlice.objects.filter(upload__request=study).first().pk
    assert client.get(frames_url(other.pk, slice_pk)).status_code == 404
    own = ImageSlice.objects.filter(upload__request=other).values_list("pk", flat=True)
    assert client.get(frames_url(other.pk, *own, slice_pk)).status_code == 404


def test_a_request_for_no_slices_or_too_many_is_refused(client, study):
    open_viewer(client, study)
    ids = list(ImageSlice.objects.filter(upload__request=study).values_list("pk", flat=True))
    assert client.get(f"{viewer_url(study)}slices/").status_code == 400
    assert client.get(f"{viewer_url(study)}slices/?id=x").status_code == 400
    assert client.get(frames_url(study.pk, *(ids * 2))).status_code == 400  # 22 > 16


def test_the_index_lists_series_with_orientation_count_and_thickness(client, study):
    index = open_viewer(client, study)
    summary = [
        (s["description"], s["orientation"], s["count"], s["thickness"]) for s in index["series"]
    ]
    assert summary == [("T2 SAG", "sagittal", 5, 4.0), ("T2 AX", "axial", 6, 3.0)]
    sag = index["series"][0]
    assert sag["markers"] == {"left": "A", "right": "P", "top": "S", "bottom": "I"}
    assert [s["location"] for s in sag["slices"]] == [f"R {x}.0 mm" for x in (28, 24, 20, 16, 12)]
    assert sag["slices"][0]["spacing"] == [1.0, 1.0]


@pytest.mark.every_storage
def test_a_slice_is_read_from_the_stored_cd_exactly(client, study):
    index = open_viewer(client, study)
    sag = index["series"][0]
    (pixels,) = fetch_slices(client, study, sag["slices"][1]["id"])
    expected = slice_pixels(sagittal(count=5), 1)
    assert np.array_equal(pixels, expected)
    column, row = MARKS[0]
    assert pixels[row, column] == 4000


def test_a_single_dicom_file_and_photos_and_reports_are_listed(client):
    mr = UploadFactory(content=mr_small_bytes(), kind=FileKind.DICOM, original_name="mr.dcm")
    review_request = mr.request
    photo = UploadFactory(
        request=review_request, content=jpeg_bytes(), kind=FileKind.JPEG, original_name="film.jpg"
    )
    report = UploadFactory(
        request=review_request, content=pdf_bytes(), kind=FileKind.PDF, original_name="report.pdf"
    )
    for upload in (mr, photo, report):
        keep.process_upload(upload.pk)
    index = open_viewer(client, review_request)
    assert [s["count"] for s in index["series"]] == [1]
    kinds = [(d["kind"], d["name"], len(d["pages"])) for d in index["documents"]]
    assert kinds == [("photo", "film.jpg", 1), ("report", "report.pdf", 1)]
    for document in index["documents"]:
        response = client.get(document["pages"][0])
        assert response.status_code == HTTPStatus.OK
        assert response["Content-Type"] == "image/png"
        assert response.content.startswith(b"\x89PNG")
    assert client.get(index["documents"][1]["pages"][0].replace("/1/", "/2/")).status_code == 404
    assert AccessLog.objects.filter(action="viewer").count() == 1


def test_a_series_of_1000_slices_is_indexed_in_order_and_each_slice_reads_alone(client):
    ct = axial(count=1000, side=16, spacing=0.7)
    upload = UploadFactory(content=zipped_study(ct), kind=FileKind.ZIP, original_name="ct.zip")
    keep.process_upload(upload.pk)
    index = open_viewer(client, upload.request)
    (series,) = index["series"]
    assert series["count"] == 1000
    assert [s["number"] for s in series["slices"]] == list(range(1, 1001))
    (last,) = fetch_slices(client, upload.request, series["slices"][-1]["id"])
    assert np.array_equal(last, slice_pixels(ct, 999))


def test_loose_files_of_one_series_are_one_series_and_a_file_sent_twice_counts_once(client):
    files = series_files(sagittal(count=3), study_uid="1.2.826.0.1.3680043.8.498.1")
    first = UploadFactory(content=files[0], kind=FileKind.DICOM, original_name="1.dcm")
    uploads = [first] + [
        UploadFactory(request=first.request, content=data, kind=FileKind.DICOM, original_name="x")
        for data in (files[1], files[2], files[2])
    ]
    for upload in uploads:
        keep.process_upload(upload.pk)
    index = open_viewer(client, first.request)
    assert [(s["description"], s["count"]) for s in index["series"]] == [("T2 SAG", 3)]


def test_a_damaged_stored_file_answers_with_an_error_for_that_slice_not_a_500(client, study):
    index = open_viewer(client, study)
    ids = [s["id"] for s in index["series"][0]["slices"][:2]]
    upload = study.uploads.get()
    with upload.file.storage.open(upload.file.name, "wb") as stored:  # the bytes, not the name
        stored.write(b"PK\x03\x04" + b"\x00" * 4096)
    response = client.get(frames_url(study.pk, *ids))
    assert response.status_code == HTTPStatus.OK
    parts = parse_frames(b"".join(response.streaming_content))
    assert [(header["id"], header.get("error"), values) for header, values in parts] == [
        (i, "This slice could not be decoded.", None) for i in ids
    ]
