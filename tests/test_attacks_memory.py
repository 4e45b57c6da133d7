"""A small ZIP that inflates to a gigabyte inside one read must not take a process's memory with it.

Each hostile archive is about 13 MB and holds a member of 1 GiB that deflates 80:1, under the 100:1
ratio check: a CD index (DICOMDIR) whose record carries a 1 GiB element, a slice with a 1 GiB element
in its header, a slice whose header claims 32768 x 32768 pixels with the gigabyte to match, and a ZIP
whose header lies about its member's size. Memory is measured where it is spent: the form's and tus's
screening in a real gunicorn worker (< 64 MB), and the pipeline in a subprocess (< 256 MB).
"""

import io
import json
import subprocess
import sys
import zipfile
from dataclasses import replace
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.db import connection
from tusclient.client import TusClient

from intake.imaging import limits, reasons
from intake.models import StagedUpload, StagedUploadStatus, Upload
from intake.uploads.screening import SCREEN_REASONS
from tests import memory_support as hostile
from tests.factories import mr_small_bytes, zipped_dicom_cd
from tests.serving import (
    ROOT,
    FileToSend,
    Gunicorn,
    Patient,
    database_url,
    memory_kb,
    reset_peak_memory,
)

WEB_MAX_GROWTH_MB = 64
WORKER_MAX_GROWTH_MB = 256


@pytest.fixture(scope="module")
def bombs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bombs")
    return {
        "dicomdir": hostile.write_zip(
            folder / "dicomdir.zip",
            [
                hostile.dicomdir_bomb("CD/DICOMDIR", lists="IM0001"),
                hostile.small("CD/IM0001", mr_small_bytes()),
            ],
        ),
        "dicom": hostile.write_zip(
            folder / "dicom.zip",
            [hostile.header_bomb("CD/IM0001.dcm"), hostile.pixel_bomb("CD/IM0002.dcm")],
        ),
        "lying": hostile.write_zip(
            folder / "lying.zip",
            [replace(hostile.header_bomb("CD/IM0001.dcm"), claimed_size=hostile.MIB)],
        ),
    }


def probe(mode: str, path, kind: str = "zip") -> dict:
    """Screen or process `path` in a fresh Python process; its memory growth and what it found."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.memory_probe", mode, str(path), kind],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_each_hostile_member_is_small_and_passes_the_ratio_check(bombs):
    for name in ("dicomdir", "dicom"):
        with zipfile.ZipFile(bombs[name]) as archive:
            huge = [i for i in archive.infolist() if i.file_size > hostile.HUGE]
            assert huge
            for info in huge:
                assert info.compress_size < 16 * hostile.MIB
                assert info.file_size < info.compress_size * limits.ZIP_MAX_RATIO


@pytest.mark.parametrize("name", ["dicomdir", "dicom", "lying"])
def test_screening_a_zip_that_inflates_to_a_gigabyte_takes_little_memory(bombs, name):
    found = probe("screen", bombs[name])
    assert found["growth_mb"] < WEB_MAX_GROWTH_MB
    assert found["refusal"] is None  # nothing a patient can fix: the pipeline reports the rest


def test_processing_a_cd_whose_index_inflates_to_a_gigabyte_takes_bounded_memory(bombs):
    found = probe("process", bombs["dicomdir"])
    assert found["growth_mb"] < WORKER_MAX_GROWTH_MB
    # The index is not used; the image beside it still is.
    assert reasons.NOTE_DICOMDIR_UNREADABLE in found["notes"]
    assert found["outcome"] == "processed"
    assert found["previews"] == 1


def test_processing_slices_with_a_gigabyte_element_takes_bounded_memory(bombs):
    found = probe("process", bombs["dicom"])
    assert found["growth_mb"] < WORKER_MAX_GROWTH_MB
    # The huge header element is skipped, so that slice is summarised and previewed; the slice
    # claiming a gigapixel is summarised, and its preview refused before decoding.
    assert found["outcome"] == "processed"
    assert found["previews"] == 1
    assert found["failures"] == [["CD/IM0002.dcm", reasons.PREVIEW_FAILED]]


def test_a_zip_that_lies_about_a_members_size_is_read_only_as_far_as_it_claims(bombs):
    found = probe("process", bombs["lying"])
    assert found["growth_mb"] < WORKER_MAX_GROWTH_MB
    assert found["outcome"] == "failed"
    assert found["reason"] == reasons.ZIP_NOTHING_READABLE


def test_a_header_of_a_million_empty_items_is_not_built_in_memory(tmp_path):
    """Not one large element but many tiny ones: pydicom's objects cost ~90 times their bytes."""
    path = tmp_path / "IM0001.dcm"
    path.write_bytes(hostile.header_flood(512 * 1024))  # 4 MiB of items
    screened = probe("screen", path, "dicom")
    assert screened["growth_mb"] < WEB_MAX_GROWTH_MB
    assert screened["refusal"] is None  # too long for the web process to judge: the worker does
    processed = probe("process", path, "dicom")
    assert processed["growth_mb"] < WORKER_MAX_GROWTH_MB
    assert processed["outcome"] == "failed"
    assert processed["reason"] == reasons.DICOM_HEADER_TOO_LARGE


def test_a_central_directory_of_400_000_entries_is_refused_before_it_is_parsed(tmp_path):
    path = hostile.directory_flood(tmp_path / "big-cd.zip", 400_000)  # 19 MB
    screened = probe("screen", path)
    assert screened["growth_mb"] < WEB_MAX_GROWTH_MB
    assert screened["refusal"] == SCREEN_REASONS[reasons.ZIP_TOO_MANY_MEMBERS]
    processed = probe("process", path)
    assert processed["reason"] == reasons.ZIP_TOO_MANY_MEMBERS


# -- The web process, through the real server ---------------------------------------------------


@pytest.fixture
def server(transactional_db, private_storage, tmp_path):
    call_command("seed_exercises", verbosity=0)
    connection.close()
    with Gunicorn(
        database_url(connection.settings_dict["NAME"]),
        private_storage.location,
        env={"INTAKE_RATE_LIMIT_POSTS": "1000000"},
        workers=1,
        log_path=tmp_path / "gunicorn.log",
    ) as running:
        # A first real CD through both ways in, so imports and first-use allocations are not counted.
        patient = Patient(running.base_url)
        assert patient.submit([FileToSend("cd.zip", content=zipped_dicom_cd())]).reference
        tus_upload(running, patient, FileToSend("warm.zip", content=zipped_dicom_cd()))
        yield running


def peak_growth_mb(server: Gunicorn, send) -> tuple[float, object]:
    (pid,) = server.worker_pids()
    reset_peak_memory(pid)
    before = memory_kb(pid)["VmRSS"]
    answer = send()
    return (memory_kb(pid)["VmHWM"] - before) / 1024, answer


def tus_upload(server: Gunicorn, patient: Patient, upload: FileToSend) -> str:
    cookies = "; ".join(f"{k}={v}" for k, v in patient.cookies.items())
    client = TusClient(f"{server.base_url}/mri-review/uploads/", headers={"Cookie": cookies})
    uploader = client.uploader(
        file_path=str(upload.path) if upload.path else None,
        file_stream=None if upload.path else io.BytesIO(upload.content),
        metadata={"filename": upload.name},
        chunk_size=8 * hostile.MIB,
    )
    uploader.upload()
    return uploader.url


@pytest.mark.parametrize("name", ["dicomdir", "dicom"])
def test_the_form_keeps_a_gigabyte_zip_without_the_web_process_growing(bombs, server, name):
    patient = Patient(server.base_url)
    growth, reply = peak_growth_mb(
        server, lambda: patient.submit([FileToSend("my-cd.zip", path=bombs[name])])
    )
    assert reply.status == HTTPStatus.OK
    assert reply.reference
    assert Upload.objects.filter(original_name="my-cd.zip").count() == 1
    assert growth < WEB_MAX_GROWTH_MB


@pytest.mark.parametrize("name", ["dicomdir", "dicom"])
def test_a_tus_upload_of_a_gigabyte_zip_completes_without_the_web_process_growing(
    bombs, server, name
):
    patient = Patient(server.base_url)
    patient.start_upload_session()  # as the dashboard does before its first upload
    growth, _url = peak_growth_mb(
        server, lambda: tus_upload(server, patient, FileToSend("my-cd.zip", path=bombs[name]))
    )
    staged = StagedUpload.objects.get(file_name="my-cd.zip")
    assert staged.status == StagedUploadStatus.COMPLETE
    assert growth < WEB_MAX_GROWTH_MB
