"""The intake's rules, defined once: accepted file kinds, how a file's kind is read from its bytes,
size and count limits, the patient's file names, and the clinic's callback promise.

The form, the upload endpoints, the imaging pipeline, the admin and the tests all import from here.
The red-flag safety questions are the patient's request's own: intake.request.red_flags.
"""

import datetime
import re
import unicodedata

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from intake.enums import FileKind
from intake.imaging.kinds import (  # noqa: F401 - defined once there, read through here
    CD_CLUTTER_NAMES,
    CD_CLUTTER_SUFFIXES,
    PROGRAM_SIGNATURES,
    SNIFF_BYTES,
    is_cd_clutter,
    sniff,
    starts_like_program,
)


def max_file_size() -> int:
    return settings.INTAKE_MAX_FILE_SIZE


def max_request_size() -> int:
    return settings.INTAKE_MAX_REQUEST_SIZE


def max_files() -> int:
    return settings.INTAKE_MAX_FILES


# Resumable uploads waiting for their form (intake.uploads.tus); per session they share the limits above.
def staging_max_creations_per_address() -> int:
    """New uploads one client address may start in an hour."""
    return settings.INTAKE_STAGING_MAX_CREATIONS_PER_ADDRESS


def staging_max_bytes_per_address() -> int:
    """Declared bytes of one client address's uploads waiting for their form, at once."""
    return settings.INTAKE_STAGING_MAX_BYTES_PER_ADDRESS


def staging_max_total_bytes() -> int:
    """The whole staging area, everyone's uploads together."""
    return settings.INTAKE_STAGING_MAX_TOTAL_BYTES


# What the patient is told when a file's bytes are not one of the accepted kinds.
# English (tus answers in English); the form shows it translated: gettext(ACCEPTED_KINDS_TEXT).
ACCEPTED_KINDS_TEXT = gettext_noop(
    "MRI files (DICOM), a ZIP file of your CD, photos (JPEG or PNG) and PDF reports"
)


# How a program starts: Windows (MZ), Linux (ELF), a script, macOS (Mach-O, fat binary).
def refusal_reason(head: bytes) -> str:
    """Why a file whose bytes `sniff` did not accept is refused, in plain words for the patient."""
    start = head.lstrip()[:64].lower()
    if not head:
        return gettext("the file is empty")
    if starts_like_program(head):
        return gettext("it is a computer program, not a scan, photo or report")
    if start.startswith(b"<svg") or (start.startswith(b"<?xml") and b"<svg" in head.lower()):
        return gettext("it is a drawing file (SVG), not a scan, photo or report")
    if start.startswith((b"<!doctype", b"<html", b"<head", b"<body", b"<script")):
        return gettext("it is a web page, not a scan, photo or report")
    return gettext("we cannot open this type of file")


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


# The clinic's promise to the patient, read by the model when a request is kept and by triage.
def _add_business_days(start: datetime.date, days: int) -> datetime.date:
    day = start
    while days > 0:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def due_by(submitted_at: datetime.datetime, *, urgent: bool) -> datetime.datetime:
    """When the clinic owes the patient a first answer.

    Urgent: the end of the (local) day it arrived. Otherwise the same time of day
    INTAKE_CALLBACK_BUSINESS_DAYS business days later (Saturdays and Sundays do not count).
    """
    local = timezone.localtime(submitted_at)
    if urgent:
        end_of_day = datetime.datetime.combine(local.date(), datetime.time(23, 59, 59))
        return timezone.make_aware(end_of_day)
    day = _add_business_days(local.date(), settings.INTAKE_CALLBACK_BUSINESS_DAYS)
    return timezone.make_aware(datetime.datetime.combine(day, local.time()))
