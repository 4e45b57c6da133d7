"""Staging files for tus uploads: every byte of staging I/O goes through these few functions.

The upload's offset lives in its `StagedUpload` row, the source of truth, changed only under that
row's lock. Its bytes are kept two ways:
- **local disk**: each PATCH chunk is written straight into one file, `staging/<key>/whole`, as it
  arrives (`InPlace`): no transaction or row lock while the body arrives, a file lock (`writer`
  beside it) taken one piece at a time, the file fsynced before the row's new offset commits and cut
  back to the row's committed offset on any failure, so it always holds exactly the bytes the row
  counts. Each byte is written once, and hashed once: the SHA-256 is updated as the chunk is
  written, its state saved between chunks beside the file (`Sha256`), so any web process
  goes on with it; where it could not be saved (a request killed after its commit)
  the hash is made at completion by one sequential read of the file (`complete`);
- **a bucket** (an object store cannot append): each chunk becomes its own object,
  `staging/<key>/<offset:020d>`. The offset in the name keeps the parts in order, and a chunk sent
  again at the same offset replaces the earlier part; a part at or past the row's offset (left by a
  request that died before its commit) is removed before the next chunk is kept. When the last chunk
  arrives (`complete`) the whole file's SHA-256 is computed in one sequential pass over the parts.
  An upload staged as parts on local disk before chunks were written in place goes on as parts (its
  last chunk writes them into `whole` in the pass that hashes them).
When the form is submitted, `place` keeps the upload under `uploads/` without a second copy: on
local disk a hard link to `whole`, on a bucket a server-side multipart copy of the parts (streamed
through this process only when S3's 5 MiB part minimum forbids it). Staged files go after commit.
The tus views, the model and the submission service never touch a path or a bucket.
"""

import bisect
import datetime
import fcntl
import hashlib
import hmac
import importlib.metadata
import io
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.utils._os import safe_makedirs
from rehashes import PySha256

from intake.imaging.random_access import RandomAccess
from intake.models import STAGING_PREFIX
from intake.rules import SNIFF_BYTES
from intake.uploads.storage import (
    NotSaved,
    ReceivedFile,
    fsync_folder,
    sha256_of,
    temporary_folder,
)

READ_PIECE = 1024 * 1024
PART_NAME = re.compile(r"^\d{20}$")
WHOLE = "whole"
# Local disk: the file whose lock every write to `whole` takes, and which holds the token of the one
# request allowed to write (see `InPlace`).
WRITER = "writer"
TOKEN_BYTES = 16


class ChecksumMismatch(Exception):
    """The chunk's bytes do not match its Upload-Checksum; they were not kept."""


class ClientGone(Exception):
    """The client stopped sending in the middle of a chunk (connection dropped)."""


class PartsDoNotMatch(OSError):
    """The staged parts do not add up to the upload the row describes; nothing is attached."""


class Superseded(Exception):
    """Another PATCH at the same offset took the upload over while this one's body arrived; nothing
    of this chunk was kept (local disk, `InPlace`)."""


@dataclass(frozen=True)
class Digest:
    sha256: str
    size: int
    head: bytes


def part_name(name: str, offset: int) -> str:
    return str(PurePosixPath(name, f"{offset:020d}"))


def whole_name(name: str) -> str:
    return str(PurePosixPath(name, WHOLE))


def _files(name: str) -> list[str]:
    try:
        _folders, files = default_storage.listdir(name)
    except FileNotFoundError:  # local disk: no part was kept yet
        return []
    return sorted(files)


def parts(name: str) -> list[str]:
    """The upload's part objects, in byte order."""
    return [part_name(name, int(f)) for f in _files(name) if PART_NAME.match(f)]


@contextmanager
def receive(
    pieces: Iterable[bytes], *, checksum: tuple[str, bytes] | None = None
) -> Iterator[TemporaryUploadedFile]:
    """Receive a chunk into a local temporary file, checked, before anything is kept or locked.

    This is the part that waits on the client, so the caller holds no transaction and no row lock
    while it runs (a client sending a byte every few seconds must not hold the upload's row). The
    file is removed when the block ends; `keep` links (or copies) it into place first.

    With a checksum (algorithm, expected digest) the chunk is all or nothing: a mismatch, or a
    connection that drops half-way, keeps nothing and raises. Without one, the bytes that did arrive
    are kept, so a dropped connection still moves the upload forward (tus: "the Server SHOULD
    accept as much data as possible"). The file's `size` is the bytes received.
    """
    # No SHA-256 of its own: linked into place, its bytes are not rewritten; a copy (a bucket,
    # another filesystem) is checked where it lands (`save_verified`). The whole file is hashed
    # once, at `complete`. A client's sha256 checksum is passed on as the chunk's SHA-256.
    digest = hashlib.new(checksum[0]) if checksum else None
    # In private storage's receiving folder (intake.uploads.storage): an 8 MiB chunk spills anyway.
    with ReceivedFile("chunk", "application/offset+octet-stream", None, None) as chunk:
        chunk.size = 0
        try:
            for piece in pieces:
                chunk.write(piece)
                chunk.size += len(piece)
                if digest is not None:
                    digest.update(piece)
        except ClientGone:
            if digest is not None:
                raise
        if digest is not None and not hmac.compare_digest(digest.digest(), checksum[1]):
            raise ChecksumMismatch
        chunk.sha256 = digest.hexdigest() if checksum and checksum[0] == "sha256" else None
        yield chunk


def keep(name: str, offset: int, chunk: TemporaryUploadedFile) -> None:
    """Keep a received chunk as the part at `offset`. Call it under the upload's row lock, after
    checking that `offset` is still the row's offset: parts only ever change under that lock.

    Verified before the offset is acknowledged: a part kept short (a full disk) is removed and
    NotSaved raised, so the client is told to send the chunk again."""
    if not chunk.size:
        return
    discard_from(name, offset)
    chunk.seek(0)
    target = part_name(name, offset)
    saved = default_storage.save_verified(
        target, chunk, size=chunk.size, sha256=chunk.sha256, durable=False
    )
    if saved != target:  # another part took the name meanwhile: the row lock was bypassed
        default_storage.delete(saved)
        raise PartsDoNotMatch(f"A staged part could not be kept as {target}")


def discard_from(name: str, offset: int) -> None:
    """Remove the parts at or past `offset`: what a failed request left past the row's offset (a
    `whole` it left is replaced by the next `complete`). Call it under the upload's row lock."""
    for part in parts(name):
        if int(PurePosixPath(part).name) >= offset:
            default_storage.delete(part)


# --- Local disk: each chunk written straight into one file --------------------------------------


def in_place(name: str) -> bool:
    """Whether this upload's bytes are one file, `whole`, written as they arrive (local disk; its
    lock file `writer` is there until it completes), not parts: a bucket cannot append, and an
    upload staged as parts before this design goes on so (parts never come with a `writer`)."""
    return isinstance(default_storage, FileSystemStorage) and default_storage.exists(
        str(PurePosixPath(name, WRITER))
    )


def writes_in_place(name: str, offset: int) -> bool:
    """Whether the chunk at `offset` is written straight into `whole` (see `InPlace`)."""
    return isinstance(default_storage, FileSystemStorage) and (offset == 0 or in_place(name))


class Sha256:
    """SHA-256 whose running state can be saved between requests and taken up by another process:
    hashlib's objects cannot be saved, and a tus upload's chunks reach any web process (nginx opens
    a new upstream connection per request). rehashes (CERT Polska, made for chunked uploads) keeps
    RustCrypto's SHA-256 state as plain bytes; it is kept beside the staged file, never sent
    anywhere. A state saved by another version of the library is not taken up (`version`)."""

    SIZE = len(PySha256().serialize())
    version = importlib.metadata.version("rehashes").encode().ljust(8)[:8]

    def __init__(self, state: bytes | None = None) -> None:
        self._hasher = PySha256() if state is None else PySha256.deserialize(state)

    def update(self, data: bytes) -> None:
        self._hasher.update(bytes(data))

    def state(self) -> bytes:
        return self._hasher.serialize()

    def hexdigest(self) -> str:
        return PySha256.deserialize(self.state()).finalize()  # this one goes on


# The lock file `writer`: the token of the request allowed to write, then the offset the saved
# SHA-256 state covers (0: none), the rehashes version that saved it, and the state.
STATE_AT = TOKEN_BYTES
STATE_BYTES = 8 + 8 + Sha256.SIZE


class InPlace:
    """One PATCH written straight into the upload's one file on local disk, `staging/<key>/whole`.

    No row lock and no transaction while the body arrives (a phone may take minutes over a chunk),
    and no second copy: each byte is written once, where it stays. What keeps the file exactly the
    bytes the row counts, across threads and web processes on the machine:
    - `writer` beside it is locked (flock) for every write, briefly: one piece at a time, never
      while waiting on the client. It holds a random token: the one request allowed to write;
    - `claim` (under that lock) checks that the row's committed offset is still this chunk's
      offset, cuts the file back to it (what a killed request left past it goes) and writes this
      request's token. A second PATCH at the same offset takes the upload over the same way: the
      first stops writing at its next piece (its token is no longer there) and gets 409, so a
      client retrying a stalled chunk is never blocked by it, and two writers never interleave;
    - `keep` (under the lock) fsyncs the file, checks its size and commits the new offset in the
      row (the caller's transaction), so a kept offset never counts a byte that is not on disk;
    - on any failure (connection dropped with a checksum, checksum mismatch, full disk, an error
      while committing) the file is cut back to the row's committed offset, if this request still
      holds it. A killed request's leftovers go at the next `claim`.
    `committed()` reads the row: its offset, or None once it takes no more chunks.
    """

    def __init__(self, name: str, offset: int, committed: Callable[[], int | None]) -> None:
        self.name = name
        self.offset = offset
        self.size = 0  # bytes of this chunk written so far
        self.superseded = False
        self.kept = False
        self._committed = committed
        self._token = b""
        self._data = self._writer = -1
        self.sha256 = None  # the whole file's hash up to offset + size, if it could be kept

    def open(self) -> None:
        folder = Path(default_storage.path(self.name))
        flags = os.O_RDWR | os.O_CLOEXEC
        if self.offset == 0:
            mode = settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS or 0o700
            created = not folder.exists()
            safe_makedirs(folder, mode, exist_ok=True)
            flags |= os.O_CREAT
        try:
            self._writer = os.open(folder / WRITER, flags, 0o600)
            self._data = os.open(folder / WHOLE, flags, 0o600)
        except FileNotFoundError:
            # Gone (terminated, refused, purged) or complete: the caller reads the row to say so.
            self.close()
            raise Superseded from None
        if self.offset == 0 and created:
            fsync_folder(folder)  # the names survive a crash, as the bytes fsynced in `keep` do
            fsync_folder(folder.parent)

    def close(self) -> None:
        for descriptor in (self._data, self._writer):
            if descriptor >= 0:
                os.close(descriptor)
        self._data = self._writer = -1

    @contextmanager
    def _locked(self) -> Iterator[None]:
        fcntl.flock(self._writer, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._writer, fcntl.LOCK_UN)

    def _mine(self) -> bool:
        return os.pread(self._writer, TOKEN_BYTES, 0) == self._token

    def claim(self) -> bool:
        """Take the upload for this chunk; False when the row's offset is no longer this one."""
        with self._locked():
            if self._committed() != self.offset:
                return False
            if os.fstat(self._data).st_size < self.offset:
                raise PartsDoNotMatch("A staged upload's file is shorter than its offset")
            if self.offset == 0:
                discard_from(self.name, 0)  # parts a request of the earlier design left
            self._token = secrets.token_bytes(TOKEN_BYTES)
            os.pwrite(self._writer, self._token, 0)
            os.ftruncate(self._data, self.offset)
            self.sha256 = self._saved_hash()
        return True

    def _saved_hash(self) -> Sha256 | None:
        """Under the lock: the SHA-256 of the bytes before this chunk, if it could be kept."""
        if self.offset == 0:
            return Sha256()
        saved = os.pread(self._writer, STATE_BYTES, STATE_AT)
        if len(saved) != STATE_BYTES or int.from_bytes(saved[:8], "big") != self.offset:
            return None  # a request killed between its commit and saving it: read at the end
        if saved[8:16] != Sha256.version:
            return None  # saved by another version of rehashes: its layout may differ
        try:
            return Sha256(saved[16:])
        except ValueError:  # not a state rehashes can read: read at the end
            return None

    def receive(
        self, pieces: Iterable[bytes], *, checksum: tuple[str, bytes] | None = None
    ) -> None:
        """Write the body as it arrives, hashed on the way. The same rules as `receive`: with a
        checksum all or nothing (ClientGone, ChecksumMismatch); without one, what arrived counts.
        Once superseded, the rest of the body is read and dropped, so the answer (409) reaches it."""
        check = hashlib.new(checksum[0]) if checksum else None
        try:
            for piece in pieces:
                if self.superseded:
                    continue
                with self._locked():
                    if not self._mine():
                        self.superseded = True
                        continue
                    self._write(piece)
                if check is not None:
                    check.update(piece)
                if self.sha256 is not None:
                    self.sha256.update(piece)
        except ClientGone:
            if check is not None:
                raise
        if self.superseded:
            raise Superseded
        if check is not None and not hmac.compare_digest(check.digest(), checksum[1]):
            raise ChecksumMismatch

    def _write(self, piece: bytes) -> None:
        view = memoryview(piece)
        while view:  # a write may be short: it writes every byte or raises (ENOSPC)
            written = os.pwrite(self._data, view, self.offset + self.size)
            self.size += written
            view = view[written:]

    def keep(self, commit: Callable[["InPlace"], object]):
        """Make the chunk durable and commit it with `commit(self)` (the row's new offset, in its
        own transaction), all under the lock: no other request writes or claims meanwhile. Whatever
        `commit` did, the file is then the bytes the row counts (`_settle`)."""
        with self._locked():
            if not self._mine():
                raise Superseded
            os.fdatasync(self._data)
            landed = os.fstat(self._data).st_size
            if landed != self.offset + self.size:
                raise NotSaved("The staged file is not the size its chunks add up to")
            try:
                return commit(self)
            finally:
                self._settle()

    def undo(self) -> None:
        """Cut the file back to the row's committed offset, if this request still holds it."""
        if self._data < 0 or not self._token:
            return
        with self._locked():
            if self._mine():
                self._settle()

    def _settle(self) -> None:
        """Under the lock: cut the file back to the row's committed offset, keep the hash state
        that matches it, and give up the token. If the row cannot be read (the database gone), the
        file is left as it is: the next `claim` cuts it to the row's offset before any write."""
        self.kept = True
        os.pwrite(self._writer, bytes(TOKEN_BYTES), 0)  # nobody's token
        try:
            committed = self._committed()
        except Exception:  # only tidying: the next claim does it for sure
            return
        if committed is not None and committed < os.fstat(self._data).st_size:
            os.ftruncate(self._data, committed)
        if committed == self.offset + self.size and committed != self.offset:
            if self.sha256 is None:  # none to keep: the offset 0 marks it as none
                saved = bytes(STATE_BYTES)
            else:
                saved = committed.to_bytes(8, "big") + Sha256.version + self.sha256.state()
            os.pwrite(self._writer, saved, STATE_AT)


@contextmanager
def writing(name: str, offset: int, committed: Callable[[], int | None]) -> Iterator[InPlace]:
    """An `InPlace` write for the chunk at `offset` (opened, not yet claimed); on any way out but
    `keep`, the file is cut back to the row's committed offset."""
    chunk = InPlace(name, offset, committed)
    chunk.open()
    try:
        yield chunk
    finally:
        try:
            if not chunk.kept:
                chunk.undo()
        finally:
            chunk.close()


class _Joined(io.RawIOBase):
    """The parts read one after another as one stream, hashed (unless `hashed` is false: the reader
    hashes them itself) and counted on the way. Only one part is open at a time (S3 parts spill to a
    temporary file past the storage's memory limit)."""

    def __init__(self, names: Iterable[str], *, hashed: bool = True):
        super().__init__()
        self._names = iter(names)
        self._current = None
        self.sha256 = hashlib.sha256() if hashed else None
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
                if self.sha256 is not None:
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


class PartsFile(RandomAccess):
    """A completed upload's parts as one read-only, seekable file, for the header checks
    (`intake.uploads.screening`) that seek: a ZIP's directory is at its end, then each member's first bytes.

    Only the part that holds the position is open, so seeking to the end reads the last part, not
    the whole file (on a bucket, opening a part downloads that one part: one chunk, 8 MiB by
    default). Seeks may jump back and forth between parts (ZIP members are visited in name order,
    not byte order), and an attacker can order names so that every member sits in another part. So a
    part opened a second time is copied once into one local temporary file, at its own offset, and
    read from there afterwards: each part is fetched at most twice whatever the order, the copy
    holds only the parts visited again, and memory holds at most one part.
    """

    def __init__(self, name: str, length: int):
        super().__init__(length)
        self._names = parts(name)
        self._starts = [int(PurePosixPath(part).name) for part in self._names]
        if not self._starts or self._starts[0] != 0 or self._starts[-1] >= length:
            raise PartsDoNotMatch("A staged upload's parts do not cover its length")
        self._ends = [*self._starts[1:], length]
        self._open_index: int | None = None
        self._open = None
        self._visited: set[int] = set()
        self._copied: set[int] = set()
        self._copy = None
        self.name = ""  # readers look for a name; the staging name is not theirs to use

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Before the start is an error here, as in `io`'s own files."""
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        return super().seek(offset, whence)

    def readinto(self, buffer) -> int:
        if self._position >= self._size:
            return 0
        index = bisect.bisect_right(self._starts, self._position) - 1
        source, source_position = self._source(index)
        source.seek(source_position)
        data = source.read(min(len(buffer), self._ends[index] - self._position))
        if not data:
            raise PartsDoNotMatch("A staged part is shorter than the offsets say")
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)

    def _source(self, index: int):
        """The file to read part `index` from, and where the current position is in it."""
        if index in self._copied:
            return self._copy, self._position
        start = self._starts[index]
        if index == self._open_index:
            return self._open, self._position - start
        self._close_part()
        part = default_storage.open(self._names[index], "rb")
        if index not in self._visited:
            self._visited.add(index)
            self._open, self._open_index = part, index
            return part, self._position - start
        with part:
            if self._copy is None:
                # Closed in close(); unnamed, so nothing is left on disk even if the process dies.
                self._copy = tempfile.TemporaryFile(dir=temporary_folder())  # noqa: SIM115
            self._copy.seek(start)
            shutil.copyfileobj(part, self._copy, READ_PIECE)
        if self._copy.tell() != self._ends[index]:
            raise PartsDoNotMatch("A staged part is not the size the offsets say")
        self._copied.add(index)
        return self._copy, self._position

    def _close_part(self) -> None:
        if self._open is not None:
            self._open.close()
            self._open, self._open_index = None, None

    def close(self) -> None:
        self._close_part()
        if self._copy is not None:
            self._copy.close()
            self._copy = None
        super().close()


@contextmanager
def opened(name: str, *, length: int) -> Iterator[io.BufferedReader]:
    """The completed upload as one seekable file (see `PartsFile`), buffered for small reads; on
    local disk, its one file."""
    if in_place(name):
        with default_storage.open(whole_name(name), "rb") as whole:
            yield whole
        return
    with io.BufferedReader(PartsFile(name, length), 64 * 1024) as whole:
        yield whole


def head(name: str) -> bytes:
    """The first bytes, for the type sniff, whatever the sizes of the first parts."""
    first = b""
    with _Joined([whole_name(name)] if in_place(name) else parts(name)) as joined:
        while len(first) < SNIFF_BYTES and (piece := joined.read(SNIFF_BYTES - len(first))):
            first += piece
    return first


def digest(name: str) -> Digest:
    """Read the parts once, a piece at a time, hashing them (these files are hundreds of MB)."""
    first = b""
    with _Joined(parts(name)) as joined:
        while piece := joined.read(READ_PIECE):
            if len(first) < SNIFF_BYTES:
                first += piece[: SNIFF_BYTES - len(first)]
        return Digest(sha256=joined.sha256.hexdigest(), size=joined.size, head=first)


def complete(name: str, *, sha256: str | None = None) -> Digest:
    """The completed upload's size and SHA-256.

    Written in place (local disk, `InPlace`): its one file's size, and `sha256` if the chunks were
    hashed as they arrived in this process, otherwise one sequential read of the file. Parts (a
    bucket; an upload staged as parts before): one sequential pass over them, which on local disk
    also writes them into `whole` (a temporary file on the storage's filesystem, hashed as it is
    written, fsynced and linked: see `PrivateFileSystemStorage`), so that attaching it later is a
    link. The parts stay until `discard_parts` (after the commit)."""
    if in_place(name):
        path = default_storage.path(whole_name(name))
        return Digest(sha256=sha256 or sha256_of(path), size=os.stat(path).st_size, head=b"")
    if not default_storage.links_temporary_files():
        return digest(name)
    whole = whole_name(name)
    default_storage.delete(whole)  # left by a completion whose transaction rolled back
    with (
        _Joined(parts(name)) as joined,
        ReceivedFile("whole", "application/octet-stream", None, None) as written,
    ):
        first = b""
        while piece := joined.read(READ_PIECE):
            written.write(piece)
            if len(first) < SNIFF_BYTES:
                first += piece[: SNIFF_BYTES - len(first)]
        found = Digest(sha256=joined.sha256.hexdigest(), size=joined.size, head=first)
        default_storage.save_verified(whole, written, size=found.size, sha256=found.sha256)
    return found


def discard_parts(name: str) -> None:
    """Remove the parts once `whole` holds them, and the lock file of a file written in place (call
    after the completion commits)."""
    if default_storage.exists(whole_name(name)):
        for part in parts(name):
            default_storage.delete(part)
        default_storage.delete(str(PurePosixPath(name, WRITER)))


def place(name: str, final_name: str, *, sha256: str, length: int) -> str:
    """Keep the completed upload as `final_name` and return its name, without a second copy where
    the storage can: a link to `whole` on local disk, a server-side copy of the parts on a bucket.

    The staged files stay until `delete`, so a submission that rolls back loses nothing. Otherwise
    (an upload completed before `whole` existed; parts under S3's 5 MiB minimum) the parts are
    streamed into `final_name` and what landed checked against the size and SHA-256 the row recorded;
    on a difference it is removed, and PartsDoNotMatch is raised if the parts themselves are not
    those bytes (read again to tell), NotSaved (storage failed: send again) if they are.
    """
    whole = whole_name(name)
    sources = [whole] if default_storage.exists(whole) else parts(name)
    joined = default_storage.join(sources, final_name, size=length)
    if joined is not None:
        return joined
    with _Joined(parts(name), hashed=False) as stream:
        whole_file = File(io.BufferedReader(stream, READ_PIECE), name=final_name)
        whole_file.size = length
        try:
            return default_storage.save_verified(final_name, whole_file, size=length, sha256=sha256)
        except NotSaved:
            found = digest(name)
            if found.size != length or found.sha256 != sha256:
                raise PartsDoNotMatch(
                    "The staged parts are not the upload that was completed"
                ) from None
            raise


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
    """When the upload last received a chunk (or was completed)."""
    files = [*parts(name), *(f for f in [whole_name(name)] if default_storage.exists(f))]
    times = [default_storage.get_modified_time(file) for file in files]
    return max(times) if times else default_storage.get_modified_time(name)
