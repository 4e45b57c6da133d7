"""In Chromium: a surgeon signs a review, a coordinator previews and sends the letter, and the
patient opens the link from the e-mail and downloads the PDF. axe-core finds nothing on the new
pages and sections."""

import io
import re

import pypdf
import pytest
from django.core import mail
from playwright.sync_api import expect

from intake.enums import ReviewStatus
from intake.models import AccessLog, SurgeonReview
from tests.e2e.conftest import axe_violations
from tests.e2e.test_triage_admin import SHOTS, sign_in, violations_outside_stock_admin
from tests.factories import ReviewRequestFactory
from tests.triage_support import COORDINATOR, PASSWORD, SURGEON, backup_code, staff_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def test_sign_preview_send_and_the_patient_downloads_the_letter(
    page, live_server, console_errors, immediate_tasks
):
    surgeon = staff_user(
        "surgeon@clinic.example",
        role=SURGEON,
        password=PASSWORD,
        first_name="Rana",
        last_name="Okafor",
    )
    obj = ReviewRequestFactory(first_name="Paula", status=ReviewStatus.IN_REVIEW)
    sign_in(page, live_server, surgeon.username, backup_code(surgeon))
    page.goto(f"{live_server.url}/admin/intake/reviewrequest/{obj.pk}/change/")
    page.get_by_role("link", name="Sign a review").click()
    page.get_by_label("Level, row 1").select_option("L4-L5")
    page.get_by_label("Finding, row 1").select_option("disc_herniation")
    page.get_by_label("Conservative care first").check()
    page.get_by_label("Reasons, in plain words for the patient").fill(
        "The disc is not pressing hard on the nerve. Exercise often helps this kind of pain."
    )
    assert violations_outside_stock_admin(page) == []
    page.get_by_role("button", name="Sign this review").click()
    section = page.locator("#triage-review")
    expect(section).to_contain_text("Version 1 (in force)")
    expect(section).to_contain_text("Rana Okafor")
    assert violations_outside_stock_admin(page, ".inline-group thead") == []
    page.screenshot(path=str(SHOTS / "review-signed.png"), full_page=True)
    assert SurgeonReview.objects.get().request == obj

    coordinator = staff_user("coordinator@clinic.example", role=COORDINATOR, password=PASSWORD)
    page.context.clear_cookies()
    sign_in(page, live_server, coordinator.username, backup_code(coordinator))
    page.goto(f"{live_server.url}/admin/intake/reviewrequest/{obj.pk}/change/")
    page.get_by_role("button", name="Send this letter to the patient").click()
    expect(page.locator(".messagelist")).to_contain_text("Open the letter's preview first")
    with page.expect_download() as preview:
        page.get_by_role("link", name="Preview the letter (PDF)").click()
    assert "Paula" in pdf_text(preview.value.path())
    page.get_by_role("button", name="Send this letter to the patient").click()
    expect(page.locator(".messagelist")).to_contain_text("The letter is on its way")
    (message,) = mail.outbox
    link = re.search(r"https?://\S+/mri-review/letter/\S+/", message.body).group(0)

    page.context.clear_cookies()
    path = re.sub(r"^https?://[^/]+", "", link)
    page.goto(f"{live_server.url}{path}")
    expect(page.get_by_role("heading", name="Your MRI review letter")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Your reference").fill(obj.reference)
    page.get_by_label("Your date of birth").fill("05/18/1970")
    page.get_by_role("button", name="Get my letter").click()
    expect(page.get_by_role("alert")).to_contain_text("does not match our records")
    assert axe_violations(page) == []
    page.get_by_label("Your date of birth").fill("05/17/1970")
    with page.expect_download() as download:
        page.get_by_role("button", name="Get my letter").click()
    assert download.value.suggested_filename == f"review-letter-{obj.reference}.pdf"
    text = pdf_text(download.value.path())
    assert "Care without surgery is the best first step" in text
    assert "Exercise often helps this kind of pain." in text
    assert AccessLog.objects.filter(action="letter", reference=obj.reference).count() == 1
    assert console_errors == []


def pdf_text(path) -> str:
    with open(path, "rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
