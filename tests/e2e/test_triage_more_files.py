"""A patient adds files through the link staff sent, on a phone-sized screen in Chromium."""

import tempfile
from pathlib import Path

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from intake.models import Upload, UploadLink
from intake.triage import services as triage
from tests.e2e.conftest import axe_violations
from tests.factories import ReviewRequestFactory, pdf_bytes
from tests.triage_support import COORDINATOR, staff_user

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(tempfile.gettempdir()) / "backcare-screenshots"
SHOTS.mkdir(exist_ok=True)


def test_a_patient_adds_a_file_through_the_link(page, live_server, console_errors, tmp_path):
    cache.clear()
    obj = ReviewRequestFactory()
    token = "a-test-token-only-the-patient-has"
    UploadLink.objects.create(
        request=obj,
        token_hash=triage.hash_token(token),
        created_by=staff_user(role=COORDINATOR),
        expires_at=obj.submitted_at.replace(year=obj.submitted_at.year + 1),
    )
    report = tmp_path / "report.pdf"
    report.write_bytes(pdf_bytes())

    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server.url}/mri-review/more-files/{token}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Send more files for your MRI review")
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "more-files-375.png"), full_page=True)

    page.get_by_label("Your files").set_input_files(str(report))
    page.get_by_role("button", name="Send my files").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("We have your files")
    assert axe_violations(page) == []
    assert Upload.objects.get(request=obj).original_name == "report.pdf"

    page.goto(f"{live_server.url}/mri-review/more-files/{token}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("This link has stopped working")
    assert [e for e in console_errors if "410" not in e] == []
