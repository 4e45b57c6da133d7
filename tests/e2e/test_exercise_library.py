"""A patient in Chromium: filter the library, open an exercise, print it; pages are accessible."""

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.conftest import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_filter_the_library_open_an_exercise_and_its_print_view(
    page, live_server, seeded, console_errors
):
    page.goto(f"{live_server.url}/exercises/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Exercises for lower back pain")
    assert axe_violations(page) == []

    page.get_by_label("No floor needed").check()
    page.get_by_label("Type").select_option(label="Strengthening")
    page.get_by_role("button", name="Show exercises").click()
    expect(page).to_have_url(
        f"{live_server.url}/exercises/?q=&category=strength&difficulty=&position=&equipment=&no_floor=on"
    )
    results = page.locator(".exercise-list h3")
    expect(results).to_have_text(["Lunge with a straight back", "Sit to stand"])
    expect(page.get_by_label("No floor needed")).to_be_checked()

    page.get_by_role("link", name="Lunge with a straight back").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lunge with a straight back")
    expect(page.get_by_role("heading", name="Get emergency care now if…")).to_be_visible()
    expect(page.get_by_role("img", name="A person stands with one foot forward")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Print this exercise").click()
    expect(page.get_by_role("button", name="Print this page")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.emulate_media(media="screen")
    assert axe_violations(page) == []
    assert console_errors == []


def test_search_by_keyboard_only_shows_why_each_result_matched(page, live_server, seeded):
    page.goto(f"{live_server.url}/exercises/")
    page.get_by_label("Search").focus()
    page.keyboard.type("ankle")
    page.keyboard.press("Enter")
    expect(page.locator(".exercise-list h3")).to_have_text(["Lunge with a straight back"])
    expect(page.get_by_text("Matched in: steps")).to_be_visible()
    expect(page.locator("mark")).to_have_text("ankle")
    # Tab from the search box reaches every filter in order.
    page.get_by_label("Search").focus()
    for label in ["Type", "How hard", "Starting position", "What you need"]:
        page.keyboard.press("Tab")
        expect(page.get_by_label(label)).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("No floor needed")).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Show exercises")).to_be_focused()


def test_routine_and_its_handout_are_accessible(
    page, live_server, seeded, console_errors, tmp_path
):
    page.goto(f"{live_server.url}/exercises/routines/gentle-start/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Gentle start: 10 minutes a day")
    assert axe_violations(page) == []
    page.get_by_role("link", name="Print a one-page handout").click()
    expect(page.locator(".tick-box")).to_have_count(35)
    assert axe_violations(page) == []
    page.emulate_media(media="print")
    page.screenshot(path=tmp_path / "handout-print.png", full_page=True)
    # Every seeded routine's handout fits on one Letter page.
    for slug in ["gentle-start", "core-stability", "no-floor-needed"]:
        page.goto(f"{live_server.url}/exercises/routines/{slug}/print/")
        pdf = PdfReader(io.BytesIO(page.pdf(format="Letter")))
        assert len(pdf.pages) == 1, slug
    assert console_errors == []


def test_exercise_page_reads_well_on_a_phone(page, live_server, seeded, console_errors, tmp_path):
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{live_server.url}/exercises/knee-to-chest/")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 375
    page.screenshot(path=tmp_path / "exercise-375.png", full_page=True)
    page.goto(f"{live_server.url}/exercises/")
    page.screenshot(path=tmp_path / "library-375.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert console_errors == []
