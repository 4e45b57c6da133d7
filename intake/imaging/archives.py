"""Safe reading of ZIP archives (a CD zipped by the patient), member by member, never extracted.

Every member is checked before anything is read: no absolute or `..` paths, no symbolic links, no
more members than ZIP_MAX_MEMBERS. Members are then streamed with `ZipFile.open`, counting the bytes
really decompressed (header sizes can lie) against a per-member ratio and an archive-wide total. Only
an archive inside the archive is written to disk, into the staging folder the caller owns, under a
name we choose.
"""

import io
import re
import stat
import struct
import sys
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from . import kinds, limits, reasons
from .kinds import SNIFF_BYTES, FileKind, is_cd_clutter, starts_like_program
from .results import Failure

_CHUNK = 1024**2
_DRIVE = re.compile(r"^[A-Za-z]:")
ENCRYPTED_FLAG = 0x1


class ArchiveRefused(Exception):
    """The whole archive is refused; nothing more is read from it."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class MemberDamaged(Exception):
    pass


@dataclass
class Budget:
    """What the archive (and any archive inside it) has cost so far."""

    members: int = 0
    bytes_read: int = 0

    def add_members(self, count: int) -> None:
        self.members += count
        if self.members > limits.ZIP_MAX_MEMBERS:
            raise ArchiveRefused(reasons.ZIP_TOO_MANY_MEMBERS)

    def charge(self, count: int) -> None:
        self.bytes_read += count
        if self.bytes_read > limits.ZIP_MAX_TOTAL_BYTES:
            raise ArchiveRefused(reasons.ZIP_TOO_LARGE)


def ratio_allowance(info: zipfile.ZipInfo) -> int:
    # zipfile never consumes more than the header's compress_size, so this bounds the real ratio.
    return max(info.compress_size * limits.ZIP_MAX_RATIO, limits.ZIP_RATIO_FLOOR_BYTES)


class MemberReader(io.RawIOBase):
    """A member as a read-only, seekable file that charges every newly decompressed byte."""

    def __init__(self, raw: zipfile.ZipExtFile, info: zipfile.ZipInfo, budget: Budget):
        super().__init__()
        self._raw = raw
        self._budget = budget
        self._allowance = ratio_allowance(info)
        self._high = 0  # bytes decompressed so far; a backward seek re-reads, never re-charges
        self.name = ""  # pydicom looks for a name; a member's name is not ours to pass around

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        # Inflate in pieces and charge each before the next, so a read of a length the member claims
        # stops at the budget instead of inflating all of it first. What the caller may hold is the
        # caller's limit (`bounded.BoundedReader`).
        if size is None or size < 0:
            size = sys.maxsize
        parts = []
        while size > 0 and (data := self._raw.read(min(size, _CHUNK))):
            self._charge()
            parts.append(data)
            size -= len(data)
        return b"".join(parts)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _charge(self) -> None:
        position = self._raw.tell()
        if position > self._high:
            self._budget.charge(position - self._high)
            self._high = position
            if self._high > self._allowance:
                raise ArchiveRefused(reasons.ZIP_BOMB)

    def tell(self) -> int:
        return self._raw.tell()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            offset += self._raw.tell()
        elif whence == io.SEEK_END:
            raise io.UnsupportedOperation("a member's end is only known by reading it")
        # Forward seeks go through read() so their bytes are charged too.
        while self._raw.tell() < offset:
            if not self.read(min(_CHUNK, offset - self._raw.tell())):
                break
        if self._raw.tell() > offset:
            self._raw.seek(offset)
        return self._raw.tell()

    def close(self) -> None:
        self._raw.close()
        super().close()


def unsafe_name(name: str) -> bool:
    normal = name.replace("\\", "/")
    return (
        normal.startswith("/")
        or bool(_DRIVE.match(normal))
        or ".." in normal.split("/")
        or "\x00" in name
    )


def is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def validate(infos: list[zipfile.ZipInfo], budget: Budget) -> None:
    """Refuse the archive on what its directory declares, before reading any member."""
    budget.add_members(len(infos))
    declared = 0
    for info in infos:
        if unsafe_name(info.filename):
            raise ArchiveRefused(reasons.ZIP_UNSAFE_PATH)
        if is_symlink(info):
            raise ArchiveRefused(reasons.ZIP_SYMLINK)
        if info.file_size > ratio_allowance(info):
            raise ArchiveRefused(reasons.ZIP_BOMB)
        declared += info.file_size
    if budget.bytes_read + declared > limits.ZIP_MAX_TOTAL_BYTES:
        raise ArchiveRefused(reasons.ZIP_TOO_LARGE)


def check_directory_size(source) -> None:
    """Refuse, from the end record alone, a central directory too large to hold ZIP_MAX_MEMBERS
    entries: `zipfile.ZipFile` reads and parses all of it before `validate` can count members."""
    with ExitStack() as stack:
        fileobj = source if hasattr(source, "seek") else stack.enter_context(open(source, "rb"))
        start = fileobj.tell()
        end = zipfile._EndRecData(fileobj)  # the same reading ZipFile does first
        fileobj.seek(start)
    if end is not None and end[zipfile._ECD_SIZE] > limits.ZIP_MAX_DIRECTORY_BYTES:
        raise ArchiveRefused(reasons.ZIP_TOO_MANY_MEMBERS)


def _is_clutter(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return is_cd_clutter(name) or name.startswith("__MACOSX/") or base.startswith("._")


def _cd_path(path: str) -> str:
    """ISO 9660 names compare without case, version (';1') or a trailing dot."""
    return re.sub(r"(;\d+)?\.?$", "", path.replace("\\", "/")).upper()


@dataclass(frozen=True)
class MemberRef:
    archive: int  # index into ArchiveReader's open archives
    info: zipfile.ZipInfo = field(compare=False)
    name: str  # shown to staff: the path inside the upload (nested: "inner.zip/path")

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Member:
    ref: MemberRef
    kind: FileKind | None
    listed: bool  # the CD's DICOMDIR lists it as an image
    program_preamble: bool = False  # a DICOM file whose preamble starts like a program


class ArchiveReader:
    """Walk an archive's members (and one level of archives inside it) safely."""

    def __init__(self, source, *, staging: Path):
        self.staging = staging
        self.budget = Budget()
        self.failures: list[Failure] = []
        self.notes: list[str] = []
        self.clutter: list[str] = []
        self._source = source
        self._stack = ExitStack()
        self._archives: list[zipfile.ZipFile] = []
        self._parents: list[MemberRef | None] = []  # the member each archive was read from

    def __enter__(self) -> "ArchiveReader":
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def members(self) -> Iterator[Member]:
        yield from self._walk(self._source, depth=0, prefix="", parent=None)

    def parent(self, ref: MemberRef) -> MemberRef | None:
        """The member of the upload that is the archive holding `ref`; None for the upload's own."""
        return self._parents[ref.archive]

    @contextmanager
    def open(self, ref: MemberRef) -> Iterator[MemberReader]:
        archive = self._archives[ref.archive]
        try:
            raw = archive.open(ref.info)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, zlib.error) as exc:
            raise MemberDamaged(ref.name) from exc
        with MemberReader(raw, ref.info, self.budget) as reader:
            yield reader

    def _walk(
        self, source, *, depth: int, prefix: str, parent: MemberRef | None
    ) -> Iterator[Member]:
        try:
            check_directory_size(source)
            archive = self._stack.enter_context(zipfile.ZipFile(source))
            infos = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            if depth == 0:
                raise ArchiveRefused(reasons.NOT_READABLE_ZIP) from exc
            self.failures.append(Failure(prefix.rstrip("/"), reasons.NOT_READABLE_ZIP))
            return
        validate(infos, self.budget)
        self._archives.append(archive)
        self._parents.append(parent)
        index = len(self._archives) - 1
        files = sorted((i for i in infos if not i.is_dir()), key=lambda i: i.filename)
        if depth == 0 and not files:
            self.notes.append(reasons.NOTE_EMPTY_ARCHIVE)
        listed = self._dicomdir_listing(index, files, prefix)
        for info in files:
            ref = MemberRef(index, info, prefix + info.filename)
            if _cd_path(info.filename) in listed.get("DICOMDIR", ()):
                continue
            is_listed = _cd_path(info.filename) in listed.get("files", ())
            if info.flag_bits & ENCRYPTED_FLAG:
                self.failures.append(Failure(ref.name, reasons.MEMBER_ENCRYPTED))
                continue
            if not is_listed and _is_clutter(info.filename):
                self.clutter.append(ref.name)
                continue
            try:
                with self.open(ref) as reader:
                    head = reader.read(SNIFF_BYTES)
                    kind = kinds.sniff_head(head)
            except (MemberDamaged, zipfile.BadZipFile, zlib.error, EOFError, OSError):
                self.failures.append(Failure(ref.name, reasons.MEMBER_DAMAGED))
                continue
            if kind == FileKind.ZIP:
                yield from self._nested(ref, depth=depth, prefix=prefix)
                continue
            yield Member(ref, kind, is_listed, kind == FileKind.DICOM and starts_like_program(head))

    def _nested(self, ref: MemberRef, *, depth: int, prefix: str) -> Iterator[Member]:
        if depth + 1 > limits.ZIP_MAX_DEPTH:
            self.failures.append(Failure(ref.name, reasons.MEMBER_NESTED_TOO_DEEP))
            return
        path = self.staging / f"nested-{len(self._archives)}.zip"  # our name, never the member's
        try:
            with self.open(ref) as reader, path.open("xb") as out:
                while chunk := reader.read(_CHUNK):
                    out.write(chunk)
        except (MemberDamaged, zipfile.BadZipFile, zlib.error, EOFError):
            path.unlink(missing_ok=True)
            self.failures.append(Failure(ref.name, reasons.MEMBER_DAMAGED))
            return
        self.notes.append(reasons.NOTE_NESTED_ARCHIVE.format(name=ref.name))
        yield from self._walk(path, depth=depth + 1, prefix=ref.name + "/", parent=ref)

    def _dicomdir_listing(
        self, index: int, files: list[zipfile.ZipInfo], prefix: str
    ) -> dict[str, set[str]]:
        """The image files a DICOMDIR lists (as CD paths), reporting those missing from the archive."""
        dicomdirs = [i for i in files if i.filename.rsplit("/", 1)[-1].upper() == "DICOMDIR"]
        if not dicomdirs:
            return {}
        info = min(dicomdirs, key=lambda i: (i.filename.count("/"), i.filename))
        base = PurePosixPath(info.filename).parent
        ref = MemberRef(index, info, prefix + info.filename)
        try:
            with self.open(ref) as reader:
                referenced = {
                    _cd_path(str(base.joinpath(*parts)).removeprefix("./"))
                    for parts in dicomdir_file_ids(reader)
                }
        except ArchiveRefused:
            raise
        except Exception:  # a damaged index is not fatal: every file is examined instead
            self.notes.append(reasons.NOTE_DICOMDIR_UNREADABLE)
            return {"DICOMDIR": {_cd_path(info.filename)}}
        present = {_cd_path(i.filename) for i in files}
        for missing in sorted(referenced - present):
            self.failures.append(Failure(prefix + missing, reasons.MEMBER_MISSING))
        self.notes.append(reasons.NOTE_DICOMDIR_USED.format(count=len(referenced)))
        return {"DICOMDIR": {_cd_path(info.filename)}, "files": referenced}


# Value representations whose length takes 4 bytes in Explicit VR (PS3.5 7.1.2).
_LONG_VRS = {
    b"OB",
    b"OD",
    b"OF",
    b"OL",
    b"OV",
    b"OW",
    b"SQ",
    b"SV",
    b"UC",
    b"UN",
    b"UR",
    b"UT",
    b"UV",
}
_TRANSFER_SYNTAX = (0x0002, 0x0010)
_REFERENCED_FILE_ID = (0x0004, 0x1500)
_EXPLICIT_LITTLE = "1.2.840.10008.1.2.1"  # the only transfer syntax of a DICOMDIR (PS3.10 8.6)


def dicomdir_file_ids(fileobj: BinaryIO) -> Iterator[list[str]]:
    """Each record's Referenced File ID (path components), read element by element.

    An index, not an image: only the file IDs matter, so this walks the elements itself instead of
    building pydicom's dataset, whose objects cost far more memory than the bytes they come from.
    Sequences and items are stepped into, every other value is skipped by seeking, and nothing is
    held but the IDs. An index larger than DICOMDIR_MAX_BYTES, with more IDs than an archive may
    hold members, or not in Explicit VR Little Endian, raises ValueError (so it is not used).
    """
    if fileobj.read(132)[128:] != b"DICM":
        raise ValueError("not a DICOM file")
    syntax = None
    count = 0
    while len(head := fileobj.read(8)) == 8:
        group, element = struct.unpack("<HH", head[:4])
        if group == 0xFFFE:  # an item or a delimiter: what it holds follows as elements
            continue
        if group != 0x0002 and syntax != _EXPLICIT_LITTLE:
            raise ValueError("not Explicit VR Little Endian")
        vr = head[4:6]
        if vr in _LONG_VRS:
            (length,) = struct.unpack("<L", fileobj.read(4))
        else:
            (length,) = struct.unpack("<H", head[6:8])
        if vr == b"SQ":  # step in: its items' elements follow
            continue
        if length == 0xFFFFFFFF or fileobj.tell() + length > limits.DICOMDIR_MAX_BYTES:
            raise ValueError("not an index we read")
        if (group, element) in (_TRANSFER_SYNTAX, _REFERENCED_FILE_ID):
            value = fileobj.read(length).decode("ascii", "replace").strip(" \x00")
            if (group, element) == _TRANSFER_SYNTAX:
                syntax = value
            elif value:
                count += 1
                if count > limits.ZIP_MAX_MEMBERS:
                    raise ValueError("more files than an archive may hold")
                yield [part.strip() for part in value.split("\\")]
        else:
            fileobj.seek(length, io.SEEK_CUR)


# Reasons found while walking members that make the form refuse the whole upload: the patient can fix
# them (zip again without a password, or without archives inside archives) and nothing is lost.
SCREEN_MEMBER_REASONS = (reasons.MEMBER_ENCRYPTED, reasons.MEMBER_NESTED_TOO_DEEP)


def screen_archive(source, *, staging: Path) -> str | None:
    """The form's quick look at an uploaded ZIP: the reason the pipeline would refuse it, or None.

    The same checks as the pipeline, from the same code: the central directory (declared sizes and
    ratio, member count, names, symbolic links), then each member's first bytes only (encryption,
    archives inside archives). Nothing is decompressed beyond those first bytes, except an archive
    inside the archive, which is copied to `staging` (the caller's temporary folder) to read its own
    directory. A damaged member is left for the pipeline to report: the rest of the CD is still useful.
    """
    try:
        with ArchiveReader(source, staging=staging) as reader:
            for _member in reader.members():
                pass
    except ArchiveRefused as exc:
        return exc.reason
    for failure in reader.failures:
        if failure.reason in SCREEN_MEMBER_REASONS:
            return failure.reason
    return None
