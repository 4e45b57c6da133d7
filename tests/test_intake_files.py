"""Files on the MRI review form: accepted and refused by their bytes, limits, private storage
(each test runs on local files and on an S3 bucket)."""

import hashlib
from http import HTTPStatus
from pathlib import PurePosixPath

import pytest

from intake.models import ReviewRequest, Upload
from tests.factories import (
    EXE_BYTES,
    HTML_BYTES,
    SVG_BYTES,
    jpeg_bytes,
    mr_small_bytes,
    pdf_bytes,
    png_bytes,
    zipped_dicom_cd,
)
from tests.intake_support import intake_settings, post_request  # noqa: F401

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("intake_settings"),
    pytest.mark.every_storage,
]


def file_errors(response) -> list[str]:
    assert response.status_code == HTTPStatus.OK, "the form should have been shown again"
    return response.context["form"].errors["files"]


def test_real_mri_files_photos_and_reports_are_accepted_and_kept_privately(client, private_storage):
    files = {
        "MR_small.dcm": mr_small_bytes(),
        "IM000001": mr_small_bytes(),  # a CD's file with no extension
        "my-cd.zip": zipped_dicom_cd(),
        "film photo.jpg": jpeg_bytes(),
        "screenshot.png": png_bytes(),
        "report.pdf": pdf_bytes(),
    }
    response = post_request(client, files=files.items())
    assert response.status_code == HTTPStatus.FOUND
    review_request = ReviewRequest.objects.get()
    uploads = {u.original_name: u for u in review_request.uploads.all()}
    assert {name: u.kind for name, u in uploads.items()} == {
        "MR_small.dcm": "dicom",
        "IM000001": "dicom",
        "my-cd.zip": "zip",
        "film photo.jpg": "jpeg",
        "screenshot.png": "png",
        "report.pdf": "pdf",
    }
    for name, content in files.items():
        upload = uploads[name]
        assert upload.size == len(content)
        assert upload.sha256 == hashlib.sha256(content).hexdigest()
        assert upload.status == "pending"
        assert private_storage.read(upload.file.name) == content
        private_storage.assert_private(upload.file.name)
        assert name not in upload.file.name
        assert len(PurePosixPath(upload.file.name).name) == 32  # a random hex name, no extension


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("viewer.exe", EXE_BYTES, "it is a computer program"),
        ("scan.jpg", HTML_BYTES, "it is a web page"),
        ("drawing.svg", SVG_BYTES, "it is a drawing file (SVG)"),
        ("empty.dcm", b"", "the file is empty"),
        ("notes.txt", b"just some words about my back", "we cannot open this type of file"),
    ],
)
def test_files_that_are_not_scans_photos_or_reports_are_refused_by_their_bytes(
    client, name, content, reason
):
    response = post_request(client, files=[("MR_small.dcm", mr_small_bytes()), (name, content)])
    errors = file_errors(response)
    assert errors[0].startswith(f"“{name}” was not accepted: {reason}")
    assert errors[-1].startswith("We accept MRI files (DICOM)")
    assert not ReviewRequest.objects.exists()
    assert not Upload.objects.exists()


def test_the_page_names_the_good_files_to_add_again(client):
    response = post_request(
        client, files=[("report.pdf", pdf_bytes()), ("bad.jpg", HTML_BYTES)], first_name=""
    )
    html = response.content.decode()
    assert response.context["form"].files_to_add_again == ["report.pdf"]
    assert "Please add your files again" in html
    assert "<li>report.pdf</li>" in html
    assert "“bad.jpg” was not accepted" in html


def test_a_file_over_the_size_limit_is_refused_while_it_streams(client, settings, private_storage):
    settings.INTAKE_MAX_FILE_SIZE = 1000
    response = post_request(
        client, files=[("big.dcm", mr_small_bytes()), ("small.png", png_bytes())]
    )
    errors = file_errors(response)
    assert (
        "“big.dcm” was not accepted: it is bigger than the 1000 bytes limit for one file." in errors
    )
    form = response.context["form"]
    assert [f.name for f in form.cleaned_data.get("files", [])] in ([], ["small.png"])
    assert not ReviewRequest.objects.exists()
    assert private_storage.names() == []


def test_files_over_the_request_limit_are_refused(client, settings):
    settings.INTAKE_MAX_REQUEST_SIZE = len(pdf_bytes()) + 10
    response = post_request(client, files=[("a.pdf", pdf_bytes()), ("b.pdf", pdf_bytes())])
    errors = file_errors(response)
    assert any(
        e.startswith("“b.pdf” was not accepted: your files add up to more than") for e in errors
    )
    assert not ReviewRequest.objects.exists()


def test_too_many_files_are_refused_with_one_clear_message(client, settings):
    settings.INTAKE_MAX_FILES = 2
    files = [(f"IM{n:04}", mr_small_bytes()) for n in range(4)]
    errors = file_errors(post_request(client, files=files))
    assert (
        "2 files were not accepted (“IM0002”, “IM0003”): you can send at most 2 files at once."
        in errors
    )
    assert not ReviewRequest.objects.exists()


def test_file_names_are_kept_clean_as_data_only(client):
    response = post_request(client, files=[("..\\..\\etc\\pa\x07ss.png", png_bytes())])
    assert response.status_code == HTTPStatus.FOUND
    upload = Upload.objects.get()
    assert upload.original_name == "pass.png"
    assert upload.file.name.startswith("uploads/")
