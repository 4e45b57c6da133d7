"""Staging files for tus uploads: every byte of staging I/O goes through these few functions.

One design for every storage (local disk or an S3-compatible bucket), through Django's storage API
only — an object store cannot append, so nothing here appends:
- each PATCH chunk becomes its own object, `staging/<key>/<offset:020d>`. The offset in the name
  keeps the parts in order, and a chunk sent again at the same offset replaces the earlier part;
- the upload's offset lives in its `StagedUpload` row, the source of truth, changed only under that
  row's lock. A part at or past the row's offset (left by a request that died before its commit) is
  removed before the next chunk is kept, so the parts are always exactly the bytes the row counts;
- when the form is submitted, the parts are streamed in order into the final `uploads/` object with
  one `storage.save` (on S3 a multipart upload), hashed on the way, and deleted after the commit.
The tus views, the model and the submission service never touch a path or a bucket.
"""

import datetime
import hashlib
import hmac
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import TemporaryUploadedFile

from intake.models import STAGING_PREFIX
from intake.rules import SNIFF_BYTES

READ_PIECE = 1024 * 1024
PART_NAME = re.compile(r"^\d{20}$")


class ChecksumMismatch(Exception):
    """The chunk's bytes do not match its Upload-Checksum; they were not kept."""


class ClientGone(Exception):
    """The client stopped sending in the middle of a chunk (connection dropped)."""


class PartsDoNotMatch(OSError):
    """The staged parts do not add up to the upload the row describes; nothing is attached."""


@dataclass(frozen=True)
class Digest:
    sha256: str
    size: int
    head: bytes


def part_name(name: str, offset: int) -> str:
    return str(PurePosixPath(name, f"{offset:020d}"))


def _files(name: str) -> list[str]:
    try:
        _folders, files = default_storage.listdir(name)
    except FileNotFoundError:  # local disk: no part was kept yet
        return []
    return sorted(files)


def parts(name: str) -> list[str]:
    """The upload's part objects, in byte order."""
    return [part_name(name, int(f)) for f in _files(name) if PART_NAME.match(f)]


def append(
    name: str,
    offset: int,
    pieces: Iterable[bytes],
    *,
    checksum: tuple[str, bytes] | None = None,
) -> int:
    """Keep `pieces` as the part at `offset` and return how many bytes it holds.

    The chunk is received into a temporary file first (memory up to Django's
    FILE_UPLOAD_MAX_MEMORY_SIZE, then the local temp folder), so it is checked before anything is
    kept. With a checksum (algorithm, expected digest) the chunk is all or nothing: a mismatch, or a
    connection that drops half-way, keeps nothing and raises. Without one, the bytes that did arrive
    are kept, so a dropped connection still moves the upload forward (tus: "the Server SHOULD
    accept as much data as possible").
    """
    digest = hashlib.new(checksum[0]) if checksum else None
    written = 0
    # A named temporary file, as Django's own uploads use: a local-disk storage then moves it into
    # place (a rename) instead of copying every byte a second time; a bucket reads it as before.
    # An 8 MiB chunk spilled to disk anyway, so nothing is lost by not spooling in memory.
    with TemporaryUploadedFile("chunk", "application/offset+octet-stream", None, None) as chunk:
        try:
            for piece in pieces:
                chunk.write(piece)
                written += len(piece)
                if digest is not None:
                    digest.update(piece)
        except ClientGone:
            if digest is not None:
                raise
        if digest is not None and not hmac.compare_digest(digest.digest(), checksum[1]):
            raise ChecksumMismatch
        if not written:
            return 0
        _discard_from(name, offset)
        chunk.seek(0)
        target = part_name(name, offset)
        chunk.size = written
        saved = default_storage.save(target, chunk)
        if saved != target:  # another part took the name meanwhile: the row lock was bypassed
            default_storage.delete(saved)
            raise PartsDoNotMatch(f"A staged part could not be kept as {target}")
    return written


def _discard_from(name: str, offset: int) -> None:
    for part in parts(name):
        if int(PurePosixPath(part).name) >= offset:
            default_storage.delete(part)


class _Joined(io.RawIOBase):
    """The parts read one after another as one stream, hashed and counted on the way. Only one part
    is open at a time (S3 parts spill to a temporary file past the storage's memory limit)."""

    def __init__(self, names: Iterable[str]):
        super().__init__()
        self._names = iter(names)
        self._current = None
        self.sha256 = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while True:
            if self._current is None:
                name = next(self._names, None)
                if name is None:
                    return 0
                self._current = default_storage.open(name, "rb")
            data = self._current.read(len(buffer))
            if data:
                buffer[: len(data)] = data
                self.sha256.update(data)
                self.size += len(data)
                return len(data)
            self._current.close()
            self._current = None

    def close(self) -> None:
        if self._current is not None:
            self._current.close()
            self._current = None
        super().close()


def head(name: str) -> bytes:
    """The first bytes, for the type sniff, whatever the sizes of the first parts."""
    first = b""
    with _Joined(parts(name)) as joined:
        while len(first) < SNIFF_BYTES and (piece := joined.read(SNIFF_BYTES - len(first))):
            first += piece
    return first


def digest(name: str) -> Digest:
    """Read once at the end, a piece at a time: hash state cannot be kept between requests (nor
    between web processes), and these files are hundreds of megabytes."""
    first = b""
    with _Joined(parts(name)) as joined:
        while piece := joined.read(READ_PIECE):
            if len(first) < SNIFF_BYTES:
                first += piece[: SNIFF_BYTES - len(first)]
        return Digest(sha256=joined.sha256.hexdigest(), size=joined.size, head=first)


def place(name: str, final_name: str, *, sha256: str, length: int) -> str:
    """Stream the parts, in order, into one object at `final_name` and return its name.

    The parts stay until `delete`, so a submission that rolls back loses nothing. The bytes are
    hashed as they go: if they are not the ones the row recorded, the object is removed and
    PartsDoNotMatch raised.
    """
    with _Joined(parts(name)) as joined:
        whole = File(io.BufferedReader(joined, READ_PIECE), name=final_name)
        whole.size = length
        saved = default_storage.save(final_name, whole)
        if joined.size != length or joined.sha256.hexdigest() != sha256:
            default_storage.delete(saved)
            raise PartsDoNotMatch("The staged parts are not the upload that was completed")
    return saved


def delete(name: str) -> None:
    """Remove every part (and anything else in its folder), then (local disk) the empty folder."""
    for file in _files(name):
        default_storage.delete(str(PurePosixPath(name, file)))
    default_storage.delete(name)


def listing() -> list[str]:
    """Names of every staged upload (its folder of parts), for the purge command."""
    try:
        folders, files = default_storage.listdir(STAGING_PREFIX)
    except FileNotFoundError:
        return []
    # A plain file directly under staging/ is a leftover of the single-file layout: a stray too.
    return [str(PurePosixPath(STAGING_PREFIX, entry)) for entry in sorted(folders + files)]


def modified(name: str) -> datetime.datetime:
    """When the upload last received a chunk."""
    times = [default_storage.get_modified_time(part) for part in parts(name)]
    return max(times) if times else default_storage.get_modified_time(name)
