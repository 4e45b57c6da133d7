"""Each byte a patient sends is written once where it is kept and hashed once (SHA-256), and a
finished resumable upload is attached without a second copy: on local disk a link (the same inode),
on a bucket a server-side copy (UploadPartCopy: no byte downloaded).

The SHA-256 work is counted by wrapping `hashlib.sha256` (and botocore's own reference to it, which
computes S3 request checksums) for the test's process, where the live server's threads run too.
The full-disk cases of these paths are in test_intake_storage_full.py.
"""

import hashlib
import os
from http import HTTPStatus

import botocore.httpchecksum
import pytest
import requests
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command

from intake.models import ReviewRequest, StagedUpload, StagedUploadStatus
from intake.rules import SNIFF_BYTES
from intake.uploads import staging
from intake.uploads.storage import PrivateFileSystemStorage
from tests.factories import mr_small_bytes
from tests.intake_support import intake_settings, post_request  # noqa: F401
from tests.tus_support import TUS, cookie, new_session_key, patch, sha256_header

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("intake_settings")]

CHUNK = 6 * 1024**2  # over S3's 5 MiB part minimum, so a bucket can join the parts server-side


class HashedBytes:
    """How many bytes went through SHA-256 since the last `take`."""

    def __init__(self, monkeypatch) -> None:
        self.count = 0
        real = hashlib.sha256

        def counting(data=b"", **kwargs):
            self.count += len(data)
            return _Counted(real(data, **kwargs), self)

        def new(name, data=b"", **kwargs):  # how the tus view makes a checksum's hash
            return counting(data, **kwargs) if name == "sha256" else real_new(name, data, **kwargs)

        real_new = hashlib.new
        monkeypatch.setattr(hashlib, "sha256", counting)
        monkeypatch.setattr(hashlib, "new", new)
        monkeypatch.setattr(botocore.httpchecksum, "sha256", counting)
        real_update = staging.Sha256.update  # a tus upload's SHA-256 kept across its chunks

        def update(digest, data) -> None:
            self.count += len(data)
            real_update(digest, data)

        monkeypatch.setattr(staging.Sha256, "update", update)

    def take(self) -> int:
        count, self.count = self.count, 0
        return count


class _Counted:
    def __init__(self, digest, counter: HashedBytes) -> None:
        self._digest, self._counter = digest, counter

    def update(self, data) -> None:
        self._counter.count += len(data)
        self._digest.update(data)

    def copy(self) -> "_Counted":
        return _Counted(self._digest.copy(), self._counter)

    def __getattr__(self, name):
        return getattr(self._digest, name)


@pytest.fixture
def hashed(monkeypatch) -> HashedBytes:
    return HashedBytes(monkeypatch)


@pytest.fixture
def session_key(client) -> str:
    key = new_session_key()
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    return key


def scan(size: int) -> bytes:
    head = mr_small_bytes()
    return head + os.urandom(size - len(head))


def create(live_server, session_key: str, length: int) -> str:
    response = requests.post(
        f"{live_server.url}/mri-review/uploads/",
        headers={**TUS, **cookie(session_key), "Upload-Length": str(length)},
        timeout=30,
    )
    assert response.status_code == HTTPStatus.CREATED
    return response.headers["Location"]


def send(url: str, session_key: str, content: bytes, *, start=0, end=None) -> None:
    """PATCH `content[start:end]` in chunks of CHUNK bytes."""
    stop = len(content) if end is None else end
    for offset in range(start, stop, CHUNK):
        chunk = content[offset : min(offset + CHUNK, stop)]
        response = patch(url, session_key, offset, chunk, timeout=120)
        assert response.status_code == HTTPStatus.NO_CONTENT, response.text


def test_a_form_file_is_hashed_once_as_it_arrives_and_linked_not_copied(
    client, private_storage, hashed, monkeypatch
):
    def no_copy(*args, **kwargs):
        raise AssertionError("a file on the storage's filesystem was copied")

    monkeypatch.setattr(PrivateFileSystemStorage, "save", no_copy)  # the copy-and-read-back path
    content = scan(3 * 1024**2)
    hashed.take()

    response = post_request(client, files=[("scan.dcm", content)])

    assert response.status_code == HTTPStatus.FOUND
    assert len(content) <= hashed.take() < len(content) + 64 * 1024  # once, while it streamed
    upload = ReviewRequest.objects.get().uploads.get()
    assert upload.sha256 == hashlib.sha256(content).hexdigest()
    assert private_storage.read(upload.file.name) == content


def test_a_tus_upload_is_hashed_once_and_attached_by_a_link_on_local_disk(
    client, live_server, session_key, private_storage, hashed
):
    content = scan(2 * CHUNK + 12345)
    url = create(live_server, session_key, len(content))
    hashed.take()

    send(url, session_key, content, end=CHUNK)
    # Each chunk is written straight into the one file, its bytes hashed on the way into the
    # whole file's SHA-256 (its state saved beside the file between chunks): never read back.
    assert CHUNK <= hashed.take() < CHUNK + 64 * 1024
    whole = next(private_storage.location.glob("staging/*/whole"))
    inode = whole.stat().st_ino
    send(url, session_key, content, start=CHUNK)
    # The last chunk finished the hash: the file was not read again.
    assert len(content) - CHUNK <= hashed.take() < len(content) - CHUNK + 64 * 1024
    staged = StagedUpload.objects.get(status=StagedUploadStatus.COMPLETE)
    assert whole == private_storage.location / staged.staging_name / "whole"
    assert whole.stat().st_ino == inode  # written in place, never joined or copied
    assert sorted(p.name for p in whole.parent.iterdir()) == ["whole"]  # its lock file is gone

    response = post_request(client, imaging_plan="upload", staged=[staged.key])

    assert response.status_code == HTTPStatus.FOUND
    assert hashed.take() < 64 * 1024  # attaching reads nothing back
    upload = ReviewRequest.objects.get().uploads.get()
    kept = private_storage.location / upload.file.name
    assert kept.stat().st_ino == inode  # the same bytes on disk: not a copy
    assert kept.read_bytes() == content
    assert (upload.size, upload.sha256) == (len(content), hashlib.sha256(content).hexdigest())
    assert not (private_storage.location / staged.staging_name).exists()  # after the commit


def test_a_chunk_with_a_sha256_checksum_is_hashed_once_for_it_and_once_for_the_file(
    live_server, session_key, private_storage, hashed
):
    content = scan(2 * CHUNK)
    url = create(live_server, session_key, len(content))
    hashed.take()

    for offset in (0, CHUNK):
        chunk = content[offset : offset + CHUNK]
        response = patch(
            url,
            session_key,
            offset,
            chunk,
            timeout=120,
            **{"Upload-Checksum": sha256_header(chunk)},
        )
        assert response.status_code == HTTPStatus.NO_CONTENT

    # Each byte twice, never more: once for the chunk's checksum, once for the whole file's
    # SHA-256 (on local disk as it is written, on a bucket in one pass at the end).
    hashed_bytes = hashed.take() - len(content)  # less the test's own sha256_header
    assert 2 * len(content) <= hashed_bytes < 2 * len(content) + 64 * 1024
    staged = StagedUpload.objects.get(status=StagedUploadStatus.COMPLETE)
    assert staged.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize("private_storage", ["s3"], indirect=True)
def test_a_chunk_put_in_a_bucket_is_hashed_once_by_the_checksum_the_store_checks(
    live_server, session_key, private_storage, hashed
):
    content = scan(SNIFF_BYTES + 2 * CHUNK)
    url = create(live_server, session_key, len(content))
    send(url, session_key, content, end=SNIFF_BYTES)  # sniffing the first bytes downloads them
    hashed.take()

    chunk = content[SNIFF_BYTES : SNIFF_BYTES + CHUNK]
    assert patch(url, session_key, SNIFF_BYTES, chunk, timeout=120).status_code == 204

    assert CHUNK <= hashed.take() < CHUNK + 64 * 1024
    staged = StagedUpload.objects.get()
    assert private_storage.read(f"{staged.staging_name}/{SNIFF_BYTES:020d}") == chunk


@pytest.mark.parametrize("private_storage", ["s3"], indirect=True)
def test_a_tus_upload_is_attached_by_a_server_side_copy_on_a_bucket(
    client, live_server, session_key, private_storage, hashed
):
    content = scan(2 * CHUNK + 12345)
    url = create(live_server, session_key, len(content))
    send(url, session_key, content)
    staged = StagedUpload.objects.get(status=StagedUploadStatus.COMPLETE)
    calls: list[str] = []
    default_storage.connection.meta.client.meta.events.register(
        "before-call.s3", lambda model, **kwargs: calls.append(model.name)
    )
    hashed.take()

    response = post_request(client, imaging_plan="upload", staged=[staged.key])

    assert response.status_code == HTTPStatus.FOUND
    assert calls.count("UploadPartCopy") == 3  # one per staged part, in the store
    assert "GetObject" not in calls
    assert "PutObject" not in calls
    assert "UploadPart" not in calls
    assert hashed.take() < 64 * 1024
    upload = ReviewRequest.objects.get().uploads.get()
    assert private_storage.read(upload.file.name) == content
    assert (upload.size, upload.sha256) == (len(content), hashlib.sha256(content).hexdigest())
    private_storage.assert_private(upload.file.name)


def test_old_files_left_in_the_receiving_folder_are_swept(private_storage, settings):
    """A web process killed mid-request leaves its temporary file in private storage's incoming/."""
    settings.FILE_UPLOAD_TEMP_DIR = str(private_storage.location / "incoming")
    private_storage.write("incoming/tmpabc.upload.dcm", b"left by a killed web process")

    call_command("sweep_stray_uploads")  # default cut-off: it may still be arriving
    assert private_storage.exists("incoming/tmpabc.upload.dcm")

    call_command("sweep_stray_uploads", "--older-than-hours", "0")
    assert not private_storage.exists("incoming/tmpabc.upload.dcm")
