"""The intake's rules, defined once: accepted file kinds, how a file's kind is read from its bytes,
size and count limits, and the red-flag safety questions.

The form, the upload endpoints, the imaging pipeline, the admin and the tests all import from here.
"""

import re
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


# How a program starts: Windows (MZ), Linux (ELF), a script, macOS (Mach-O, fat binary).
PROGRAM_SIGNATURES = (b"MZ", b"\x7fELF", b"#!", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")


def starts_like_program(head: bytes) -> bool:
    """True when the bytes begin as a computer program does. A DICOM file's 128-byte preamble may
    hold anything, a program's header too (a polyglot that is an image and a program at once)."""
    return head.startswith(PROGRAM_SIGNATURES)


def refusal_reason(head: bytes) -> str:
    """Why a file whose bytes `sniff` did not accept is refused, in plain words for the patient."""
    start = head.lstrip()[:64].lower()
    if not head:
        return "the file is empty"
    if starts_like_program(head):
        return "it is a computer program, not a scan, photo or report"
    if start.startswith(b"<svg") or (start.startswith(b"<?xml") and b"<svg" in head.lower()):
        return "it is a drawing file (SVG), not a scan, photo or report"
    if start.startswith((b"<!doctype", b"<html", b"<head", b"<body", b"<script")):
        return "it is a web page, not a scan, photo or report"
    return "we cannot open this type of file"


# Characters a file name never keeps: control characters (Cc), format characters such as the
# right-to-left override U+202E that makes "scan\u202egpj.exe" read as "scanexe.jpg" (Cf), private-use
# (Co), lone surrogates (Cs), unassigned code points (Cn) and line or paragraph separators (Zl, Zp).
# Spaces other than the plain one go too. That is what Django's multipart parser drops from a posted
# file's name (str.isprintable), so a name sent by the plain form and the same name sent by tus are
# cleaned to the same text.
_DROPPED_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"}
MAX_FILE_NAME = 200


def _kept(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category not in _DROPPED_CATEGORIES and (category != "Zs" or ch == " ")


def clean_file_name(name: str) -> str:
    """The patient's file name as data to show staff: no folders, no control, format or bidi
    characters, not too long (the extension kept). The one cleaning for the form, tus and the admin.

    It is never used as a path; stored files get random names.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = unicodedata.normalize("NFC", "".join(ch for ch in base if _kept(ch)))
    cleaned = cleaned.strip().strip(".").strip() or "unnamed file"
    if len(cleaned) > MAX_FILE_NAME:
        stem, dot, extension = cleaned.rpartition(".")
        if dot and stem and len(extension) < 16:
            cleaned = f"{stem[: MAX_FILE_NAME - len(extension) - 1]}.{extension}"
        else:
            cleaned = cleaned[:MAX_FILE_NAME]
    return cleaned


# The extension a download gets: the kind found in the bytes, never the one the patient's name had.
KIND_EXTENSIONS = {
    FileKind.DICOM: ".dcm",
    FileKind.ZIP: ".zip",
    FileKind.JPEG: ".jpg",
    FileKind.PNG: ".png",
    FileKind.PDF: ".pdf",
}
# What reads as an extension: a short run of letters and digits with at least one letter. A DICOM
# name such as "1.2.840.113619" keeps its last (all-digit) part.
_EXTENSION = re.compile(r"\.(?=[0-9]*[^\W\d_])\w{1,8}$")


def download_name(original_name: str, kind: str) -> str:
    """The name staff download a file as: the cleaned name with the extension of its real kind, so a
    DICOM file named "scan.exe" (whose preamble may well start with "MZ") is saved as "scan.dcm"."""
    stem = _EXTENSION.sub("", clean_file_name(original_name)).rstrip(" .") or "file"
    return stem + KIND_EXTENSIONS.get(kind, ".bin")
