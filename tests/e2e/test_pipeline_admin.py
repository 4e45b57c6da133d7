"""A reviewer opens a request in the admin in Chromium and sees the imaging: summary, checks, previews."""

import tempfile
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import User
from playwright.sync_api import expect

from intake.processing import keep as processing
from intake.rules import FileKind
from tests.factories import UploadFactory, jpeg_with_gps_bytes, mr_small_bytes, zipped_dicom_cd
from tests.triage_support import backup_code

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(tempfile.gettempdir()) / "backcare-screenshots"
SHOTS.mkdir(exist_ok=True)
PASSWORD = "a long enough password 42"


def test_a_reviewer_sees_the_summary_checks_series_and_preview_thumbnails(
    page, live_server, console_errors
):
    mr = UploadFactory(content=mr_small_bytes(), kind=FileKind.DICOM, original_name="mr.dcm")
    review_request = mr.request
    cd = UploadFactory(
        request=review_request, content=zipped_dicom_cd(), kind=FileKind.ZIP, original_name="cd.zip"
    )
    photo = UploadFactory(
        request=review_request,
        content=jpeg_with_gps_bytes(),
        kind=FileKind.JPEG,
        original_name="film.jpg",
    )
    for upload in (mr, cd, photo):
        processing.process_upload(upload.pk)
    reviewer = User.objects.create_superuser("reviewer", "reviewer@clinic.example", PASSWORD)

    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("reviewer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("One-time code").fill(backup_code(reviewer))
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/admin/intake/reviewrequest/{review_request.pk}/change/")

    expect(page.get_by_text("CR/CT/MR cervical spine and head, 7 studies")).to_be_visible()
    expect(
        page.get_by_text("No MRI images").or_(page.get_by_text("newest study is from"))
    ).to_be_visible()
    thumbnails = page.locator(".imaging img")
    expect(thumbnails.first).to_be_visible()
    count = thumbnails.count()
    assert count >= 3
    loaded = page.evaluate(
        "() => [...document.querySelectorAll('.imaging img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    assert loaded
    page.screenshot(path=SHOTS / "admin-imaging.png", full_page=True)
    violations = Axe().run(page, context=".imaging").response["violations"]
    assert [v["id"] for v in violations] == []
    # The admin's own pages link no favicon, so Chromium's guess at /favicon.ico is the one 404.
    assert [e for e in console_errors if "favicon" not in e and "404" not in e] == []
    assert not [e for e in console_errors if "/mri-review/previews/" in e]
