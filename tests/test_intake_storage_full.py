"""Nothing lost when storage fills: every byte kept is checked, and a short file is never kept.

Private storage is a real, small tmpfs of its own, first on another filesystem than the temporary
folder where Django and the tus view receive files (FILE_UPLOAD_TEMP_DIR set apart from storage).
There Django's move into storage is a copy; on a full disk that copy used to write the last piece
short without an error, and the request was kept with a file thousands of bytes shorter than its row.
Then (`same_disk`) with the temporary folder on the small disk too, the default: files are linked
into place, the disk fills while they arrive, and attaching a finished upload needs no free space
at all. A tus chunk is written straight into its upload's one file wherever the temporary folder
is: a full disk cuts that file back to the offset the row had committed.

The free space is set with a filler file so that the disk fills inside the copy's last 64 KiB
piece, exactly as in the incident (a request 3,000 bytes short; a tus part of 512,000 of 524,288).
"""

import hashlib
import os
import subprocess
import tempfile
from http import HTTPStatus
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.test import Client

from intake.models import ReviewRequest, StagedUpload, StagedUploadStatus, Upload
from intake.uploads import staging
from intake.uploads.storage import PrivateFileSystemStorage, temporary_folder
from tests.factories import mr_small_bytes
from tests.intake_support import post_request
from tests.storage_support import LocalFiles
from tests.tus_support import TUS, cookie, new_session_key, patch, staged_bytes, staged_parts

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = 4096
COPY_PIECE = 64 * 1024  # django.core.files.move.file_move_safe's chunk size
SEND_AGAIN = "it was not saved: please wait a minute and send it again"


def free_bytes(folder: Path) -> int:
    stats = os.statvfs(folder)
    return stats.f_bavail * stats.f_frsize


@pytest.fixture
def small_disk(settings):
    """Private storage on a real 3 MB tmpfs, mounted for this test (the tests run as root)."""
    folder = Path(tempfile.mkdtemp(prefix="backcare-small-", dir="/var/tmp"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(folder)], check=True)
    try:
        temp = temporary_folder()  # received files land on another filesystem (see same_disk)
        assert os.stat(temp).st_dev != os.stat(folder).st_dev
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "intake.uploads.storage.PrivateFileSystemStorage",
                "OPTIONS": {
                    "location": folder / "private",
                    "base_url": None,
                    "file_permissions_mode": 0o600,
                    "directory_permissions_mode": 0o700,
                },
            },
        }
        settings.PRIVATE_STORAGE_ROOT = folder / "private"
        yield SmallDisk(folder)
    finally:
        subprocess.run(["umount", str(folder)], check=True)
        folder.rmdir()


class SmallDisk:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files = LocalFiles(folder / "private")
        self.filler = folder / "filler"

    def leave_free(self, size: int) -> None:
        """Fill the disk until exactly `size` bytes (whole pages) are free."""
        assert size % PAGE == 0
        self.filler.write_bytes(b"\0" * (free_bytes(self.folder) - size))
        assert free_bytes(self.folder) == size

    def make_room(self) -> None:
        self.filler.unlink()


def short_write_sizes(pieces: int) -> tuple[int, int]:
    """Free space, and a file size for which the disk fills inside the last 64 KiB piece."""
    free = pieces * COPY_PIECE + 11 * PAGE
    return free, free + 3000


def scan(size: int) -> bytes:
    """A real DICOM file padded with random bytes to `size`."""
    head = mr_small_bytes()
    return head + os.urandom(size - len(head))


@pytest.fixture
def patient():
    """The patient's browser: the error page the site shows, not the exception behind it."""
    return Client(raise_request_exception=False)


# --- The form's own files ------------------------------------------------------------------------


def test_a_file_larger_than_the_free_space_gets_a_503_and_keeps_nothing(small_disk, patient):
    free, size = short_write_sizes(20)
    small_disk.leave_free(free)

    response = post_request(patient, files=[("scan.dcm", scan(size))])

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert SEND_AGAIN in response.text
    assert not ReviewRequest.objects.exists()
    assert not Upload.objects.exists()
    assert small_disk.files.names() == []


def test_a_short_write_that_raises_no_error_is_still_caught_by_the_read_back(
    small_disk, patient, monkeypatch
):
    """The second line of defence on its own: with Django's own move back (the copy that loses the
    last piece without an error), the check of what landed refuses the file."""
    monkeypatch.setattr(PrivateFileSystemStorage, "_save", FileSystemStorage._save)
    free, size = short_write_sizes(20)
    small_disk.leave_free(free)

    response = post_request(patient, files=[("scan.dcm", scan(size))])

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert SEND_AGAIN in response.text
    assert not ReviewRequest.objects.exists()
    assert small_disk.files.names() == []


def test_a_file_that_fits_exactly_is_kept_with_the_sha256_of_its_row(small_disk, patient):
    free, _ = short_write_sizes(20)
    small_disk.leave_free(free)
    content = scan(free)

    response = post_request(patient, files=[("scan.dcm", content)])

    assert response.status_code == HTTPStatus.FOUND
    upload = Upload.objects.get()
    kept = small_disk.files.read(upload.file.name)
    assert upload.size == len(kept) == free
    assert upload.sha256 == hashlib.sha256(kept).hexdigest() == hashlib.sha256(content).hexdigest()


# --- Resumable uploads ---------------------------------------------------------------------------


def create(live_server, session_key: str, length: int) -> str:
    response = requests.post(
        f"{live_server.url}/mri-review/uploads/",
        headers={**TUS, **cookie(session_key), "Upload-Length": str(length)},
        timeout=30,
    )
    assert response.status_code == HTTPStatus.CREATED
    return response.headers["Location"]


def offset(url: str, session_key: str) -> int:
    response = requests.head(url, headers={**TUS, **cookie(session_key)}, timeout=30)
    return int(response.headers["Upload-Offset"])


def test_a_tus_chunk_that_fills_the_disk_is_not_acknowledged_and_resumes_after_space_is_freed(
    small_disk, live_server
):
    session_key = new_session_key()
    free, chunk_size = short_write_sizes(8)
    content = scan(chunk_size + 5000)
    url = create(live_server, session_key, len(content))
    staged = StagedUpload.objects.get()
    small_disk.leave_free(free)

    response = patch(url, session_key, 0, content[:chunk_size], timeout=60)

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE  # tus clients retry a 5xx
    assert "Upload-Offset" not in response.headers
    assert offset(url, session_key) == 0
    assert staged_bytes(small_disk.files, staged) == b""  # cut back to the committed offset

    small_disk.make_room()
    assert (
        patch(url, session_key, 0, content[:chunk_size], timeout=60).status_code
        == HTTPStatus.NO_CONTENT
    )
    done = patch(url, session_key, chunk_size, content[chunk_size:], timeout=60)
    assert done.status_code == HTTPStatus.NO_CONTENT
    assert int(done.headers["Upload-Offset"]) == len(content)
    staged.refresh_from_db()
    assert staged.status == StagedUploadStatus.COMPLETE
    assert staged.sha256 == hashlib.sha256(content).hexdigest()
    parts = staged_parts(small_disk.files, staged)
    assert b"".join(small_disk.files.read(part) for part in parts) == content


def test_a_tus_chunk_written_short_without_an_error_is_caught_by_the_size_check(
    small_disk, live_server, monkeypatch
):
    """The second line of defence on its own: a filesystem that reports every byte written but
    keeps fewer (here the last piece is dropped) is caught by the file's size before the offset is
    committed."""
    real_write = staging.InPlace._write

    def loses_the_last_piece(chunk, piece):
        if chunk.size + len(piece) >= chunk_size:
            chunk.size += len(piece)  # "written"
            return
        real_write(chunk, piece)

    monkeypatch.setattr(staging.InPlace, "_write", loses_the_last_piece)
    session_key = new_session_key()
    _, chunk_size = short_write_sizes(8)
    content = scan(chunk_size + 5000)
    url = create(live_server, session_key, len(content))

    response = patch(url, session_key, 0, content[:chunk_size], timeout=60)

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert offset(url, session_key) == 0
    assert staged_bytes(small_disk.files, StagedUpload.objects.get()) == b""


def test_a_disk_full_in_a_later_chunk_cuts_the_file_back_to_the_committed_offset(
    small_disk, live_server
):
    session_key = new_session_key()
    content = scan(900 * 1024)
    third = len(content) // 3
    url = create(live_server, session_key, len(content))
    assert patch(url, session_key, 0, content[:third], timeout=60).status_code == 204
    staged = StagedUpload.objects.get()
    small_disk.leave_free(third // 2 // PAGE * PAGE)  # the disk fills half-way through the chunk

    response = patch(url, session_key, third, content[third : 2 * third], timeout=60)

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert offset(url, session_key) == third
    assert staged_bytes(small_disk.files, staged) == content[:third]  # not one byte more

    small_disk.make_room()
    assert patch(url, session_key, third, content[third:], timeout=60).status_code == 204
    staged.refresh_from_db()
    assert staged.status == StagedUploadStatus.COMPLETE
    assert staged.sha256 == hashlib.sha256(content).hexdigest()
    assert staged_bytes(small_disk.files, staged) == content


def test_joining_parts_on_a_full_disk_gets_a_503_at_submit_and_keeps_nothing(
    small_disk, live_server, patient
):
    """An upload staged as parts (before chunks were written in place, or on another filesystem
    back then): the submit streams them into one file (two parts: no link can join them), and
    that copy meets the full disk."""
    session_key = new_session_key()
    patient.cookies[settings.SESSION_COOKIE_NAME] = session_key
    content = scan(600 * 1024)
    url = create(live_server, session_key, len(content))
    half = len(content) // 2
    assert patch(url, session_key, 0, content[:half], timeout=60).status_code == 204
    assert patch(url, session_key, half, content[half:], timeout=60).status_code == 204
    staged = StagedUpload.objects.get(status=StagedUploadStatus.COMPLETE)
    (small_disk.folder / "private" / staging.whole_name(staged.staging_name)).unlink()  # as before
    for start, end in ((0, half), (half, len(content))):
        small_disk.files.write(staging.part_name(staged.staging_name, start), content[start:end])
    parts = staged_parts(small_disk.files, staged)
    assert len(parts) == 2
    free, _ = short_write_sizes(7)  # the joined file would need 600 KiB
    small_disk.leave_free(free)

    response = post_request(patient, imaging_plan="upload", staged=[staged.key])

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert SEND_AGAIN in response.text
    assert not ReviewRequest.objects.exists()
    assert not Upload.objects.exists()
    assert small_disk.files.names() == parts  # only the staged parts, ready to send again

    small_disk.make_room()
    response = post_request(patient, imaging_plan="upload", staged=[staged.key])
    assert response.status_code == HTTPStatus.FOUND
    upload = Upload.objects.get()
    assert upload.sha256 == hashlib.sha256(content).hexdigest()
    assert small_disk.files.read(upload.file.name) == content


# --- Received on the storage's own filesystem (the default: linked into place, never copied) -----


@pytest.fixture
def same_disk(small_disk, settings):
    """The small disk holds the temporary folder too, as FILE_UPLOAD_TEMP_DIR's default does."""
    settings.FILE_UPLOAD_TEMP_DIR = str(small_disk.folder / "private" / "incoming")
    return small_disk


def incoming(disk: SmallDisk) -> list[str]:
    folder = disk.folder / "private" / "incoming"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_form_file_larger_than_the_free_space_gets_a_503_while_it_arrives(same_disk, patient):
    free, size = short_write_sizes(20)
    same_disk.leave_free(free)

    response = post_request(patient, files=[("scan.dcm", scan(size))])

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert SEND_AGAIN in response.text
    assert not ReviewRequest.objects.exists()
    assert [n for n in same_disk.files.names() if not n.startswith("incoming/")] == []
    assert incoming(same_disk) == []  # the partial temporary file went at once


def test_a_form_file_that_fits_exactly_is_linked_whole_with_its_streamed_sha256(same_disk, patient):
    free, _ = short_write_sizes(20)
    same_disk.leave_free(free)
    content = scan(free)  # no room for a second copy: only a link can keep it

    response = post_request(patient, files=[("scan.dcm", content)])

    assert response.status_code == HTTPStatus.FOUND
    upload = Upload.objects.get()
    assert same_disk.files.read(upload.file.name) == content
    assert upload.sha256 == hashlib.sha256(content).hexdigest()
    assert incoming(same_disk) == []


def test_the_last_chunk_needs_room_only_for_itself_and_attaching_needs_none(
    same_disk, live_server, patient
):
    """Each chunk is written once, where it stays: completing the upload writes nothing more (it
    used to join the parts into a second copy, and a disk with room for the chunk alone refused
    it), and attaching it is a link."""
    session_key = new_session_key()
    patient.cookies[settings.SESSION_COOKIE_NAME] = session_key
    content = scan(600 * 1024)
    half = len(content) // 2
    url = create(live_server, session_key, len(content))
    assert patch(url, session_key, 0, content[:half], timeout=60).status_code == 204
    staged = StagedUpload.objects.get()
    whole = same_disk.folder / "private" / staged.staging_name / "whole"
    inode = whole.stat().st_ino
    same_disk.leave_free(len(content) - half + 8 * PAGE)  # room for the last chunk, no more

    assert patch(url, session_key, half, content[half:], timeout=60).status_code == 204
    staged.refresh_from_db()
    assert staged.status == StagedUploadStatus.COMPLETE
    assert staged.sha256 == hashlib.sha256(content).hexdigest()
    assert staged_parts(same_disk.files, staged) == [f"{staged.staging_name}/whole"]
    assert whole.stat().st_ino == inode
    assert incoming(same_disk) == []

    same_disk.make_room()
    same_disk.leave_free(8 * PAGE)  # far less than the file: attaching must not copy it
    response = post_request(patient, imaging_plan="upload", staged=[staged.key])
    assert response.status_code == HTTPStatus.FOUND
    upload = Upload.objects.get()
    kept = same_disk.folder / "private" / upload.file.name
    assert kept.stat().st_ino == inode
    assert kept.read_bytes() == content
    assert upload.sha256 == hashlib.sha256(content).hexdigest()
    assert [n for n in same_disk.files.names() if not n.startswith("incoming/")] == [
        upload.file.name
    ]
