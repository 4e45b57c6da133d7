"""Hostile uploads through the real MRI review form: each is refused with a plain reason, or kept
privately and made harmless; nothing is ever written outside private storage."""

import io
import os
import re
import stat
import tempfile
from http import HTTPStatus
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from PIL import Image

from intake.imaging import Outcome, process_file
from intake.models import ReviewRequest, Upload
from tests import attack_corpus as corpus
from tests.factories import mr_small_bytes, png_bytes
from tests.intake_support import intake_settings, post_request  # noqa: F401
from tests.triage_support import otp_login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_settings")]

ABSOLUTE_TARGET = Path(corpus.ABSOLUTE_TARGET)


@pytest.fixture
def sandbox(tmp_path, monkeypatch, settings, private_storage):
    """The request's temporary files and working folder live in this test's folder, so any file
    written outside private storage shows up in `stray_files`."""
    temp = tmp_path / "temp"
    temp.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(temp)
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setenv("TMPDIR", str(temp))
    work = tmp_path / "work" / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    return tmp_path


def stray_files(sandbox: Path, private_storage) -> list[Path]:
    return [
        path
        for path in sandbox.rglob("*")
        if not path.is_dir() and private_storage.location not in path.parents
    ]


def refusal(response) -> list[str]:
    assert response.status_code == HTTPStatus.OK, "the form should have been shown again"
    return response.context["form"].errors["files"]


REFUSED = [
    ("my-cd.zip", corpus.zip_bomb, "unpacks to far more than its size (a “zip bomb”)"),
    ("my-cd.zip", corpus.zip_slip, "a file inside the ZIP points outside it"),
    ("my-cd.zip", corpus.zip_absolute_path, "a file inside the ZIP points outside it"),
    ("my-cd.zip", corpus.zip_symlink, "the ZIP holds a link to another file (a shortcut)"),
    ("my-cd.zip", corpus.zip_encrypted, "locked with a password; make the ZIP again without"),
    ("my-cd.zip", lambda: corpus.zip_nested(3), "the ZIP holds a ZIP inside a ZIP"),
    ("drawing.svg", lambda: corpus.SVG_WITH_SCRIPT, "it is a drawing file (SVG)"),
    ("scan.png", lambda: corpus.SVG_WITH_SCRIPT, "it is a drawing file (SVG)"),
    ("report.pdf", lambda: corpus.HTML_AS_PDF, "it is a web page"),
    ("film.png", corpus.pixel_flood_png, "far more pixels than any phone or camera photo"),
    ("IM0001.dcm", lambda: corpus.DICM_JUNK, "starts like an MRI image (DICOM) but cannot be read"),
    ("IM0002.dcm", lambda: corpus.DICM_HTML, "starts like an MRI image (DICOM) but cannot be read"),
    ("IM0003", lambda: corpus.DICM_ONLY, "starts like an MRI image (DICOM) but cannot be read"),
    ("big-cd.zip", corpus.zip_too_many_members, "the ZIP holds more than 5,000 files"),
]


@pytest.mark.parametrize(
    ("name", "build", "reason"),
    REFUSED,
    ids=[
        "zip-bomb",
        "zip-slip",
        "zip-absolute-path",
        "zip-symlink",
        "zip-encrypted-member",
        "zip-nested-three-deep",
        "svg-with-script",
        "svg-named-png",
        "html-named-pdf",
        "pixel-flood-png",
        "dicm-plus-junk",
        "dicm-plus-html",
        "dicm-and-nothing-else",
        "zip-too-many-members",
    ],
)
def test_hostile_upload_is_refused_with_a_plain_reason_and_nothing_is_kept(
    client, sandbox, private_storage, name, build, reason
):
    response = post_request(client, files=[(name, build())])

    errors = refusal(response)
    assert errors[0].startswith(f"“{name}” was not accepted: ")
    assert reason in errors[0]
    assert errors[-1].startswith("We accept MRI files (DICOM)")
    html = response.content.decode()
    assert "There is a problem with your answers" in html
    assert "None of your files were kept" in html
    assert not ReviewRequest.objects.exists()
    assert not Upload.objects.exists()
    assert stray_files(sandbox, private_storage) == []
    assert private_storage.names() == []
    assert not (sandbox / "x").exists()
    assert not ABSOLUTE_TARGET.exists()


def test_a_refused_file_does_not_cost_the_good_ones_their_message(client, sandbox):
    response = post_request(
        client, files=[("IM0001.dcm", mr_small_bytes()), ("my-cd.zip", corpus.zip_slip())]
    )
    errors = refusal(response)
    assert len([e for e in errors if "was not accepted" in e]) == 1
    assert not Upload.objects.exists()


def test_one_zip_inside_the_zip_is_still_accepted(client, sandbox, private_storage):
    """A CD zipped and then zipped again is common; only a third level is refused."""
    response = post_request(client, files=[("my-cd.zip", corpus.zip_nested(2))])
    assert response.status_code == HTTPStatus.FOUND
    assert Upload.objects.get().kind == "zip"
    assert stray_files(sandbox, private_storage) == []


def test_the_screen_reads_headers_only_so_a_real_cd_passes(client, sandbox, private_storage):
    from tests.factories import zipped_dicom_cd

    response = post_request(client, files=[("cd.zip", zipped_dicom_cd())])
    assert response.status_code == HTTPStatus.FOUND
    assert stray_files(sandbox, private_storage) == []


# --- The polyglot: a real JPEG that is also a web page ----------------------------------------


def staff_client(client):
    # The admin's second factor (django-otp) is needed for the staff download too.
    user = User.objects.filter(username="admin").first() or User.objects.create_superuser(
        "admin", "admin@clinic.example", "x" * 20
    )
    return otp_login(client, user)


def test_a_jpeg_that_is_also_html_is_kept_privately_and_never_served_as_a_page(
    client, sandbox, private_storage
):
    polyglot = corpus.jpeg_html_polyglot()
    response = post_request(client, files=[("photo.jpg", polyglot)])
    assert response.status_code == HTTPStatus.FOUND
    upload = Upload.objects.get()
    assert upload.kind == "jpeg"
    stored = private_storage.location / upload.file.name
    assert stored.read_bytes() == polyglot
    assert stat.S_IMODE(os.stat(stored).st_mode) == 0o600
    assert stray_files(sandbox, private_storage) == []

    download = staff_client(client).get(f"/mri-review/files/{upload.pk}/")
    assert download.status_code == HTTPStatus.OK
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"] == 'attachment; filename="photo.jpg"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download["Cache-Control"]
    assert b"".join(download.streaming_content) == polyglot


def test_the_polyglot_preview_is_re_encoded_without_the_page(private_storage):
    result = process_file(io.BytesIO(corpus.jpeg_html_polyglot()), kind="jpeg", name="photo.jpg")
    assert result.outcome == Outcome.PROCESSED
    (preview,) = result.previews
    assert preview.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert b"<script" not in preview.png.lower()
    assert b"<html" not in preview.png.lower()
    with Image.open(io.BytesIO(preview.png)) as image:
        assert image.format == "PNG"
        assert not image.info.get("comment")
        assert image.size == (64, 48)


# --- File names -----------------------------------------------------------------------------

HOSTILE_NAMES = [
    (b'filename="../../../etc/cron.d/evil.png"', "evil.png"),
    (b'filename="..\\..\\windows\\evil.png"', "evil.png"),
    (b'filename="scan\x00.php.png"', "scan.php.png"),
    (b'filename="scan\r\nContent-Type: text/html.png"', None),  # a header split: parsed somehow
    (b'filename="scan%0D%0ASet-Cookie: a=b.png"', "scan%0D%0ASet-Cookie: a=b.png"),  # browsers
    (b"filename*=UTF-8''..%2F..%2Fevil%0D%0A%00.png", None),
    (f'filename="{"A" * 300}.png"'.encode(), "A" * 196 + ".png"),  # cut, keeping the extension
    (b'filename="<img src=x onerror=alert(1)>.png"', "<img src=x onerror=alert(1)>.png"),
]


@pytest.mark.parametrize(("filename_param", "expected"), HOSTILE_NAMES)
def test_hostile_file_names_are_cleaned_and_never_used_as_paths(
    client, sandbox, private_storage, filename_param, expected
):
    response = post_multipart(client, [(filename_param, png_bytes())])

    assert response.status_code in (HTTPStatus.FOUND, HTTPStatus.OK)  # never a crash
    assert stray_files(sandbox, private_storage) == []
    for path in (sandbox / "etc", Path("/etc/cron.d/evil.png"), sandbox / "evil.png"):
        assert not path.exists()
    for upload in Upload.objects.all():
        name = upload.original_name
        assert not re.search(r"[\x00-\x1f\x7f/\\]", name), name
        assert 0 < len(name) <= 200
        if expected is not None:
            assert name == expected
        assert re.fullmatch(r"uploads/\d{4}/\d{2}/[0-9a-f]{32}", upload.file.name)
        assert private_storage.read(upload.file.name) == png_bytes()

        download = staff_client(client).get(f"/mri-review/files/{upload.pk}/")
        disposition = download["Content-Disposition"]
        assert disposition.startswith("attachment; filename")
        assert not re.search(r"[\x00-\x1f\x7f]", disposition)
        client.logout()


def post_multipart(client, files):
    return corpus.post_multipart(client, files)


def test_download_header_is_safe_even_for_a_name_stored_by_another_path(client):
    """Names are cleaned on the way in; the download name is cleaned again, so the header does not
    rely on that."""
    from tests.factories import UploadFactory

    upload = UploadFactory(original_name='a"\r\nSet-Cookie: session=x;.png')
    response = staff_client(client).get(f"/mri-review/files/{upload.pk}/")
    disposition = response["Content-Disposition"]
    assert disposition == 'attachment; filename="a\\"Set-Cookie: session=x;.png"'
    assert not re.search(r"[\x00-\x1f\x7f]", disposition)
    assert "session=x" not in response.cookies


@pytest.mark.parametrize(
    "name",
    ["SC_rgb_jpeg.dcm", "JPEGLSNearLossless_16.dcm", "rtdose.dcm", "MR_small.dcm"],
)
def test_real_dicom_with_non_conforming_headers_is_accepted(client, sandbox, name):
    """Slightly non-conforming scans are kept for staff (and the pipeline now reads them, issue #15);
    only bytes that are not DICOM at all are refused at the form."""
    from tests.factories import PYDICOM_TEST_FILES

    response = post_request(client, files=[(name, (PYDICOM_TEST_FILES / name).read_bytes())])
    assert response.status_code == HTTPStatus.FOUND
    assert Upload.objects.get().kind == "dicom"


def test_the_pixel_flood_is_spotted_from_the_header_alone():
    """Only the PNG header is read: with its image data cut short, the size alone refuses it."""
    from intake.imaging import reasons
    from intake.imaging.photos import screen_photo

    flood = corpus.pixel_flood_png()
    header_only = flood[: flood.index(b"IDAT") + 64]  # 64 of its ~100,000 compressed bytes
    assert screen_photo(io.BytesIO(header_only)) == reasons.PHOTO_TOO_LARGE
    assert screen_photo(io.BytesIO(corpus.jpeg_html_polyglot())) is None
