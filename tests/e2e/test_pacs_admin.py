"""A coordinator sends a study to the clinic's PACS in Chromium: test the connection, send with the
clinic's MRN, see the send queued; axe-core finds nothing in the section."""

import pytest
from playwright.sync_api import expect

from intake.enums import PacsSendStatus
from intake.models import PacsSend
from intake.rules import FileKind
from tests.e2e.conftest import _axe
from tests.e2e.test_triage_admin import sign_in
from tests.factories import ReviewRequestFactory, UploadFactory, mr_bytes
from tests.orthanc import running_orthanc
from tests.triage_support import COORDINATOR, PASSWORD, backup_code, staff_user

pytestmark = pytest.mark.django_db(transaction=True)


def section_violations(page) -> list[dict]:
    results = _axe.run(page, context={"include": [["#triage-pacs"]]})
    return [
        {"id": v["id"], "targets": [n["target"] for n in v["nodes"]]}
        for v in results.response["violations"]
    ]


def test_a_coordinator_tests_the_connection_and_queues_a_send(
    page, live_server, console_errors, settings, tmp_path
):
    user = staff_user("coordinator@clinic.example", role=COORDINATOR, password=PASSWORD)
    code = backup_code(user)
    review_request = ReviewRequestFactory()
    UploadFactory(request=review_request, content=mr_bytes(), kind=FileKind.DICOM)

    with running_orthanc(tmp_path / "pacs") as orthanc:
        settings.PACS_HOST = "127.0.0.1"
        settings.PACS_PORT = orthanc.dicom_port
        settings.PACS_AE_TITLE = orthanc.aet
        sign_in(page, live_server, user.username, code)
        page.goto(f"{live_server.url}/admin/intake/reviewrequest/{review_request.pk}/change/")
        section = page.locator("#triage-pacs")
        expect(section).to_contain_text(f"{orthanc.aet}@127.0.0.1:{orthanc.dicom_port}")
        assert section_violations(page) == []

        page.get_by_role("button", name="Test connection").click()
        expect(page.locator(".messagelist")).to_contain_text("answered")

        page.get_by_label("Clinic MRN").fill("MRN-2041")
        page.get_by_role("button", name="Send to PACS").click()
        expect(page.locator(".messagelist")).to_contain_text("queued for the PACS")
        expect(page.locator("#triage-pacs")).to_contain_text("MRN-2041")
        expect(page.locator("#triage-pacs")).to_contain_text("Waiting for the task worker")
        assert section_violations(page) == []
        assert orthanc.get("/instances") == []  # the worker sends, not the web request

    send = PacsSend.objects.get()
    assert (send.patient_id, send.status) == ("MRN-2041", PacsSendStatus.QUEUED)
