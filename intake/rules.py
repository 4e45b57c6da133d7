"""The intake's rules, defined once: accepted file kinds, how a file's kind is read from its bytes,
size and count limits, and the red-flag safety questions.

The form, the upload endpoints, the imaging pipeline, the admin and the tests all import from here.
"""

import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.db import models


class FileKind(models.TextChoices):
    DICOM = "dicom", "DICOM image"
    ZIP = "zip", "ZIP archive"
    JPEG = "jpeg", "JPEG photo"
    PNG = "png", "PNG image"
    PDF = "pdf", "PDF document"


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


def max_file_size() -> int:
    return settings.INTAKE_MAX_FILE_SIZE


def max_request_size() -> int:
    return settings.INTAKE_MAX_REQUEST_SIZE


def max_files() -> int:
    return settings.INTAKE_MAX_FILES


# Resumable uploads waiting for their form (intake.tus); per session they share the limits above.
def staging_max_creations_per_address() -> int:
    """New uploads one client address may start in an hour."""
    return settings.INTAKE_STAGING_MAX_CREATIONS_PER_ADDRESS


def staging_max_bytes_per_address() -> int:
    """Declared bytes of one client address's uploads waiting for their form, at once."""
    return settings.INTAKE_STAGING_MAX_BYTES_PER_ADDRESS


def staging_max_total_bytes() -> int:
    """The whole staging area, everyone's uploads together."""
    return settings.INTAKE_STAGING_MAX_TOTAL_BYTES


# Files a CD carries beside the images (viewer programs, autorun): skipped with a note, never refused.
CD_CLUTTER_SUFFIXES = (
    ".exe", ".dll", ".inf", ".ini", ".bat", ".cmd", ".com", ".msi", ".ocx", ".sys", ".jar",
    ".js", ".htm", ".html", ".css", ".xml", ".txt", ".ico", ".bmp", ".gif", ".cab", ".chm",
)  # fmt: skip
CD_CLUTTER_NAMES = ("autorun.inf", "desktop.ini", "thumbs.db", ".ds_store")


def is_cd_clutter(name: str) -> bool:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return base in CD_CLUTTER_NAMES or base.endswith(CD_CLUTTER_SUFFIXES)


@dataclass(frozen=True)
class RedFlag:
    field: str
    question: str
    staff_label: str


RED_FLAGS: tuple[RedFlag, ...] = (
    RedFlag(
        "bladder_bowel",
        "Do you have new trouble passing urine, or have you lost control of your bladder or bowels?",
        "New bladder or bowel problems",
    ),
    RedFlag(
        "saddle_numbness",
        "Do you have numbness around your genitals, buttocks or inner thighs?",
        "Saddle numbness",
    ),
    RedFlag(
        "leg_weakness",
        "Do you have weakness or numbness in both legs, or leg weakness that is getting worse?",
        "Weakness or numbness in both legs, or worsening leg weakness",
    ),
    RedFlag(
        "fever_weight_cancer",
        "Do you have a fever, weight loss you cannot explain, or have you ever had cancer?",
        "Fever, unexplained weight loss or history of cancer",
    ),
    RedFlag(
        "trauma",
        "Did your back pain start after a serious fall or accident?",
        "Back pain after a serious fall or accident",
    ),
)


# What the patient is told when a file's bytes are not one of the accepted kinds.
ACCEPTED_KINDS_TEXT = (
    "MRI images (DICOM files), a ZIP file of your CD, photos (JPEG or PNG) and PDF reports"
)


def refusal_reason(head: bytes) -> str:
    """Why a file whose bytes `sniff` did not accept is refused, in plain words for the patient."""
    start = head.lstrip()[:64].lower()
    if not head:
        return "the file is empty"
    if head.startswith((b"MZ", b"\x7fELF", b"#!", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")):
        return "it is a computer program, not a scan, photo or report"
    if start.startswith(b"<svg") or (start.startswith(b"<?xml") and b"<svg" in head.lower()):
        return "it is a drawing file (SVG), not a scan, photo or report"
    if start.startswith((b"<!doctype", b"<html", b"<head", b"<body", b"<script")):
        return "it is a web page, not a scan, photo or report"
    return "we cannot open this type of file"


_UNSAFE_NAME_CHARS = {chr(c) for c in range(32)} | {chr(127), "/", "\\"}


def clean_file_name(name: str) -> str:
    """The patient's file name as data to show staff: no folders, no control characters, not too long.

    It is never used as a path; stored files get random names.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(
        ch for ch in unicodedata.normalize("NFC", base) if ch not in _UNSAFE_NAME_CHARS
    )
    cleaned = cleaned.strip().strip(".") or "unnamed file"
    return cleaned[:200]
