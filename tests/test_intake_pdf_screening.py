"""A PDF is screened at upload like the other kinds: bytes that start "%PDF-" but are not a PDF (a web
page, say) are refused with plain words, by the plain form and at a tus upload's completion alike."""

import base64
import io
from http import HTTPStatus

import pypdf
import pytest

from intake.models import ReviewRequest, StagedUpload
from intake.rules import FileKind
from intake.uploads.screening import screen_file
from tests.factories import HTML_BYTES, pdf_bytes
from tests.intake_support import intake_settings, post_request  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_settings")]

FAKE_PDF = b"%PDF-1.7\n" + HTML_BYTES
REASON = "it starts like a PDF but is not one that can be opened"


def locked_pdf() -> bytes:
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(pdf_bytes()))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_screen_refuses_a_web_page_behind_a_pdf_header_and_a_locked_pdf():
    assert screen_file(io.BytesIO(FAKE_PDF), FileKind.PDF) == REASON
    assert "locked with a password" in screen_file(io.BytesIO(locked_pdf()), FileKind.PDF)
    assert screen_file(io.BytesIO(pdf_bytes()), FileKind.PDF) is None


def test_the_form_refuses_a_web_page_behind_a_pdf_header(client):
    response = post_request(client, files=[("report.pdf", FAKE_PDF)])
    assert response.status_code == HTTPStatus.OK
    assert f"“report.pdf” was not accepted: {REASON}." in response.content.decode()
    assert not ReviewRequest.objects.exists()


def test_tus_refuses_a_web_page_behind_a_pdf_header_at_completion(client):
    client.get("/mri-review/")
    tus = {"Tus-Resumable": "1.0.0"}
    created = client.post(
        "/mri-review/uploads/",
        headers={
            **tus,
            "Upload-Length": str(len(FAKE_PDF)),
            "Upload-Metadata": "filename " + base64.b64encode(b"report.pdf").decode(),
        },
    )
    assert created.status_code == HTTPStatus.CREATED
    patched = client.generic(
        "PATCH",
        created["Location"],
        FAKE_PDF,
        content_type="application/offset+octet-stream",
        headers={**tus, "Upload-Offset": "0"},
    )
    assert patched.status_code == HTTPStatus.UNPROCESSABLE_CONTENT
    assert patched.content.decode().startswith(f"“report.pdf” was not accepted: {REASON}.")
    assert not StagedUpload.objects.exists()
