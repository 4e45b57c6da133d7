"""A patient uploads a whole CD folder through the resumable upload dashboard, in Chromium."""

import hashlib
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from playwright.sync_api import expect

from intake.models import ReviewRequest, StagedUpload
from tests.e2e.conftest import axe_violations, reach_the_upload_box
from tests.e2e.test_intake_form import fill_like_a_patient
from tests.factories import PYDICOM_TEST_FILES, pdf_bytes

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(tempfile.gettempdir()) / "backcare-screenshots"
SHOTS.mkdir(exist_ok=True)
CLUTTER = {"AUTORUN.INF": b"[autorun]\r\nopen=viewer.exe\r\n", "viewer.exe": b"MZ" + b"\0" * 500}


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()


@pytest.fixture
def cd_folder(tmp_path) -> Path:
    """pydicom's DICOMDIR CD tree, as the patient's CD drive shows it, with a viewer's clutter and
    the radiologist's PDF report beside it."""
    source = PYDICOM_TEST_FILES / "dicomdirtests"
    cd = tmp_path / "MRI_CD"
    cd.mkdir()
    shutil.copy(source / "DICOMDIR", cd / "DICOMDIR")
    for folder in ("77654033", "98892001", "98892003"):
        shutil.copytree(source / folder, cd / folder)
    for name, content in CLUTTER.items():
        (cd / name).write_bytes(content)
    (cd / "report.pdf").write_bytes(pdf_bytes())
    return cd


def send_the_ticked_scans(page, *, tick_all: bool = False) -> None:
    """The dashboard holds DICOM files back until the patient has seen the studies and pressed the
    button (tests/e2e/test_intake_cd_sort.py); tick_all ticks every study first."""
    expect(page.locator("#cd-sort")).to_be_visible(timeout=30_000)
    if tick_all:
        for box in page.locator("#cd-sort-list > li > .form-check input").all():
            box.check()
    page.get_by_role("button", name="Upload the ticked scans").click()


def cd_files(cd: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in cd.rglob("*") if p.is_file() and p.name not in CLUTTER}


def test_a_patient_uploads_a_whole_cd_folder_and_every_file_is_attached(
    page, live_server, console_errors, cd_folder
):
    page.goto(f"{live_server.url}/mri-review/")
    reach_the_upload_box(page)
    dashboard = page.locator("#upload-dashboard")
    expect(dashboard).to_be_visible()
    expect(page.locator("#div_id_files")).to_be_hidden()
    assert axe_violations(page) == []

    fill_like_a_patient(page)
    page.locator("#upload-dashboard input[type=file][webkitdirectory]").set_input_files(cd_folder)
    send_the_ticked_scans(page, tick_all=True)

    expected = cd_files(cd_folder)
    expect(page.locator("#upload-notes")).to_contain_text("We left out 2 files")
    expect(page.locator("#staged-inputs input[name=staged]")).to_have_count(
        len(expected), timeout=60_000
    )
    expect(dashboard.get_by_text("Complete", exact=True)).to_be_visible()
    # Uppy created the files four at a time, yet they all went into one session (the page wrote
    # none; the dashboard asked for it once before the first upload).
    assert Session.objects.count() == 1
    assert StagedUpload.objects.values("owner").distinct().count() == 1
    assert axe_violations(page) == []
    page.screenshot(path=SHOTS / "intake-uploads-complete.png", full_page=False)
    page.set_viewport_size({"width": 375, "height": 800})
    dashboard.scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / "intake-uploads-375.png", full_page=False)

    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("We have your request")
    uploads = ReviewRequest.objects.get().uploads.all()
    assert sorted(u.original_name for u in uploads) == sorted(expected)
    for upload in uploads:
        assert upload.sha256 == hashlib.sha256(expected[upload.original_name]).hexdigest()
    assert {u.kind for u in uploads} == {"dicom", "pdf"}
    assert not StagedUpload.objects.exists()
    assert console_errors == []


def test_an_upload_cut_off_mid_way_resumes_and_completes(
    page, live_server, console_errors, settings
):
    settings.INTAKE_TUS_CHUNK_SIZE = 64 * 1024
    scan = (PYDICOM_TEST_FILES / "MR_small.dcm").read_bytes() * 1  # 9 KB header + pixels
    big = scan + b"\0" * (600 * 1024)  # a DICOM file of several chunks
    patches: list[str] = []
    aborted: list[str] = []

    def cut_the_third_chunk(route):
        patches.append(route.request.url)
        if len(patches) == 3 and not aborted:
            aborted.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(
        re.compile(r".*/mri-review/uploads/[^/]+$"),
        lambda route: (
            cut_the_third_chunk(route) if route.request.method == "PATCH" else route.continue_()
        ),
    )
    page.goto(f"{live_server.url}/mri-review/")
    reach_the_upload_box(page)
    fill_like_a_patient(page)
    page.locator("#upload-dashboard input[type=file]:not([webkitdirectory])").first.set_input_files(
        [{"name": "IM000001.dcm", "mimeType": "application/dicom", "buffer": big}]
    )
    send_the_ticked_scans(page)
    expect(page.locator("#staged-inputs input[name=staged]")).to_have_count(1, timeout=60_000)
    assert aborted, "the third chunk should have been cut off"
    # Resumed from the server's offset: the file went up in one pass, not again from zero.
    chunks = -(-len(big) // (64 * 1024))
    assert len(patches) == chunks + 1
    staged = StagedUpload.objects.get()
    assert staged.sha256 == hashlib.sha256(big).hexdigest()

    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("We have your request")
    assert ReviewRequest.objects.get().uploads.get().size == len(big)
    assert [e for e in console_errors if "ERR_CONNECTION_RESET" not in e and "tus" not in e] == []


def test_after_a_reload_the_upload_carries_on_from_the_servers_offset(page, live_server, settings):
    settings.INTAKE_TUS_CHUNK_SIZE = 64 * 1024
    big = (PYDICOM_TEST_FILES / "MR_small.dcm").read_bytes() + b"\0" * (600 * 1024)
    kept_before_reload = 3 * 64 * 1024
    offsets: list[int] = []
    stalled = {"on": True}

    def stall_after_three_chunks(route):
        if route.request.method == "PATCH":
            offset = int(route.request.headers["upload-offset"])
            if stalled["on"] and offset >= kept_before_reload:
                route.abort("connectionreset")
                return
            offsets.append(offset)
        route.continue_()

    page.route(re.compile(r".*/mri-review/uploads/[^/]+$"), stall_after_three_chunks)
    page.goto(f"{live_server.url}/mri-review/")
    reach_the_upload_box(page)
    page.locator("#upload-dashboard input[type=file]:not([webkitdirectory])").first.set_input_files(
        [{"name": "IM000001.dcm", "mimeType": "application/dicom", "buffer": big}]
    )
    send_the_ticked_scans(page)
    for _ in range(300):
        if StagedUpload.objects.filter(offset__gte=kept_before_reload).exists():
            break
        page.wait_for_timeout(100)
    assert StagedUpload.objects.get().offset == kept_before_reload

    stalled["on"] = False
    sent_before_reload = len(offsets)
    page.reload()
    reach_the_upload_box(page)
    expect(page.locator("#staged-inputs input[name=staged]")).to_have_count(1, timeout=60_000)

    # The same upload finished: after the reload it went on from the server's offset, not from zero.
    assert min(offsets[sent_before_reload:]) == kept_before_reload
    staged = StagedUpload.objects.get()
    assert staged.sha256 == hashlib.sha256(big).hexdigest()
    fill_like_a_patient(page)
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("We have your request")
    assert ReviewRequest.objects.get().uploads.get().size == len(big)


def test_a_full_staging_area_is_told_in_the_servers_words_without_retrying(
    page, live_server, settings
):
    report = pdf_bytes()
    settings.INTAKE_STAGING_MAX_TOTAL_BYTES = len(report) - 1
    creations: list[int] = []
    page.on(
        "response",
        lambda response: (
            creations.append(response.status)
            if response.request.method == "POST" and response.url.endswith("/mri-review/uploads/")
            else None
        ),
    )
    page.goto(f"{live_server.url}/mri-review/")
    reach_the_upload_box(page)
    page.locator("#upload-dashboard input[type=file]:not([webkitdirectory])").first.set_input_files(
        [{"name": "report.pdf", "mimeType": "application/pdf", "buffer": report}]
    )
    expect(page.locator("#upload-notes")).to_contain_text(
        "“report.pdf” was not uploaded: our upload area is full just now."
    )
    page.wait_for_timeout(1500)  # Uppy's first retry would come after 0 s, the next after 1 s
    assert creations == [507]
    assert not StagedUpload.objects.exists()
