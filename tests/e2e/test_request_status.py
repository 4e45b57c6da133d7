"""In Chromium, by keyboard only: a patient finds "Where is my request?" from the footer, gets a
wrong answer, then their step. axe-core finds nothing on the form, the error or the answer."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from intake.enums import ReviewStatus
from tests.e2e.conftest import axe_violations
from tests.e2e.test_triage_more_files import SHOTS
from tests.factories import ReviewRequestFactory

pytestmark = pytest.mark.django_db(transaction=True)


def tab_to(page, name: str, *, most: int = 60) -> None:
    """Press Tab until the focused element has this accessible name (label or link text)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const el = document.activeElement;
                if (!el) return "";
                if (el.labels && el.labels.length) return el.labels[0].textContent;
                return el.textContent;
            }"""
        )
        if name in " ".join(focused.split()):
            return
    raise AssertionError(f"Tab never reached {name!r}")


def test_a_patient_looks_up_their_request_by_keyboard(page, live_server, console_errors):
    cache.clear()
    obj = ReviewRequestFactory(status=ReviewStatus.IN_REVIEW, first_name="Imogen")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server.url}/")
    tab_to(page, "Where is my request?", most=200)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Where is my request?")
    assert axe_violations(page) == []

    tab_to(page, "Your reference")
    page.keyboard.type(obj.reference.lower())
    page.keyboard.press("Tab")
    page.keyboard.type("05/18/1970")  # one day off
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("does not match our records")
    assert axe_violations(page) == []

    tab_to(page, "Your date of birth")
    page.keyboard.press("Control+A")
    page.keyboard.type("05/17/1970")
    page.keyboard.press("Enter")
    expect(page.locator("#status-heading")).to_have_text(
        "Our spine team is looking at your request"
    )
    expect(page.locator("[aria-current=step]")).to_contain_text("Our spine team")
    expect(page.locator("#reference")).to_have_text(obj.reference)
    assert "Imogen" not in page.content()
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "request-status-375.png"), full_page=True)
    assert console_errors == []
