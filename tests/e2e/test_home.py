import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_page_loads_cleanly_and_is_accessible(page, live_server, console_errors):
    page.goto(live_server.url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Help for lower back pain")
    expect(page.get_by_role("link", name="See the exercises")).to_be_visible()
    assert axe_violations(page) == []
    assert console_errors == []


def test_skip_link_moves_focus_to_the_main_content(page, live_server):
    page.goto(live_server.url)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_menu_collapses_on_a_phone_and_opens(page, live_server):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(live_server.url)
    menu = page.get_by_role("link", name="Free MRI review", exact=True)
    expect(menu).to_be_hidden()
    page.get_by_role("button", name="Show menu").click()
    expect(menu).to_be_visible()
