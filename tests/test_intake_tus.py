"""Resumable uploads: our tus 1.0.0 server against a real tus client (tuspy) over real HTTP."""

import base64
import datetime
import hashlib
import io
import socket
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
import requests
from django.core.management import call_command
from django.utils import timezone
from tusclient.exceptions import TusCommunicationError, TusUploadFailed

from intake.models import StagedUpload
from intake.uploads import staging
from tests.factories import EXE_BYTES, mr_small_bytes
from tests.intake_support import intake_settings  # noqa: F401
from tests.tus_support import (
    TUS,
    cookie,
    new_session_key,
    patch,
    sha256_header,
    staged_bytes,
    staged_parts,
    staged_when_complete,
    tus_client,
    uploader,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("intake_settings")]


@pytest.fixture
def session_key():
    return new_session_key()


def start_upload(live_server, session_key, name="MR_small.dcm", content=None):
    content = content if content is not None else mr_small_bytes()
    up = uploader(tus_client(live_server, session_key), name, content)
    up.set_url(up.create_url())
    return up, content


def head(url, session_key):
    return requests.head(url, headers={**TUS, **cookie(session_key)}, timeout=10)


def test_options_advertise_the_version_extensions_limit_and_checksums(live_server):
    response = requests.options(f"{live_server.url}/mri-review/uploads/", timeout=10)
    assert response.status_code == HTTPStatus.NO_CONTENT
    assert response.headers["Tus-Version"] == "1.0.0"
    assert set(response.headers["Tus-Extension"].split(",")) == {
        "creation",
        "expiration",
        "termination",
        "checksum",
    }
    assert int(response.headers["Tus-Max-Size"]) == 1024**3
    assert set(response.headers["Tus-Checksum-Algorithm"].split(",")) == {"sha1", "sha256"}


@pytest.mark.every_storage
def test_a_whole_file_arrives_in_chunks_with_checksums_and_is_complete(
    live_server, session_key, private_storage
):
    content = mr_small_bytes()
    up = uploader(tus_client(live_server, session_key), "MR_small.dcm", content)
    up.upload_checksum = True  # tuspy sends sha1 per chunk
    up.upload()

    staged = StagedUpload.objects.get()
    assert (staged.status, staged.kind, staged.file_name) == ("complete", "dicom", "MR_small.dcm")
    assert staged.offset == staged.length == len(content)
    assert staged.sha256 == hashlib.sha256(content).hexdigest()
    assert staged_bytes(private_storage, staged) == content
    # One object per chunk, named by its offset, so no storage ever has to append (on local disk
    # joined into one file by the last chunk).
    parts = [f"{staged.staging_name}/{offset:020d}" for offset in range(0, len(content), 4096)]
    assert staged_parts(private_storage, staged) == staged_when_complete(
        private_storage, staged, parts
    )
    private_storage.assert_private(staged_parts(private_storage, staged)[0])
    assert staged.key in up.url
    assert "MR_small" not in up.url
    assert len(staged.key) >= 43  # 256 random bits

    response = head(up.url, session_key)
    assert response.status_code == HTTPStatus.OK
    assert (
        response.headers["Upload-Offset"] == response.headers["Upload-Length"] == str(len(content))
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert "Upload-Expires" in response.headers


def test_creation_states_when_the_upload_expires(live_server, session_key):
    response = requests.post(
        f"{live_server.url}/mri-review/uploads/",
        headers={**TUS, **cookie(session_key), "Upload-Length": "10"},
        timeout=10,
    )
    assert response.status_code == HTTPStatus.CREATED
    expires = datetime.datetime.strptime(
        response.headers["Upload-Expires"], "%a, %d %b %Y %H:%M:%S GMT"
    ).replace(tzinfo=datetime.UTC)
    assert timezone.now() + datetime.timedelta(hours=23) < expires
    assert expires <= timezone.now() + datetime.timedelta(hours=24)


@pytest.mark.every_storage
def test_a_new_client_resumes_from_the_servers_offset_after_a_partial_upload(
    live_server, session_key
):
    first, content = start_upload(live_server, session_key)
    first.upload(stop_at=8192)
    assert StagedUpload.objects.get().offset == 8192

    # A new client (a reloaded page, another run) finds the upload by its URL and asks where to go on.
    second = tus_client(live_server, session_key).uploader(
        file_stream=io.BytesIO(content), url=first.url, chunk_size=4096
    )
    assert second.offset == 8192
    second.upload()
    staged = StagedUpload.objects.get()
    assert staged.status == "complete"
    assert staged.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.every_storage
def test_bytes_that_arrived_before_the_connection_dropped_are_kept_and_resumed(
    live_server, session_key
):
    up, content = start_upload(live_server, session_key)
    path = urlsplit(up.url).path
    host, port = urlsplit(live_server.url).hostname, urlsplit(live_server.url).port
    sent = 10_000
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(
            (
                f"PATCH {path} HTTP/1.1\r\nHost: {host}:{port}\r\nTus-Resumable: 1.0.0\r\n"
                f"Cookie: {cookie(session_key)['Cookie']}\r\n"
                "Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\n"
                f"Content-Length: {len(content)}\r\n\r\n"
            ).encode()
            + content[:sent]
        )
        sock.shutdown(socket.SHUT_WR)  # the connection drops mid-chunk
        sock.recv(4096)  # wait for the server to finish with it

    # What the server had read from the socket when it closed is kept (the test server may lose
    # the last buffer of a dropped connection), so the upload goes on from there, not from zero.
    kept = int(head(up.url, session_key).headers["Upload-Offset"])
    assert 8192 < kept <= sent
    resumed = tus_client(live_server, session_key).uploader(
        file_stream=io.BytesIO(content), url=up.url, chunk_size=4096
    )
    assert resumed.offset == kept
    resumed.upload()
    assert StagedUpload.objects.get().sha256 == hashlib.sha256(content).hexdigest()


def test_a_chunk_at_the_wrong_offset_is_refused_with_409(live_server, session_key):
    up, content = start_upload(live_server, session_key)
    up.upload(stop_at=4096)
    response = patch(up.url, session_key, 0, content[:4096])
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.headers["Upload-Offset"] == "4096"
    assert StagedUpload.objects.get().offset == 4096


@pytest.mark.every_storage
@pytest.mark.parametrize("algorithm", ["sha1", "sha256"])
def test_a_chunk_with_a_wrong_checksum_gets_460_and_is_not_kept(
    live_server, session_key, private_storage, algorithm
):
    up, content = start_upload(live_server, session_key)
    up.upload(stop_at=4096)
    wrong = base64.b64encode(hashlib.new(algorithm, b"other bytes").digest()).decode()
    response = patch(
        up.url, session_key, 4096, content[4096:8192], **{"Upload-Checksum": f"{algorithm} {wrong}"}
    )
    assert response.status_code == 460
    staged = StagedUpload.objects.get()
    assert staged.offset == 4096
    assert staged_bytes(private_storage, staged) == content[:4096]

    good = patch(
        up.url,
        session_key,
        4096,
        content[4096:8192],
        **{"Upload-Checksum": sha256_header(content[4096:8192])},
    )
    assert good.status_code == HTTPStatus.NO_CONTENT
    assert good.headers["Upload-Offset"] == "8192"


def test_an_expired_upload_is_gone(live_server, session_key):
    up, content = start_upload(live_server, session_key)
    StagedUpload.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert head(up.url, session_key).status_code == HTTPStatus.GONE
    assert patch(up.url, session_key, 0, content[:4096]).status_code == HTTPStatus.GONE


def test_another_session_cannot_see_append_to_or_delete_an_upload(live_server, session_key):
    up, content = start_upload(live_server, session_key)
    up.upload(stop_at=4096)
    other = new_session_key()
    assert head(up.url, other).status_code == HTTPStatus.NOT_FOUND
    assert patch(up.url, other, 4096, content[4096:8192]).status_code == HTTPStatus.NOT_FOUND
    deleted = requests.delete(up.url, headers={**TUS, **cookie(other)}, timeout=10)
    assert deleted.status_code == HTTPStatus.NOT_FOUND
    no_session = requests.head(up.url, headers=TUS, timeout=10)
    assert no_session.status_code == HTTPStatus.NOT_FOUND
    assert StagedUpload.objects.get().offset == 4096


@pytest.mark.every_storage
def test_termination_removes_the_upload_and_its_bytes(live_server, session_key, private_storage):
    up, _content = start_upload(live_server, session_key)
    up.upload(stop_at=4096)
    staged = StagedUpload.objects.get()
    response = requests.delete(up.url, headers={**TUS, **cookie(session_key)}, timeout=10)
    assert response.status_code == HTTPStatus.NO_CONTENT
    assert not StagedUpload.objects.exists()
    assert staged_parts(private_storage, staged) == []
    assert private_storage.names() == []
    assert head(up.url, session_key).status_code == HTTPStatus.NOT_FOUND


def test_an_unsupported_protocol_version_gets_412(live_server, session_key):
    response = requests.post(
        f"{live_server.url}/mri-review/uploads/",
        headers={"Tus-Resumable": "0.2.2", "Upload-Length": "10", **cookie(session_key)},
        timeout=10,
    )
    assert response.status_code == HTTPStatus.PRECONDITION_FAILED
    assert response.headers["Tus-Version"] == "1.0.0"


def test_a_request_from_another_site_is_refused(live_server, session_key):
    response = requests.post(
        f"{live_server.url}/mri-review/uploads/",
        headers={
            **TUS,
            **cookie(session_key),
            "Upload-Length": "10",
            "Origin": "https://evil.example",
        },
        timeout=10,
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not StagedUpload.objects.exists()


@pytest.mark.every_storage
@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("report.pdf", EXE_BYTES + b"\0" * 5000, "it is a computer program"),
        ("scan.dcm", b"just some words about my back" * 300, "we cannot open this type of file"),
    ],
)
def test_a_file_that_is_not_a_scan_is_refused_in_plain_words(
    live_server, session_key, private_storage, name, content, reason
):
    up = uploader(tus_client(live_server, session_key), name, content)
    with pytest.raises(TusUploadFailed) as refused:
        up.upload()
    assert refused.value.status_code == HTTPStatus.UNPROCESSABLE_CONTENT
    assert refused.value.response_content.decode().startswith(
        f"“{name}” was not accepted: {reason}"
    )
    assert not StagedUpload.objects.exists()
    assert private_storage.names() == []


def test_an_empty_file_is_refused_when_it_is_created(live_server, session_key):
    up = uploader(tus_client(live_server, session_key), "empty.dcm", b"")
    with pytest.raises(TusCommunicationError) as refused:
        up.upload()
    assert refused.value.status_code == HTTPStatus.UNPROCESSABLE_CONTENT
    assert "the file is empty" in refused.value.response_content.decode()


@pytest.mark.every_storage
def test_cd_clutter_is_skipped_with_a_note_not_refused(live_server, session_key, private_storage):
    up, _content = start_upload(live_server, session_key, "AUTORUN.INF", b"[autorun]\r\nopen=x.exe")
    response = patch(up.url, session_key, 0, b"[autorun]\r\nopen=x.exe")
    assert response.status_code == HTTPStatus.NO_CONTENT
    assert response.headers["BackCare-Upload-Note"].startswith("skipped")
    staged = StagedUpload.objects.get()
    assert staged.status == "skipped"
    assert private_storage.names() == []


def test_a_file_over_the_size_limit_is_refused_before_any_byte_is_sent(
    live_server, session_key, settings
):
    settings.INTAKE_MAX_FILE_SIZE = 1000
    response = requests.post(
        f"{live_server.url}/mri-review/uploads/",
        headers={**TUS, **cookie(session_key), "Upload-Length": "1001"},
        timeout=10,
    )
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert "limit for one file" in response.text


@pytest.mark.every_storage
def test_purge_removes_expired_uploads_and_their_files_only(
    live_server, session_key, private_storage
):
    old, _ = start_upload(live_server, session_key, "old.dcm")
    old.upload(stop_at=8192)
    fresh, _ = start_upload(live_server, session_key, "fresh.dcm")
    fresh.upload(stop_at=4096)
    StagedUpload.objects.filter(key=old.url.rsplit("/", 1)[1]).update(
        expires_at=timezone.now() - datetime.timedelta(hours=1)
    )
    call_command("purge_expired_uploads")
    remaining = StagedUpload.objects.get()
    assert remaining.key == fresh.url.rsplit("/", 1)[1]
    kept = staged_when_complete(private_storage, remaining, [f"{remaining.staging_name}/{0:020d}"])
    if private_storage.backend == "local":  # its one file and the lock file beside it
        kept.append(f"{remaining.staging_name}/{staging.WRITER}")
    assert private_storage.names() == kept


@pytest.mark.every_storage
def test_purge_removes_parts_with_no_upload_row_once_they_are_old(
    live_server, session_key, private_storage, settings
):
    private_storage.write("staging/crashed-before-its-row-was-saved/00000000000000000000", b"x")
    settings.INTAKE_TUS_EXPIRY_HOURS = 0
    call_command("purge_expired_uploads")
    assert private_storage.names() == []


@pytest.mark.every_storage
def test_a_part_left_past_the_offset_by_a_failed_request_is_replaced_not_joined(
    live_server, session_key, private_storage
):
    up, content = start_upload(live_server, session_key)
    up.upload(stop_at=4096)
    staged = StagedUpload.objects.get()
    # A request that wrote its part and then died before its commit leaves the row at 4096.
    private_storage.write(f"{staged.staging_name}/{4096:020d}", b"stale bytes" * 900)
    private_storage.write(f"{staged.staging_name}/{9999:020d}", b"more stale bytes")
    resumed = tus_client(live_server, session_key).uploader(
        file_stream=io.BytesIO(content), url=up.url, chunk_size=5000
    )
    resumed.upload()
    staged.refresh_from_db()
    assert staged.status == "complete"
    assert staged.sha256 == hashlib.sha256(content).hexdigest()
    assert staged_bytes(private_storage, staged) == content


@pytest.mark.every_storage
def test_the_first_bytes_are_sniffed_across_parts_smaller_than_them(
    live_server, session_key, private_storage
):
    up, content = start_upload(live_server, session_key)
    for offset, end in ((0, 100), (100, 200), (200, len(content))):
        response = patch(up.url, session_key, offset, content[offset:end])
        assert response.status_code == HTTPStatus.NO_CONTENT
    staged = StagedUpload.objects.get()
    assert (staged.status, staged.kind) == ("complete", "dicom")  # DICM sits at bytes 128-131
    assert staged.sha256 == hashlib.sha256(content).hexdigest()
    parts = [f"{staged.staging_name}/{offset:020d}" for offset in (0, 100, 200)]
    assert staged_parts(private_storage, staged) == staged_when_complete(
        private_storage, staged, parts
    )

    program = EXE_BYTES + b"\0" * 5000
    refused, _ = start_upload(live_server, session_key, "report.pdf", program)
    assert patch(refused.url, session_key, 0, program[:100]).status_code == HTTPStatus.NO_CONTENT
    second = patch(refused.url, session_key, 100, program[100:300])
    assert second.status_code == HTTPStatus.UNPROCESSABLE_CONTENT
    assert "it is a computer program" in second.text
    assert StagedUpload.objects.count() == 1
    assert not any(
        n.startswith(f"staging/{refused.url.rsplit('/', 1)[1]}") for n in private_storage.names()
    )
