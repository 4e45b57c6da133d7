"""A file's kind from its bytes, never from its name: the one definition of the signatures, the files a
CD carries beside its images, and what a program looks like. intake.rules re-exports these (and
builds the models' choices from FileKind), so the form, tus and the pipeline share them."""

from enum import StrEnum
from typing import BinaryIO


class FileKind(StrEnum):
    DICOM = "dicom"
    ZIP = "zip"
    JPEG = "jpeg"
    PNG = "png"
    PDF = "pdf"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    FileKind.DICOM: "DICOM image",
    FileKind.ZIP: "ZIP archive",
    FileKind.JPEG: "JPEG photo",
    FileKind.PNG: "PNG image",
    FileKind.PDF: "PDF document",
}

# How many leading bytes `sniff` needs: DICOM's "DICM" marker sits after a 128-byte preamble.
SNIFF_BYTES = 132

_SIGNATURES: list[tuple[bytes, FileKind]] = [
    (b"PK\x03\x04", FileKind.ZIP),
    (b"PK\x05\x06", FileKind.ZIP),  # an empty archive; the pipeline reports it as holding no images
    (b"\xff\xd8\xff", FileKind.JPEG),
    (b"\x89PNG\r\n\x1a\n", FileKind.PNG),
    (b"%PDF-", FileKind.PDF),
]


def sniff(head: bytes) -> FileKind | None:
    """The kind of a file from its first SNIFF_BYTES bytes, never from its name; None if not accepted."""
    if head[128:132] == b"DICM":
        return FileKind.DICOM
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    return None


# Files a CD carries beside the images (viewer programs, autorun): skipped with a note, never refused.
CD_CLUTTER_SUFFIXES = (
    ".exe", ".dll", ".inf", ".ini", ".bat", ".cmd", ".com", ".msi", ".ocx", ".sys", ".jar",
    ".js", ".htm", ".html", ".css", ".xml", ".txt", ".ico", ".bmp", ".gif", ".cab", ".chm",
)  # fmt: skip
CD_CLUTTER_NAMES = ("autorun.inf", "desktop.ini", "thumbs.db", ".ds_store")


def is_cd_clutter(name: str) -> bool:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return base in CD_CLUTTER_NAMES or base.endswith(CD_CLUTTER_SUFFIXES)


PROGRAM_SIGNATURES = (b"MZ", b"\x7fELF", b"#!", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")


def starts_like_program(head: bytes) -> bool:
    """True when the bytes begin as a computer program does. A DICOM file's 128-byte preamble may
    hold anything, a program's header too (a polyglot that is an image and a program at once)."""
    return head.startswith(PROGRAM_SIGNATURES)


def sniff_head(head: bytes) -> FileKind | None:
    return sniff(head)


def sniff_file(fileobj: BinaryIO) -> FileKind | None:
    """Sniff from the current position and put the position back."""
    start = fileobj.tell()
    head = fileobj.read(SNIFF_BYTES)
    fileobj.seek(start)
    return sniff(head)
