"""Real-browser tests: Debian's Chromium driven by Playwright against pytest-django's live server."""

import os
import shutil

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.staticfiles.handlers import StaticFilesHandler
from playwright.sync_api import expect

# The sync Playwright API runs an event loop in this thread; the ORM calls that tests make beside it
# are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    assert CHROMIUM, "Chromium is not installed: `make test` installs it from Debian's packages."
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session", autouse=True)
def static_served_by_whitenoise():
    """Let WhiteNoise serve collected, hashed static files, as in production.

    The live server's own static handler looks files up by their source names only.
    """
    original = StaticFilesHandler._should_handle
    StaticFilesHandler._should_handle = lambda self, path: False
    yield
    StaticFilesHandler._should_handle = original


@pytest.fixture
def console_errors(page):
    """Console errors and failed requests seen while the test ran; a test asserts it is empty."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )
    return errors


_axe = Axe()


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the current page, reduced to what a reader of a failure needs."""
    results = _axe.run(page)
    return [
        {"id": v["id"], "help": v["help"], "targets": [n["target"] for n in v["nodes"]]}
        for v in results.response["violations"]
    ]


def reach_the_upload_box(page) -> None:
    """Scroll to the MRI form's file section: the dashboard fetches Uppy only when it comes near the
    screen (upload-dashboard.js), and until then the plain file input is there."""
    # Not Playwright's scroll action: after a reload the browser may already be there, and the
    # dashboard may hide the input while the action waits for it.
    page.locator("#div_id_files").evaluate("input => input.scrollIntoView()")
    expect(page.locator("#upload-dashboard")).to_be_visible(timeout=30_000)
