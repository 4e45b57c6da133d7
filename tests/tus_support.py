"""Shared set-up for the tus tests: a browser-like session for a real tus client (tuspy)."""

import base64
import hashlib
import io

import requests
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from tusclient.client import TusClient

from intake.uploads import staging

TUS = {"Tus-Resumable": "1.0.0"}


def new_session_key() -> str:
    store = SessionStore()
    store.create()
    return store.session_key


def cookie(session_key: str) -> dict[str, str]:
    return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}"}


def tus_client(live_server, session_key: str) -> TusClient:
    return TusClient(f"{live_server.url}/mri-review/uploads/", headers=cookie(session_key))


def uploader(client: TusClient, name: str, content: bytes, **kwargs):
    return client.uploader(
        file_stream=io.BytesIO(content), metadata={"filename": name}, chunk_size=4096, **kwargs
    )


def sha256_header(content: bytes) -> str:
    return "sha256 " + base64.b64encode(hashlib.sha256(content).digest()).decode()


def staged_parts(private_storage, staged) -> list[str]:
    """The files that hold a staged upload's bytes, in byte order, on local disk or in the bucket
    (on local disk not its lock file, `writer`: see `staging.InPlace`)."""
    prefix = f"{staged.staging_name}/"
    return sorted(
        name
        for name in private_storage.names()
        if name.startswith(prefix) and name != f"{prefix}{staging.WRITER}"
    )


def staged_when_complete(private_storage, staged, parts: list[str]) -> list[str]:
    """What a completed (or a receiving) upload stages: its parts on a bucket; on local disk the
    one file its chunks were written into as they arrived (`staging.InPlace`)."""
    return [f"{staged.staging_name}/whole"] if private_storage.backend == "local" else parts


def staged_bytes(private_storage, staged) -> bytes:
    return b"".join(private_storage.read(name) for name in staged_parts(private_storage, staged))


def patch(url, session_key, offset, body, *, timeout=10, **headers) -> requests.Response:
    """One tus PATCH from the browser session `session_key`."""
    return requests.patch(
        url,
        data=body,
        headers={
            **TUS,
            **cookie(session_key),
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": str(offset),
            **headers,
        },
        timeout=timeout,
    )
