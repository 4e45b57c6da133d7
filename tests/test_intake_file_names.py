"""A patient's file name is cleaned by one function whichever way the file came (the plain form or
tus), and staff download a file under the extension of the kind found in its bytes."""

import base64
import html
from http import HTTPStatus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http.multipartparser import MultiPartParser
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from intake import rules
from intake.models import ReviewRequest, Upload
from intake.rules import FileKind
from tests.factories import EXE_BYTES, UploadFactory, mr_small_bytes
from tests.intake_support import intake_settings, post_request  # noqa: F401

TUS = {"Tus-Resumable": "1.0.0"}
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "MRI-scan\u202egpj.exe" reads as "MRI-scanexe.jpg"


@pytest.mark.parametrize(
    ("name", "cleaned"),
    [
        (f"MRI-scan{RLO}gpj.exe", "MRI-scangpj.exe"),
        ("scan\u200b\u2066.dcm\u2069", "scan.dcm"),  # zero-width space, bidi isolates
        ("line\u2028break\u2029.pdf", "linebreak.pdf"),  # line and paragraph separators
        ("bom\ufeff\ue000.jpg", "bom.jpg"),  # byte-order mark, private use
        ("tab\tnul\x00del\x7f.png", "tabnuldel.png"),
        ("C:\\Users\\maria\\..\\scan.zip", "scan.zip"),
        ("/etc/passwd", "passwd"),
        ("..", "unnamed file"),
        (f"{RLO}\u200f", "unnamed file"),
        ("  no\u00a0break . ", "nobreak"),  # non-breaking space dropped, as Django's parser does
        ("Cafe\u0301.jpg", "Café.jpg"),  # NFC
        ("a" * 300 + ".dcm", "a" * 196 + ".dcm"),  # long names keep their extension
    ],
)
def test_clean_file_name_drops_format_and_control_characters_and_folders(name, cleaned):
    assert rules.clean_file_name(name) == cleaned


@pytest.mark.parametrize(
    ("name", "kind", "download"),
    [
        ("scan.exe", FileKind.DICOM, "scan.dcm"),
        (f"MRI-scan{RLO}gpj.exe", FileKind.DICOM, "MRI-scangpj.dcm"),
        ("IM000001", FileKind.DICOM, "IM000001.dcm"),
        ("1.2.840.113619.2.55", FileKind.DICOM, "1.2.840.113619.2.55.dcm"),
        ("cd.ZIP", FileKind.ZIP, "cd.zip"),
        ("photo.jpeg", FileKind.JPEG, "photo.jpg"),
        ("film.png.html", FileKind.PNG, "film.png.png"),
        ("report.PDF", FileKind.PDF, "report.pdf"),
        ("report.pdf.scr", FileKind.PDF, "report.pdf.pdf"),
        (".exe", FileKind.PDF, "exe.pdf"),
    ],
)
def test_the_download_name_takes_the_extension_of_the_kind_in_the_bytes(name, kind, download):
    assert rules.download_name(name, kind) == download


def as_the_plain_form_names_it(name: str) -> str | None:
    """What Django's multipart parser and UploadedFile make of a posted file's name."""
    sanitized = MultiPartParser.sanitize_file_name(None, name)
    return SimpleUploadedFile(sanitized, b"").name if sanitized else None


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.characters(),
            st.sampled_from([RLO, "\u200f", "\u2066", "\ufeff", "\x00", "/", "\\", ".", " ", "&"]),
        ),
        max_size=300,
    )
)
def test_the_form_and_tus_keep_the_same_name_for_any_name(name):
    """tus decodes HTML references as Django's parser does, and both then share clean_file_name."""
    form_name = as_the_plain_form_names_it(name)
    if (
        form_name is None
    ):  # Django drops such a file (its name is empty, "." or ".."): nothing to compare
        return
    assert rules.clean_file_name(form_name) == rules.clean_file_name(html.unescape(name))


# --- Through both paths, to the admin page and the download ---------------------------------------


def tus_upload(client: Client, name: str, content: bytes) -> str:
    metadata = "filename " + base64.b64encode(name.encode()).decode()
    created = client.post(
        "/mri-review/uploads/",
        headers={**TUS, "Upload-Length": str(len(content)), "Upload-Metadata": metadata},
    )
    assert created.status_code == HTTPStatus.CREATED, created.content
    patched = client.generic(
        "PATCH",
        created["Location"],
        content,
        content_type="application/offset+octet-stream",
        headers={**TUS, "Upload-Offset": "0"},
    )
    assert patched.status_code == HTTPStatus.NO_CONTENT, patched.content
    return created["Location"].rsplit("/", 1)[1]


@pytest.mark.django_db
@pytest.mark.usefixtures("intake_settings")
@pytest.mark.parametrize("path", ["form", "tus"])
def test_a_bidi_name_reads_the_same_to_staff_whichever_way_it_came(path, client, admin_client):
    """A DICOM named with a right-to-left override and ".exe": stored, shown in the admin heading and
    downloaded without the override, and downloaded as .dcm, by the form and by tus alike."""
    name, scan = f"MRI-scan{RLO}gpj.exe", mr_small_bytes()
    if path == "form":
        response = post_request(client, files=[(name, scan)])
    else:
        client.get("/mri-review/")
        key = tus_upload(client, name, scan)
        response = post_request(client, imaging_plan="upload", staged=[key])
    assert response.status_code == HTTPStatus.FOUND
    upload = Upload.objects.get()
    assert upload.original_name == "MRI-scangpj.exe"

    page = admin_client.get(f"/admin/intake/reviewrequest/{ReviewRequest.objects.get().pk}/change/")
    assert page.status_code == HTTPStatus.OK
    text = page.content.decode()
    assert "<h3>MRI-scangpj.exe (DICOM image)" in text
    assert RLO not in text

    download = admin_client.get(f"/mri-review/files/{upload.pk}/")
    assert download.status_code == HTTPStatus.OK
    assert download["Content-Disposition"] == 'attachment; filename="MRI-scangpj.dcm"'
    assert download["Content-Type"] == "application/octet-stream"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert (
        b"".join(download.streaming_content) == scan
    )  # the stored file is the patient's, unchanged


@pytest.mark.django_db
def test_a_dicom_named_exe_whose_preamble_is_a_program_downloads_as_dcm(admin_client):
    """A polyglot: a Windows program header in the DICOM preamble. The bytes stay as sent; only the
    name staff save it under changes."""
    polyglot = EXE_BYTES[:128].ljust(128, b"\x00") + mr_small_bytes()[128:]
    upload = UploadFactory(original_name="scan.exe", kind=FileKind.DICOM, content=polyglot)
    download = admin_client.get(f"/mri-review/files/{upload.pk}/")
    assert download["Content-Disposition"] == 'attachment; filename="scan.dcm"'
    assert download["Content-Type"] == "application/octet-stream"
    assert b"".join(download.streaming_content) == polyglot
