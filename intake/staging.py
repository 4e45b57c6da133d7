"""Staging files for tus uploads: every byte of staging I/O goes through these few functions.

Staged files live in private storage under `staging/`, beside `uploads/`, with the same 0600 mode.
Today that storage is a local disk shared by the web processes of one machine. To scale out to an
S3-compatible store, only this module changes: `append` becomes a multipart-upload part (or an
append-blob write), `place` a server-side copy, and `sha256` a streamed read; the tus views, the
model and the submission service never touch a path.
"""

import datetime
import hashlib
import hmac
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from django.core.files.storage import default_storage

from intake.models import STAGING_PREFIX
from intake.rules import SNIFF_BYTES

READ_PIECE = 1024 * 1024


class ChecksumMismatch(Exception):
    """The chunk's bytes do not match its Upload-Checksum; they were not kept."""


class ClientGone(Exception):
    """The client stopped sending in the middle of a chunk (connection dropped)."""


def _path(name: str) -> Path:
    return Path(default_storage.path(name))


def create(name: str) -> None:
    path = _path(name)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)


def append(
    name: str,
    offset: int,
    pieces: Iterable[bytes],
    *,
    checksum: tuple[str, bytes] | None = None,
) -> int:
    """Write `pieces` at `offset` and return how many bytes are now kept.

    With a checksum (algorithm, expected digest) the chunk is all or nothing: a mismatch, or a
    connection that drops half-way, truncates the file back to `offset` and raises. Without one, the
    bytes that did arrive are kept, so a dropped connection still moves the upload forward
    (tus: "the Server SHOULD accept as much data as possible").
    """
    digest = hashlib.new(checksum[0]) if checksum else None
    written = 0
    with _path(name).open("r+b") as staged:
        staged.seek(offset)
        staged.truncate()
        try:
            for piece in pieces:
                staged.write(piece)
                written += len(piece)
                if digest is not None:
                    digest.update(piece)
        except ClientGone:
            if digest is not None:
                staged.truncate(offset)
                raise
        staged.flush()
        os.fsync(staged.fileno())
        if digest is not None and not hmac.compare_digest(digest.digest(), checksum[1]):
            staged.truncate(offset)
            raise ChecksumMismatch
    return written


def size(name: str) -> int:
    return _path(name).stat().st_size


def head(name: str) -> bytes:
    with _path(name).open("rb") as staged:
        return staged.read(SNIFF_BYTES)


def sha256(name: str) -> str:
    """Read once at the end, a piece at a time: hash state cannot be kept between requests, and
    these files are hundreds of megabytes."""
    digest = hashlib.sha256()
    with _path(name).open("rb") as staged:
        while piece := staged.read(READ_PIECE):
            digest.update(piece)
    return digest.hexdigest()


def place(name: str, final_name: str) -> str:
    """Put the staged file's bytes at `final_name` in private storage; the staged file stays until
    `delete`, so a submission that rolls back loses nothing. A hard link on one disk (instant), a
    copy otherwise."""
    source, target = _path(name), _path(final_name)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except FileExistsError:
        raise
    except OSError:
        shutil.copyfile(source, target)
        os.chmod(target, 0o600)
    return final_name


def delete(name: str) -> None:
    _path(name).unlink(missing_ok=True)


def listing() -> list[str]:
    """Names of every staged file, for the purge command."""
    folder = _path(STAGING_PREFIX)
    if not folder.is_dir():
        return []
    return [f"{STAGING_PREFIX}/{p.name}" for p in folder.iterdir() if p.is_file()]


def modified(name: str) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(_path(name).stat().st_mtime, tz=datetime.UTC)
