"""On local disk each tus chunk is written straight into its upload's one file (`staging.InPlace`):
the file is always exactly the bytes the row's committed offset counts, whatever goes wrong.

The full disk cases are in test_intake_storage_full.py, a trickling chunk overtaken by a quick one
in test_intake_tus_slow_clients.py, chunks alternating between two servers in test_scale_out.py.
"""

import base64
import hashlib
import io
import os
import socket
import threading
import time
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
import requests

from intake.models import StagedUpload, StagedUploadStatus
from intake.uploads import staging
from intake.uploads.handlers import BODY_PIECE
from tests.factories import mr_small_bytes
from tests.intake_support import intake_settings  # noqa: F401
from tests.tus_support import TUS, cookie, new_session_key, patch, tus_client, uploader

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("intake_settings")]

CHUNK = BODY_PIECE  # what the server reads of a body at a time


def scan(size: int) -> bytes:
    head = mr_small_bytes()
    return head + os.urandom(size - len(head))


@pytest.fixture
def session_key():
    return new_session_key()


def create(live_server, session_key: str, content: bytes) -> str:
    up = uploader(tus_client(live_server, session_key), "MR_small.dcm", content)
    return up.create_url()


def on_disk(private_storage) -> bytes:
    """The upload's one file, as it is on disk now."""
    staged = StagedUpload.objects.get()
    return (private_storage.location / staging.whole_name(staged.staging_name)).read_bytes()


def committed(url: str, session_key: str) -> int:
    response = requests.head(url, headers={**TUS, **cookie(session_key)}, timeout=10)
    return int(response.headers["Upload-Offset"])


def cut_off(
    live_server, url: str, session_key: str, offset: int, body: bytes, sent: int, **headers
):
    """A PATCH that announces `body` and sends only its first `sent` bytes, then drops."""
    path = urlsplit(url).path
    host, port = urlsplit(live_server.url).hostname, urlsplit(live_server.url).port
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(
            (
                f"PATCH {path} HTTP/1.1\r\nHost: {host}:{port}\r\nTus-Resumable: 1.0.0\r\n"
                f"Cookie: {cookie(session_key)['Cookie']}\r\n"
                "Content-Type: application/offset+octet-stream\r\n"
                f"Upload-Offset: {offset}\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
            ).encode()
            + body[:sent]
        )
        sock.shutdown(socket.SHUT_WR)
        sock.recv(4096)  # the server is done with it


def test_a_chunk_with_a_checksum_cut_off_mid_body_leaves_the_file_at_the_committed_offset(
    live_server, session_key, private_storage
):
    content = scan(3 * CHUNK)
    url = create(live_server, session_key, content)
    assert patch(url, session_key, 0, content[:CHUNK]).status_code == HTTPStatus.NO_CONTENT
    chunk = content[CHUNK : 2 * CHUNK]
    checksum = "sha1 " + base64.b64encode(hashlib.sha1(chunk).digest()).decode()  # noqa: S324

    cut_off(
        live_server, url, session_key, CHUNK, chunk, CHUNK // 2, **{"Upload-Checksum": checksum}
    )

    assert committed(url, session_key) == CHUNK
    assert on_disk(private_storage) == content[:CHUNK]  # all or nothing: nothing of it
    assert patch(url, session_key, CHUNK, content[CHUNK:]).status_code == HTTPStatus.NO_CONTENT
    staged = StagedUpload.objects.get()
    assert staged.sha256 == hashlib.sha256(content).hexdigest()
    assert on_disk(private_storage) == content


def test_a_chunk_without_a_checksum_cut_off_mid_body_keeps_what_arrived_and_no_more(
    live_server, session_key, private_storage
):
    content = scan(3 * CHUNK)
    url = create(live_server, session_key, content)
    assert patch(url, session_key, 0, content[:CHUNK]).status_code == HTTPStatus.NO_CONTENT

    cut_off(live_server, url, session_key, CHUNK, content[CHUNK:], CHUNK // 2)

    kept = committed(url, session_key)
    assert CHUNK < kept <= CHUNK + CHUNK // 2
    assert on_disk(private_storage) == content[:kept]  # exactly what the row counts
    assert patch(url, session_key, kept, content[kept:]).status_code == HTTPStatus.NO_CONTENT
    assert StagedUpload.objects.get().sha256 == hashlib.sha256(content).hexdigest()


def test_two_patches_at_the_same_offset_at_once_one_wins_and_the_file_is_right(
    live_server, session_key, private_storage
):
    """Two writers sending different bytes for the same offset, started together, several times:
    exactly one is kept (204) and the other refused (409), and the file holds the winner's bytes
    only, never a mix."""
    rounds, size = 4, 2 * 1024**2
    content = scan(CHUNK + rounds * size)
    url = create(live_server, session_key, content)
    assert patch(url, session_key, 0, content[:CHUNK]).status_code == HTTPStatus.NO_CONTENT
    expected = content[:CHUNK]
    for number in range(rounds):
        offset = CHUNK + number * size
        bodies = [os.urandom(size), os.urandom(size)]
        statuses = [None, None]
        start = threading.Barrier(2)

        def send(index, offset=offset, bodies=bodies, statuses=statuses, start=start):
            start.wait()
            statuses[index] = patch(url, session_key, offset, bodies[index], timeout=60).status_code

        threads = [threading.Thread(target=send, args=(index,)) for index in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert sorted(statuses) == [HTTPStatus.NO_CONTENT, HTTPStatus.CONFLICT]
        expected += bodies[statuses.index(HTTPStatus.NO_CONTENT)]
        assert committed(url, session_key) == len(expected)
        assert on_disk(private_storage) == expected
    assert StagedUpload.objects.get().offset == len(expected)


def test_a_writer_overtaken_mid_body_writes_nothing_more(live_server, session_key, private_storage):
    """A stalled chunk (other bytes than the real ones) is overtaken by a quick one at the same
    offset; the rest of the stalled body arrives afterwards and none of it reaches the file."""
    content = scan(3 * CHUNK)
    url = create(live_server, session_key, content)
    path = urlsplit(url).path
    host, port = urlsplit(live_server.url).hostname, urlsplit(live_server.url).port
    junk = b"\xff" * 2 * CHUNK
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(
            (
                f"PATCH {path} HTTP/1.1\r\nHost: {host}:{port}\r\nTus-Resumable: 1.0.0\r\n"
                f"Cookie: {cookie(session_key)['Cookie']}\r\n"
                "Content-Type: application/offset+octet-stream\r\n"
                f"Upload-Offset: 0\r\nContent-Length: {len(junk)}\r\n\r\n"
            ).encode()
            + junk[: CHUNK + CHUNK // 2]
        )
        whole = None
        for _ in range(100):  # until the stalled writer has written into the file
            staged = StagedUpload.objects.get()
            whole = private_storage.location / staging.whole_name(staged.staging_name)
            if whole.exists() and whole.stat().st_size > 0:
                break
            time.sleep(0.05)
        assert whole.stat().st_size > 0

        quick = patch(url, session_key, 0, content[: 2 * CHUNK])
        assert quick.status_code == HTTPStatus.NO_CONTENT
        sock.sendall(junk[CHUNK + CHUNK // 2 :])
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 409")
    assert on_disk(private_storage) == content[: 2 * CHUNK]
    assert (
        patch(url, session_key, 2 * CHUNK, content[2 * CHUNK :]).status_code
        == HTTPStatus.NO_CONTENT
    )
    assert StagedUpload.objects.get().sha256 == hashlib.sha256(content).hexdigest()


def test_resume_after_a_crash_mid_chunk_drops_what_the_row_never_counted(
    live_server, session_key, private_storage
):
    """A web process killed while writing a chunk leaves bytes past the row's offset and its token
    in the lock file; the next chunk cuts the file back to the row's offset before writing."""
    content = scan(3 * CHUNK)
    url = create(live_server, session_key, content)
    assert patch(url, session_key, 0, content[:CHUNK]).status_code == HTTPStatus.NO_CONTENT
    staged = StagedUpload.objects.get()
    folder = private_storage.location / staged.staging_name
    with (folder / "whole").open("ab") as whole:
        whole.write(b"bytes of a chunk whose request was killed" * 1000)
    with (folder / staging.WRITER).open("r+b") as writer:  # its token is still there
        writer.write(os.urandom(staging.TOKEN_BYTES))

    assert committed(url, session_key) == CHUNK
    resumed = tus_client(live_server, session_key).uploader(
        file_stream=io.BytesIO(content), url=url, chunk_size=CHUNK
    )
    assert resumed.offset == CHUNK
    resumed.upload()

    staged.refresh_from_db()
    assert staged.status == StagedUploadStatus.COMPLETE
    assert staged.sha256 == hashlib.sha256(content).hexdigest()
    assert on_disk(private_storage) == content
    assert sorted(p.name for p in folder.iterdir()) == ["whole"]


@pytest.mark.parametrize("lost", ["state", "offset"])
def test_a_hash_state_that_was_not_saved_is_made_up_for_by_one_read_at_the_end(
    live_server, session_key, private_storage, lost
):
    """A request killed after its commit, before it saved the SHA-256 state (or a state for
    another offset): the upload goes on unhashed and its last chunk reads the file once."""
    content = scan(3 * CHUNK)
    url = create(live_server, session_key, content)
    assert patch(url, session_key, 0, content[:CHUNK]).status_code == HTTPStatus.NO_CONTENT
    writer = private_storage.location / StagedUpload.objects.get().staging_name / staging.WRITER
    with writer.open("r+b") as file:
        if lost == "state":
            file.seek(staging.STATE_AT)
            file.write(bytes(staging.STATE_BYTES))
        else:  # the state of an earlier offset
            file.seek(staging.STATE_AT)
            file.write((CHUNK // 2).to_bytes(8, "big"))

    for offset in (CHUNK, 2 * CHUNK):
        chunk = content[offset : offset + CHUNK]
        assert patch(url, session_key, offset, chunk).status_code == HTTPStatus.NO_CONTENT

    staged = StagedUpload.objects.get()
    assert staged.status == StagedUploadStatus.COMPLETE
    assert staged.sha256 == hashlib.sha256(content).hexdigest()


def test_the_saved_sha256_state_goes_on_in_another_process_as_in_this_one():
    whole = os.urandom(300_000)
    first = staging.Sha256()
    first.update(whole[:100_001])
    second = staging.Sha256(first.state())
    second.update(whole[100_001:])
    assert second.hexdigest() == hashlib.sha256(whole).hexdigest()
    assert first.hexdigest() == hashlib.sha256(whole[:100_001]).hexdigest()  # still goes on
