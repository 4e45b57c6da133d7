"""What a zipped CD holds besides its first-level DICOM files opens in the viewer too: photos of
films and PDF reports inside the ZIP, read from their recorded place in the stored archive."""

import io
import zipfile
from http import HTTPStatus

import numpy as np
import pydicom
import pytest
from PIL import Image

from intake.enums import UploadStatus
from intake.imaging import slices
from intake.models import ImageSlice, Preview, Upload, UploadResult
from intake.processing import keep
from intake.rules import FileKind
from tests.factories import UploadFactory, jpeg_bytes, mr_bytes
from tests.triage_support import SURGEON, otp_login, staff_user
from tests.viewer_support import (
    axial,
    cd_with_films_and_report,
    frames_url,
    parse_frames,
    photo_bytes,
    report_pdf,
    sagittal,
    series_files,
    slice_pixels,
)

pytestmark = pytest.mark.django_db

SPEC = sagittal(count=3, side=32)


def open_index(client, review_request) -> dict:
    otp_login(client, staff_user(role=SURGEON))
    assert client.get(f"/mri-review/viewer/{review_request.pk}/").status_code == HTTPStatus.OK
    return client.get(f"/mri-review/viewer/{review_request.pk}/index/").json()


def png_of(response) -> Image.Image:
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    return Image.open(io.BytesIO(response.content))


def without_central_directory(upload) -> None:
    """Cut the stored CD just before its central directory: only recorded places can be read."""
    path = upload.file.path
    with open(path, "rb") as stored, zipfile.ZipFile(stored) as archive:
        start = archive.start_dir
    with open(path, "r+b") as stored:
        stored.truncate(start)


@pytest.mark.every_storage
def test_photos_and_a_report_inside_a_zipped_cd_are_listed_and_open_page_by_page(client):
    upload = UploadFactory(
        content=cd_with_films_and_report(), kind=FileKind.ZIP, original_name="cd.zip"
    )
    keep.process_upload(upload.pk)
    index = open_index(client, upload.request)
    listed = [(d["kind"], d["name"], len(d["pages"])) for d in index["documents"]]
    assert listed == [
        ("photo", "FILMS/film.jpg (in cd.zip)", 1),
        ("photo", "FILMS/second.jpg (in cd.zip)", 1),
        ("report", "REPORT/report.pdf (in cd.zip)", 2),
    ]
    film = png_of(client.get(index["documents"][0]["pages"][0]))
    assert film.size == (30, 40)  # turned upright, as the pipeline shows it
    assert not film.info.get("exif")
    assert png_of(client.get(index["documents"][1]["pages"][0])).size == (64, 48)
    pages = [png_of(client.get(url)) for url in index["documents"][2]["pages"]]
    assert [page.size for page in pages] == [(1237, 1600), (1237, 1600)]  # 1,600 px high
    assert [s["count"] for s in index["series"]] == [3]


def test_a_member_is_read_from_its_recorded_place_without_the_archive_directory(client):
    upload = UploadFactory(
        content=cd_with_films_and_report(zipfile.ZIP_STORED), kind=FileKind.ZIP, original_name="cd"
    )
    keep.process_upload(upload.pk)
    index = open_index(client, upload.request)
    without_central_directory(upload)
    assert png_of(client.get(index["documents"][2]["pages"][1])).size == (1237, 1600)
    slice_id = index["series"][0]["slices"][2]["id"]
    response = client.get(frames_url(upload.request_id, slice_id))
    ((_, pixels),) = parse_frames(b"".join(response.streaming_content))
    assert np.array_equal(pixels, slice_pixels(SPEC, 2))


def test_wrong_member_numbers_pages_and_damaged_bytes_are_not_found_never_a_500(client):
    upload = UploadFactory(
        content=cd_with_films_and_report(zipfile.ZIP_STORED), kind=FileKind.ZIP, original_name="cd"
    )
    keep.process_upload(upload.pk)
    index = open_index(client, upload.request)
    report = index["documents"][2]["pages"][0]
    assert report.endswith("/1/?member=2")
    for wrong in ("?member=3", "?member=-1", "?member=x", "?member="):
        assert client.get(report.replace("?member=2", wrong)).status_code == 404
    assert client.get(report.replace("/1/?", "/3/?")).status_code == 404  # a 2-page report
    assert client.get(index["documents"][0]["pages"][0].replace("/1/?", "/2/?")).status_code == 404
    # The photo's bytes changed since it was processed: its CRC no longer matches.
    path = upload.file.path
    data = bytearray(open(path, "rb").read())  # noqa: SIM115 - read whole, then rewritten
    start = data.find(photo_bytes()[:64])
    data[start + 200 : start + 260] = b"\x00" * 60
    with open(path, "wb") as stored:
        stored.write(bytes(data))
    assert client.get(index["documents"][0]["pages"][0]).status_code == 404


def test_a_loose_upload_has_no_members_and_entries_kept_before_have_no_place(client):
    photo = UploadFactory(content=jpeg_bytes(), kind=FileKind.JPEG, original_name="film.jpg")
    cd = UploadFactory(
        request=photo.request,
        content=cd_with_films_and_report(),
        kind=FileKind.ZIP,
        original_name="cd.zip",
    )
    for upload in (photo, cd):
        keep.process_upload(upload.pk)
    # As an upload processed before the viewer noted places: the pipeline's entries alone.
    result = cd.result
    result.photos = [{k: v for k, v in p.items() if k != "member"} for p in result.photos]
    result.save()
    index = open_index(client, photo.request)
    assert [(d["name"], len(d["pages"])) for d in index["documents"]] == [
        ("film.jpg", 1),
        ("REPORT/report.pdf (in cd.zip)", 2),
    ]
    url = index["documents"][0]["pages"][0]
    assert client.get(url).status_code == HTTPStatus.OK
    assert client.get(url + "?member=0").status_code == 404


# -- An archive inside the CD -----------------------------------------------------------------------

AX = axial(count=4, side=24)


def cd_with_a_zip_inside(inner_method: int, outer_method: int = zipfile.ZIP_STORED) -> bytes:
    """A CD whose sagittal series is loose in it and whose axial series, film and report are in
    "more.zip" inside it. Zip tools store a .zip inside a zip as it is (outer_method STORED)."""
    study = "1.2.826.0.1.3680043.8.498.9"
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", inner_method) as archive:
        archive.writestr("README.txt", b"x" * 5000)  # so the members do not start the archive
        for i, data in enumerate(series_files(AX, study_uid=study)):
            archive.writestr(f"AX/IM{i:04d}", data)
        archive.writestr("FILMS/film.jpg", photo_bytes())
        archive.writestr("report.pdf", report_pdf(2))
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i, data in enumerate(series_files(SPEC, study_uid=study)):
            archive.writestr(f"DICOM/IM{i:04d}", data)
        archive.writestr("more.zip", inner.getvalue(), compress_type=outer_method)
    return outer.getvalue()


def read_all(client, review_request, series) -> list[np.ndarray]:
    ids = [s["id"] for s in series["slices"]]
    response = client.get(frames_url(review_request.pk, *ids))
    return [values for _, values in parse_frames(b"".join(response.streaming_content))]


@pytest.mark.every_storage
@pytest.mark.parametrize("outer_method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_series_photos_and_reports_of_a_zip_inside_the_cd_open_in_the_viewer(client, outer_method):
    upload = UploadFactory(
        content=cd_with_a_zip_inside(zipfile.ZIP_DEFLATED, outer_method),
        kind=FileKind.ZIP,
        original_name="cd.zip",
    )
    keep.process_upload(upload.pk)
    index = open_index(client, upload.request)
    assert [(s["description"], s["count"]) for s in index["series"]] == [
        ("T2 SAG", 3),
        ("T2 AX", 4),
    ]
    axial_series = index["series"][1]
    assert axial_series["orientation"] == "axial"
    pixels = read_all(client, upload.request, axial_series)
    assert all(np.array_equal(p, slice_pixels(AX, i)) for i, p in enumerate(pixels))
    assert len(pixels) == 4
    listed = [(d["name"], len(d["pages"])) for d in index["documents"]]
    assert listed == [
        ("more.zip/FILMS/film.jpg (in cd.zip)", 1),
        ("more.zip/report.pdf (in cd.zip)", 2),
    ]
    assert png_of(client.get(index["documents"][0]["pages"][0])).size == (30, 40)
    assert png_of(client.get(index["documents"][1]["pages"][1])).size == (1237, 1600)


def test_a_stored_zip_inside_is_read_in_place_without_either_directory(client):
    upload = UploadFactory(
        content=cd_with_a_zip_inside(zipfile.ZIP_STORED), kind=FileKind.ZIP, original_name="cd"
    )
    keep.process_upload(upload.pk)
    index = open_index(client, upload.request)
    without_central_directory(upload)  # the CD's directory, and with it the inner archive's end
    pixels = read_all(client, upload.request, index["series"][1])
    assert all(np.array_equal(p, slice_pixels(AX, i)) for i, p in enumerate(pixels))
    assert png_of(client.get(index["documents"][1]["pages"][0])).size == (1237, 1600)


def test_a_deflated_zip_inside_larger_than_the_inflate_bound_is_not_indexed(client, monkeypatch):
    monkeypatch.setattr(slices, "NESTED_INFLATE_MAX_BYTES", 10_000)
    deflated = UploadFactory(
        content=cd_with_a_zip_inside(zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED),
        kind=FileKind.ZIP,
        original_name="cd.zip",
    )
    stored = UploadFactory(
        request=deflated.request,
        content=cd_with_a_zip_inside(zipfile.ZIP_STORED, zipfile.ZIP_STORED),
        kind=FileKind.ZIP,
        original_name="cd2.zip",
    )
    for upload in (deflated, stored):
        keep.process_upload(upload.pk)
    by_upload = {
        upload.original_name: sorted(
            set(upload.slices.values_list("series_description", flat=True))
        )
        for upload in (deflated, stored)
    }
    # The deflated one: only the CD's own series (the pipeline still summarises the other and
    # previews it on the request's page); the stored one is read in place whatever its size.
    assert by_upload == {"cd.zip": ["T2 SAG"], "cd2.zip": ["T2 AX", "T2 SAG"]}
    index = open_index(client, deflated.request)
    assert [d["name"] for d in index["documents"]] == [
        "more.zip/FILMS/film.jpg (in cd2.zip)",
        "more.zip/report.pdf (in cd2.zip)",
    ]


# -- One index, one read of each loose header -------------------------------------------------------


def test_each_loose_file_header_is_read_once_and_its_rows_choose_the_series_preview(
    client, monkeypatch
):
    files = series_files(sagittal(count=5, side=32), study_uid="1.2.826.0.1.3680043.8.498.11")
    first = UploadFactory(content=files[0], kind=FileKind.DICOM, original_name="IM1")
    uploads = [first] + [
        UploadFactory(
            request=first.request, content=data, kind=FileKind.DICOM, original_name=f"IM{n}"
        )
        for n, data in enumerate(files[1:], start=2)
    ]
    headers_read = []
    real = pydicom.dcmread

    def counting(*args, **kwargs):
        if kwargs.get("stop_before_pixels"):
            headers_read.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(pydicom, "dcmread", counting)
    keep.process_upload(first.pk)  # the request's loose files are read together
    # One read per file (the pipeline's, which also indexes it; 10 before the indexes were one),
    # and the middle slice's header again when its preview is decoded.
    assert len(headers_read) == 5 + 1
    assert {u.status for u in Upload.objects.filter(pk__in=[u.pk for u in uploads])} == {
        UploadStatus.PROCESSED
    }
    # The viewer's rows are the one index: they place the file in its series (the middle slice,
    # IM3, gives the preview), and the pipeline's result keeps no second copy.
    assert ImageSlice.objects.filter(upload__request=first.request).count() == 5
    assert "slices" not in {f.name for f in UploadResult._meta.get_fields()}
    (preview,) = Preview.objects.filter(upload__request=first.request)
    assert preview.upload.original_name == "IM3"
    index = open_index(client, first.request)
    assert [(s["description"], s["count"]) for s in index["series"]] == [("T2 SAG", 5)]


def test_a_loose_file_with_a_value_pydicom_cannot_convert_is_still_indexed_and_previewed(client):
    good = mr_bytes(InstanceNumber=11, SeriesInstanceUID="1.2.826.0.1.3680043.8.498.12")
    number = b"\x20\x00\x13\x00IS\x02\x0011"  # (0020,0013) Instance Number, IS, "11"
    assert good.count(number) == 1
    odd = UploadFactory(
        content=good.replace(number, number[:-2] + b"1A"), kind=FileKind.DICOM, original_name="x"
    )
    keep.process_upload(odd.pk)
    (row,) = ImageSlice.objects.filter(upload=odd)
    assert (row.instance_number, row.rows, row.columns) == (None, 64, 64)
    assert Preview.objects.filter(upload=odd).count() == 1
    index = open_index(client, odd.request)
    assert [s["count"] for s in index["series"]] == [1]
