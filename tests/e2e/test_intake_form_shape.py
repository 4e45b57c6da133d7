"""The request form's shape on a phone (docs/form-shape.md), measured in Debian's Chromium at 390 x 844:
its height, the error summary when everything is sent empty, answers kept, and all of it without
JavaScript too."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from intake.models import ReviewRequest
from tests.e2e.conftest import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
# Measured (docs/form-shape.md): 9,348 px before (Spanish 10,178); now 8,693 px with JavaScript
# (follow-up questions show when their box is ticked) and 8,962 px without (Spanish 9,413 and 9,710);
# then 8,908 and 9,177 (Spanish 9,617 and 9,915) once radio questions took the labels' 18 px type and
# controls their 3 px focus room (docs/accessibility.md). The bounds leave about 2% for font rendering.
MAX_HEIGHT = {
    ("/mri-review/", True): 9_100,
    ("/mri-review/", False): 9_350,
    ("/es/mri-review/", True): 9_800,
    ("/es/mri-review/", False): 10_100,
}
# Everything sent empty: 31 links (2,154 px) before; now 5 lines, one per empty part, in 455 px.
MAX_SUMMARY_LINKS = 6
MAX_SUMMARY_HEIGHT = 600


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()


def page_height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


@pytest.fixture
def phone_page(browser, javascript):
    """A page of a phone-sized window, with or without JavaScript (the test's `javascript`)."""
    context = browser.new_context(viewport=PHONE, java_script_enabled=javascript)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize(("path", "javascript"), MAX_HEIGHT, ids=lambda v: str(v))
def test_the_form_fits_its_height_on_a_phone(phone_page, live_server, path, javascript):
    phone_page.goto(f"{live_server.url}{path}")
    assert page_height(phone_page) <= MAX_HEIGHT[path, javascript]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_contents_list_leads_to_each_part(phone_page, live_server, javascript):
    phone_page.goto(f"{live_server.url}/mri-review/")
    contents = phone_page.get_by_role("navigation", name="The form has 7 parts")
    contents.get_by_role("link", name="Safety questions").click()
    expect(phone_page).to_have_url(f"{live_server.url}/mri-review/#part-safety")
    expect(phone_page.get_by_role("group", name="Part 5 of 7 Safety questions")).to_be_in_viewport()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_an_empty_form_gets_a_short_summary_that_leads_to_each_empty_part(
    phone_page, live_server, javascript
):
    phone_page.goto(f"{live_server.url}/mri-review/")
    phone_page.get_by_role("button", name="Send my request").click()

    summary = phone_page.locator("#error-summary")
    expect(summary).to_be_visible()
    links = summary.get_by_role("link")
    assert links.count() <= MAX_SUMMARY_LINKS
    assert summary.evaluate("e => e.getBoundingClientRect().height") <= MAX_SUMMARY_HEIGHT
    expect(links.first).to_have_text("Fill in part 1, “About you”: 8 answers are missing")
    safety = summary.get_by_role("link", name="Fill in part 5, “Safety questions”")
    safety.click()
    first_question = phone_page.locator("#id_urine_trouble_0")
    expect(first_question).to_be_in_viewport()
    if javascript:
        expect(first_question).to_be_focused()
    # Each safety question still says beside it what is missing, one at a time.
    expect(phone_page.locator(".safety-question .invalid-feedback")).to_have_count(14)
    assert not ReviewRequest.objects.exists()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_answers_are_kept_when_the_form_comes_back_with_errors(phone_page, live_server, javascript):
    phone_page.goto(f"{live_server.url}/mri-review/")
    weeks = phone_page.get_by_label("For how many weeks did you have physical therapy?")
    if javascript:
        expect(weeks).to_be_hidden()  # until its box is ticked
    phone_page.get_by_label("First name").fill("Maria")
    phone_page.get_by_label("Text message").check()
    phone_page.get_by_label("Lower back", exact=True).check()
    phone_page.get_by_label("Physical therapy", exact=True).check()
    weeks.fill("8")
    phone_page.get_by_role("group", name="Have you ever had cancer?").get_by_label(
        "Yes", exact=True
    ).check()
    phone_page.get_by_role("button", name="Send my request").click()

    expect(phone_page.locator("#error-summary")).to_be_visible()
    expect(phone_page.get_by_label("First name")).to_have_value("Maria")
    expect(phone_page.get_by_label("Text message")).to_be_checked()
    expect(phone_page.get_by_label("Lower back", exact=True)).to_be_checked()
    expect(phone_page.get_by_label("Physical therapy", exact=True)).to_be_checked()
    expect(weeks).to_be_visible()
    expect(weeks).to_have_value("8")
    cancer = phone_page.get_by_role("group", name="Have you ever had cancer?")
    expect(cancer.get_by_label("Yes", exact=True)).to_be_checked()
    expect(phone_page.locator("#safety-warning-see_doctor_soon")).to_be_visible()
    # Parts the patient started list each problem by name.
    expect(phone_page.get_by_role("link", name="Enter your last name")).to_be_visible()
    if javascript:
        assert axe_violations(phone_page) == []
