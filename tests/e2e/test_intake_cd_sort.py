"""A patient's CD is sorted in the browser before anything is sent: studies shown, the newest spine
MRI ticked, warnings in plain words (in the page's language), and only the ticked files uploaded
(Chromium)."""

import hashlib
import json
import re
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pydicom
import pytest
from django.core.cache import cache
from django.utils import translation
from playwright.sync_api import expect

from bench.studies import CdStudy, build_cd
from intake.models import ReviewRequest, StagedUpload
from intake.request.cd_words import cd_sort_strings
from tests.e2e.conftest import axe_violations, reach_the_upload_box
from tests.e2e.test_intake_form import fill_like_a_patient
from tests.factories import pdf_bytes, zipped_dicom_cd

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(tempfile.gettempdir()) / "backcare-screenshots"
SHOTS.mkdir(exist_ok=True)
RECENT = (date.today() - timedelta(days=60)).strftime("%Y%m%d")
LUMBAR_MR = CdStudy(study_date=RECENT)
OLD_CT = CdStudy(
    modality="CT",
    study_date="20190304",
    body_part="HEAD",
    description="CT HEAD WO CONTRAST",
    series=("AXIAL",),
    images_per_series=2,
)


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()


@pytest.fixture
def two_study_cd(tmp_path) -> Path:
    """An old head CT and a recent lumbar MRI, with a DICOMDIR, files without extensions, and the
    viewer program's clutter beside them."""
    cd = build_cd(tmp_path / "CD", [OLD_CT, LUMBAR_MR])
    (cd / "AUTORUN.INF").write_bytes(b"[autorun]\r\nopen=VIEWER\\viewer.exe\r\n")
    (cd / "VIEWER").mkdir()
    (cd / "VIEWER" / "viewer.exe").write_bytes(b"MZ" + b"\0" * 500)
    return cd


def digests_of(paths) -> list[str]:
    return sorted(hashlib.sha256(p.read_bytes()).hexdigest() for p in paths)


def mr_files(cd: Path) -> list[Path]:
    files = [p for p in cd.rglob("IM*") if p.is_file()]
    return [p for p in files if pydicom.dcmread(p, stop_before_pixels=True).Modality == "MR"]


def choose_folder(page, folder: Path) -> None:
    page.locator("#upload-dashboard input[type=file][webkitdirectory]").set_input_files(folder)


def test_the_cd_is_sorted_and_only_the_ticked_mri_is_sent(
    page, live_server, console_errors, two_study_cd
):
    page.goto(f"{live_server.url}/mri-review/")
    reach_the_upload_box(page)
    fill_like_a_patient(page)
    choose_folder(page, two_study_cd)

    studies = page.locator("#cd-sort-list > li")
    expect(studies).to_have_count(2, timeout=30_000)
    mri, ct = studies.nth(0), studies.nth(1)
    expect(mri).to_contain_text("MRI: MRI LUMBAR SPINE")
    expect(mri).to_contain_text("3 series, 9 images")
    expect(ct).to_contain_text("CT scan: CT HEAD WO CONTRAST, Mar 4, 2019")
    expect(ct).to_contain_text("1 series, 2 images")
    expect(mri.get_by_role("checkbox").first).to_be_checked()
    expect(ct.get_by_role("checkbox").first).not_to_be_checked()
    expect(ct.locator(".cd-warnings")).to_contain_text("This is a CT scan, not an MRI.")
    expect(ct.locator(".cd-warnings")).to_contain_text(
        "This scan is from Mar 4, 2019. That is more than 12 months ago."
    )
    expect(mri.locator(".cd-warnings li")).to_have_count(0)
    expect(page.locator("#cd-sort")).to_contain_text("We ticked the newest MRI of your spine.")
    expect(page.locator("#cd-sort-status")).to_contain_text(
        "We found 2 studies on your CD. You ticked 1: 9 images, "
    )
    expect(page.locator("#upload-notes")).to_contain_text("We left out 2 files")
    # Nothing has left the browser yet: the patient has not pressed the button.
    assert not StagedUpload.objects.exists()
    assert axe_violations(page) == []
    page.screenshot(path=SHOTS / "intake-cd-sort.png", full_page=False)

    # Sending the form before choosing is stopped with a plain message.
    page.get_by_role("button", name="Send my request").click()
    expect(page.locator("#upload-notes")).to_contain_text("Please choose the scans to send")

    page.get_by_role("button", name="Upload the ticked scans").click()
    expected = [*mr_files(two_study_cd), two_study_cd / "DICOMDIR"]
    expect(page.locator("#staged-inputs input[name=staged]")).to_have_count(
        len(expected), timeout=60_000
    )
    expect(page.locator("#upload-notes")).to_contain_text(
        "We did not upload 1 study you left unticked."
    )
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("We have your request")
    uploads = ReviewRequest.objects.get().uploads.all()
    assert sorted(u.sha256 for u in uploads) == digests_of(expected)
    assert console_errors == []


def test_a_name_that_differs_from_the_form_is_said_before_sending(page, live_server, two_study_cd):
    page.goto(f"{live_server.url}/mri-review/")
    reach_the_upload_box(page)
    fill_like_a_patient(page)
    page.get_by_label("Last name").fill("Smith")
    choose_folder(page, two_study_cd)
    warnings = page.locator("#cd-sort-list > li").first.locator(".cd-warnings")
    expect(warnings).to_have_text(
        "The name in this scan (LOPEZ, MARIA) is not the name you typed (Maria Smith). "
        "Is this your scan?",
        timeout=30_000,
    )
    # Fixing the form clears the warning while the patient is still choosing.
    page.get_by_label("Last name").fill("Lopez")
    expect(warnings.locator("li")).to_have_count(0)
    page.get_by_label("Date of birth").fill("03/28/1968")
    expect(warnings).to_have_text(
        "The birth date in this scan (Mar 27, 1968) is not the one you typed (Mar 28, 1968)."
    )
    assert not StagedUpload.objects.exists()


def test_a_series_can_be_unticked_and_a_cd_without_dicomdir_sorts_by_headers(
    page, live_server, tmp_path
):
    cd = build_cd(tmp_path / "CD", [OLD_CT, LUMBAR_MR], dicomdir=False)
    page.goto(f"{live_server.url}/mri-review/")
    reach_the_upload_box(page)
    choose_folder(page, cd)
    mri = page.locator("#cd-sort-list > li").first
    expect(mri).to_contain_text("3 series, 9 images", timeout=30_000)
    mri.get_by_text("Choose series (3)").click()
    mri.get_by_label("T2 AX (MR): 3 images", exact=False).uncheck()
    expect(mri.get_by_role("checkbox").first).to_have_js_property("indeterminate", True)
    expect(page.locator("#cd-sort-status")).to_contain_text("You ticked 1: 6 images")
    page.get_by_role("button", name="Upload the ticked scans").click()
    expect(page.locator("#staged-inputs input[name=staged]")).to_have_count(6, timeout=60_000)
    kept = {hashlib.sha256(p.read_bytes()).hexdigest(): p for p in cd.rglob("IM*")}
    sent = [kept[s.sha256] for s in StagedUpload.objects.all()]
    assert {pydicom.dcmread(p).SeriesDescription for p in sent} == {"T2 SAG", "T1 SAG"}


def test_a_zipped_cd_is_uploaded_as_it_is_without_a_choice(page, live_server):
    archive = zipped_dicom_cd()
    page.goto(f"{live_server.url}/mri-review/")
    reach_the_upload_box(page)
    page.locator("#upload-dashboard input[type=file]:not([webkitdirectory])").first.set_input_files(
        [{"name": "MY_CD.ZIP", "mimeType": "application/zip", "buffer": archive}]
    )
    expect(page.locator("#staged-inputs input[name=staged]")).to_have_count(1, timeout=60_000)
    expect(page.locator("#cd-sort")).to_be_hidden()
    assert StagedUpload.objects.get().sha256 == hashlib.sha256(archive).hexdigest()


def lower_case_copy_without_uids(cd: Path, to: Path) -> Path:
    """The CD copied by a tool that lower-cases every name, its DICOMDIR stripped of UIDs (as some
    CD writers leave it): the directory's records still say which file is in which series."""
    for path in sorted(cd.rglob("*")):
        target = to / str(path.relative_to(cd)).lower()
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    dicomdir = pydicom.dcmread(to / "dicomdir")
    for record in dicomdir.DirectoryRecordSequence:
        for keyword in ("StudyInstanceUID", "SeriesInstanceUID"):
            if keyword in record:
                delattr(record, keyword)
    dicomdir.save_as(to / "dicomdir")
    return to


def test_a_lower_case_copy_with_a_dicomdir_without_uids_sorts_the_same(
    page, live_server, two_study_cd, tmp_path
):
    cd = lower_case_copy_without_uids(two_study_cd, tmp_path / "copy")
    page.goto(f"{live_server.url}/mri-review/")
    reach_the_upload_box(page)
    choose_folder(page, cd)
    studies = page.locator("#cd-sort-list > li")
    expect(studies).to_have_count(2, timeout=30_000)
    expect(studies.nth(0)).to_contain_text("3 series, 9 images")
    expect(studies.nth(1)).to_contain_text("1 series, 2 images")
    expect(studies.nth(0).get_by_role("checkbox").first).to_be_checked()


def words(text: str) -> set[str]:
    return {word.lower() for word in re.findall(r"[^\W\d_]{3,}", text)}


def english_only_words() -> set[str]:
    """Words of the picker's English that its Spanish never uses (placeholders left out)."""

    def said(language: str) -> set[str]:
        with translation.override(language):
            strings = json.dumps(cd_sort_strings(), ensure_ascii=False)
            strings += " ".join(
                translation.gettext(text)
                for text in ("Choose the scans to send", "Upload the ticked scans")
            )
        return words(re.sub(r"%\(\w+\)s", " ", strings))

    return said("en") - said("es")


def what_the_files_say(cd: Path) -> list[str]:
    """The descriptions, names and codes in the CD's headers: shown as they are, in any language."""
    said = set()
    for path in cd.rglob("IM*"):
        header = pydicom.dcmread(path, stop_before_pixels=True)
        for keyword in ("StudyDescription", "SeriesDescription", "Modality", "BodyPartExamined"):
            said.add(str(header.get(keyword, "")))
    return sorted(filter(None, said), key=len, reverse=True)


def test_on_the_spanish_page_the_picker_speaks_spanish(page, live_server, two_study_cd):
    page.goto(f"{live_server.url}/es/mri-review/")
    reach_the_upload_box(page)
    choose_folder(page, two_study_cd)

    studies = page.locator("#cd-sort-list > li")
    expect(studies).to_have_count(2, timeout=30_000)
    mri, ct = studies.nth(0), studies.nth(1)
    expect(mri).to_contain_text("Resonancia: MRI LUMBAR SPINE")
    expect(mri).to_contain_text("3 series, 9 imágenes")
    expect(ct).to_contain_text("Tomografía: CT HEAD WO CONTRAST, 4 mar 2019")
    expect(ct).to_contain_text("1 serie, 2 imágenes")
    expect(ct.locator(".cd-warnings")).to_contain_text("Esto es una tomografía, no una resonancia.")
    expect(ct.locator(".cd-warnings")).to_contain_text(
        "Este estudio es del 4 mar 2019. Eso fue hace más de 12 meses."
    )
    expect(page.locator("#cd-sort")).to_contain_text(
        "Marcamos la resonancia más reciente de su columna."
    )
    expect(page.locator("#cd-sort-status")).to_contain_text(
        "Encontramos 2 estudios en su CD. Marcó 1: 9 imágenes, "
    )
    expect(page.locator("#upload-notes")).to_contain_text("Dejamos fuera 2 archivos")
    for summary in page.locator("#cd-sort-list summary").all():
        expect(summary).to_have_text(re.compile(r"^Elija las series \(\d\)$"))
        summary.click()
    expect(mri.get_by_label("T2 AX (MR): 3 imágenes", exact=False)).to_be_checked()

    # No English left but what the files themselves say (descriptions, codes).
    shown = (
        page.locator("#cd-sort-box").inner_text() + " " + page.locator("#upload-notes").inner_text()
    )
    for said in what_the_files_say(two_study_cd) + [p.name for p in two_study_cd.rglob("*")]:
        shown = shown.replace(said, " ")
    assert words(shown) & english_only_words() == set()
    assert axe_violations(page) == []

    # Uppy's own words, on its buttons and labels too, once the ticked files are sent.
    page.get_by_role("button", name="Subir los estudios marcados").click()
    expect(page.locator("#staged-inputs input[name=staged]")).to_have_count(10, timeout=60_000)
    dashboard = page.locator("#upload-dashboard-target")
    expect(dashboard.get_by_text("Subida completa")).to_be_visible()
    labels = dashboard.evaluate(
        """target => [target.innerText].concat(
            Array.from(target.querySelectorAll("[aria-label], [title]"), (element) =>
                (element.getAttribute("aria-label") || "") + " " + (element.getAttribute("title") || "")))
            .join(" ")"""
    )
    for path in two_study_cd.rglob("*"):
        labels = labels.replace(path.name, " ")
    uppy_english = {"upload", "uploaded", "file", "files", "remove", "cancel", "retry", "pause",
                    "resume", "complete", "done", "back", "more", "add", "drop", "browse", "edit",
                    "selected", "left", "powered", "open", "close", "folder"}  # fmt: skip
    assert words(labels) & uppy_english == set()


def test_on_the_spanish_page_the_upload_areas_refusal_is_said_in_spanish(
    page, live_server, settings
):
    """The upload endpoint's URL has no /es/: the dashboard tells it the page's language."""
    report = pdf_bytes()
    settings.INTAKE_STAGING_MAX_TOTAL_BYTES = len(report) - 1
    page.goto(f"{live_server.url}/es/mri-review/")
    reach_the_upload_box(page)
    page.locator("#upload-dashboard input[type=file]:not([webkitdirectory])").first.set_input_files(
        [{"name": "informe.pdf", "mimeType": "application/pdf", "buffer": report}]
    )
    expect(page.locator("#upload-notes")).to_have_text(
        "No pudimos subir “informe.pdf”: nuestro espacio para recibir archivos está lleno en este "
        "momento. Intente otra vez en unas horas, o envíe el formulario y elija “Voy a enviar un "
        "CD o placas a la clínica”.",
        timeout=30_000,
    )
    assert not StagedUpload.objects.exists()
