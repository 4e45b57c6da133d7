"""A patient fills in the MRI review form in Chromium."""

import re
import tempfile
from pathlib import Path

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from intake.enums import SafetyTier
from intake.models import ReviewRequest
from tests.e2e.conftest import axe_violations
from tests.factories import jpeg_bytes, pdf_bytes, zipped_dicom_cd

pytestmark = pytest.mark.django_db(transaction=True)

# Screenshots to look at (what a patient sees on a phone); not compared by the tests.
SHOTS = Path(tempfile.gettempdir()) / "backcare-screenshots"
SHOTS.mkdir(exist_ok=True)


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()


def fill_like_a_patient(page, *, safety_yes: str | None = None) -> None:
    page.get_by_label("First name").fill("Maria")
    page.get_by_label("Last name").fill("Lopez")
    page.get_by_label("Date of birth").fill("03/27/1968")
    page.get_by_label("E-mail address").fill("maria@example.com")
    page.get_by_label("Phone number").fill("555-201-3344")
    page.get_by_label("ZIP code").fill("10001")
    page.get_by_label("Phone call").check()
    page.get_by_label("Morning (8 am to 12 noon)").check()
    page.get_by_label("Lower back", exact=True).check()
    page.get_by_label("One leg").check()
    page.get_by_role("group", name="How bad is your back pain on most days?").get_by_label(
        "6", exact=True
    ).check()
    page.get_by_role("group", name="How bad is your leg pain on most days?").get_by_label(
        "8", exact=True
    ).check()
    page.get_by_label("3 to 12 months").check()
    page.get_by_label("Slowly, for no clear reason").check()
    page.get_by_label("Physical therapy", exact=True).check()
    page.get_by_label("For how many weeks did you have physical therapy?").fill("8")
    page.get_by_label("Medicines for pain or swelling").check()
    page.get_by_label("I am adding my MRI files to this form").check()
    page.get_by_label("Date of the MRI scan (if you know it)").fill("10/12/2026")
    page.get_by_label("Lower back (lumbar spine)").check()
    page.get_by_role(
        "group", name="Do you have the doctor's written report of your scan?"
    ).get_by_label("Yes").check()
    for question in page.locator(".safety-question").all():
        question.get_by_label("No", exact=True).check()
    if safety_yes:
        page.get_by_role("group", name=safety_yes).get_by_label("Yes", exact=True).check()
    page.get_by_label("I have read the privacy notice.").check()
    page.get_by_label("You may contact me about this request.").check()
    page.get_by_label("I understand that this is not emergency care").check()


def attach_cd_photo_and_report(page) -> None:
    page.get_by_label("Your MRI files").set_input_files(
        [
            {"name": "MRI_CD.zip", "mimeType": "application/zip", "buffer": zipped_dicom_cd()},
            {"name": "film.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()},
            {"name": "report.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()},
        ]
    )


def test_a_patient_sends_a_zipped_cd_a_photo_and_a_report_and_reads_the_reference(
    page, live_server, console_errors
):
    page.goto(f"{live_server.url}/mri-review/")
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=SHOTS / "intake-form-375.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    fill_like_a_patient(page)
    attach_cd_photo_and_report(page)
    page.get_by_role("button", name="Send my request").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("We have your request")
    reference = page.locator("#reference").inner_text()
    assert re.fullmatch(r"BC-[2-9A-Z]{4}-[2-9A-Z]{4}", reference)
    review_request = ReviewRequest.objects.get()
    assert review_request.reference == reference
    assert sorted(review_request.uploads.values_list("original_name", "kind")) == [
        ("MRI_CD.zip", "zip"),
        ("film.jpg", "jpeg"),
        ("report.pdf", "pdf"),
    ]
    expect(page.get_by_text("Get emergency care now")).to_have_count(0)
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=SHOTS / "intake-thanks-375.png", full_page=True)
    assert console_errors == []


def test_a_yes_to_a_safety_question_shows_the_emergency_message(page, live_server):
    page.goto(f"{live_server.url}/mri-review/")
    fill_like_a_patient(
        page, safety_yes="Did your back pain start after a serious fall or accident?"
    )
    expect(page.locator("#safety-warning-emergency")).to_be_visible()
    expect(page.locator("#safety-warning-see_doctor_soon")).to_be_hidden()
    page.get_by_label("I do not have my MRI files yet").check()
    page.get_by_role("button", name="Send my request").click()

    urgent = page.get_by_role("region", name="Get emergency care now")
    expect(urgent).to_be_visible()
    expect(urgent).to_contain_text("This service cannot help in time")
    expect(urgent).to_contain_text("call 911 now")
    assert ReviewRequest.objects.get().tier == SafetyTier.EMERGENCY
    assert axe_violations(page) == []
    page.screenshot(path=SHOTS / "intake-urgent.png", full_page=True)


def test_the_live_warning_fits_the_tier_of_the_answers(page, live_server):
    page.goto(f"{live_server.url}/mri-review/")
    emergency = page.locator("#safety-warning-emergency")
    soon = page.locator("#safety-warning-see_doctor_soon")
    note = page.locator("#safety-warning-routine")
    fill_like_a_patient(page, safety_yes="Have you ever had cancer?")
    expect(soon).to_be_visible()
    expect(soon).to_contain_text("You do not need to call 911")
    expect(emergency).to_be_hidden()
    page.get_by_role(
        "group", name="Is your back stiff for more than 30 minutes each morning?"
    ).get_by_label("Yes", exact=True).check()
    expect(note).to_be_visible()
    page.get_by_role("group", name="Is weakness in your leg getting worse?").get_by_label(
        "Yes", exact=True
    ).check()
    expect(emergency).to_be_visible()
    expect(soon).to_be_hidden()
    assert axe_violations(page) == []
    page.get_by_label("I do not have my MRI files yet").check()
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_role("region", name="Get emergency care now")).to_be_visible()
    expect(page.get_by_role("region", name="Tell your doctor")).to_be_visible()
    expect(page.get_by_text("See a doctor today or tomorrow", exact=True)).to_have_count(0)


def test_errors_are_listed_at_the_top_and_typing_is_kept(page, live_server):
    page.goto(f"{live_server.url}/mri-review/")
    page.get_by_label("First name").fill("Maria")
    page.get_by_label("Your MRI files").set_input_files(
        [{"name": "report.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}]
    )
    page.get_by_role("button", name="Send my request").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="Enter your last name")).to_be_visible()
    expect(page.get_by_label("First name")).to_have_value("Maria")
    expect(page.get_by_text("Please add your files again")).to_be_visible()
    expect(page.locator("#files-again")).to_contain_text("report.pdf")
    summary.get_by_role("link", name="Enter your last name").click()
    expect(page.get_by_label("Last name")).to_be_focused()
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=SHOTS / "intake-errors-375.png", full_page=False)
    assert not ReviewRequest.objects.exists()


def test_the_form_works_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/mri-review/")
    fill_like_a_patient(
        page, safety_yes="Do you have numbness around your genitals, buttocks or inner thighs?"
    )
    attach_cd_photo_and_report(page)
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_role("region", name="Get emergency care now")).to_be_visible()
    assert ReviewRequest.objects.get().uploads.count() == 3
    context.close()
