"""A coordinator works the triage queue in Chromium: sign-in with a backup code, filter, open,
assign, note, download; axe-core finds nothing on our admin additions."""

import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from intake.models import AccessLog, Note
from tests.e2e.conftest import _axe, axe_violations
from tests.factories import ReviewRequestFactory, UploadFactory, pdf_bytes
from tests.triage_support import COORDINATOR, PASSWORD, backup_code, staff_user

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(tempfile.gettempdir()) / "backcare-screenshots"
SHOTS.mkdir(exist_ok=True)


def violations_outside_stock_admin(page, *stock: str) -> list[dict]:
    """axe-core on the page minus named parts that are the stock Django admin's own markup.

    Django's changelist search box has only a visually hidden label (axe's best-practice rule
    label-title-only), and its tabular inline leaves header cells empty above the columns it adds
    itself (empty-table-header); they are not ours to change, so they are left out. Everything else,
    our sections, columns, filters, counts and the sign-in page, is checked.
    """
    context = {"exclude": [[selector] for selector in stock]}
    results = _axe.run(page, context=context)
    return [
        {"id": v["id"], "targets": [n["target"] for n in v["nodes"]]}
        for v in results.response["violations"]
    ]


def sign_in(page, live_server, username: str, code: str) -> None:
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("One-time code").fill(code)
    page.get_by_role("button", name="Sign in").click()


def test_a_coordinator_triages_an_urgent_request(page, live_server, console_errors):
    user = staff_user(
        "coordinator@clinic.example", role=COORDINATOR, password=PASSWORD, first_name="Cora"
    )
    code = backup_code(user)
    ReviewRequestFactory(first_name="Rita", last_name="Routine")
    urgent = ReviewRequestFactory(first_name="Uma", last_name="Urgent", bladder_bowel_control=True)
    UploadFactory(request=urgent, content=pdf_bytes(), original_name="report.pdf", kind="pdf")

    # The login page is our template: check it before signing in.
    page.goto(f"{live_server.url}/admin/login/")
    assert axe_violations(page) == []
    sign_in(page, live_server, user.username, code)
    expect(page.get_by_role("heading", name="MRI review requests")).to_be_visible()
    expect(page.locator(".triage-counts")).to_contain_text("1 emergency")
    assert axe_violations(page) == []

    page.get_by_role("link", name="2 new").click()
    page.locator("#changelist-filter details[data-filter-title='safety tier']").get_by_role(
        "link", name="Emergency now"
    ).click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Uma Urgent")
    expect(rows.first).to_contain_text("1 red flag")
    assert violations_outside_stock_admin(page, "#changelist-search") == []
    page.screenshot(path=str(SHOTS / "triage-queue.png"), full_page=True)

    rows.first.get_by_role("link", name=urgent.reference).click()
    expect(page.get_by_role("alert")).to_contain_text("Loss of bladder or bowel control")
    page.get_by_role("button", name="Assign to me").click()
    expect(page.locator("#triage-workflow")).to_contain_text("Assigned to: coordinator@clinic")

    page.get_by_label("Add a note").fill("Called the patient; advised the emergency department.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#triage-notes")).to_contain_text("advised the emergency department")
    page.get_by_role("button", name="In review").click()
    expect(page.locator("#triage-history")).to_contain_text("In review")
    assert violations_outside_stock_admin(page, ".inline-group thead") == []
    page.screenshot(path=str(SHOTS / "triage-request.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download").click()
    download = download_info.value
    assert download.suggested_filename == "report.pdf"
    assert Path(download.path()).read_bytes() == pdf_bytes()

    urgent.refresh_from_db()
    assert urgent.assignee == user
    assert urgent.status == "in_review"
    assert Note.objects.get(request=urgent).author == user
    actions = set(AccessLog.objects.filter(user=user).values_list("action", flat=True))
    assert actions == {"view", "download"}
    assert console_errors == []
