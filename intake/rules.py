"""The intake's rules, defined once: accepted file kinds, how a file's kind is read from its bytes,
size and count limits, and the red-flag safety questions.

The form, the upload endpoints, the imaging pipeline, the admin and the tests all import from here.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from intake.enums import FileKind, SafetyTier
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


@dataclass(frozen=True)
class RedFlag:
    """One safety question: it asks one thing, in plain words, and names where a "yes" belongs.

    `source` is the guideline (and section) the question comes from; docs/clinical-safety.md lists
    the same sources in its hazard log.
    """

    field: str
    question: str  # asked on the form
    sign: str  # the same thing as a sign to watch for, in the safety box on every page
    staff_label: str
    tier: SafetyTier
    source: str


# The GIRFT national suspected cauda equina pathway (2023) and the NHS "back pain" and "cauda equina
# syndrome" pages: these need emergency care now (911 or the emergency department).
_CES = "GIRFT national suspected cauda equina pathway (2023), red flags; NHS: cauda equina syndrome"
# NICE NG59 1.1.1 (exclude specific causes: cancer, infection, trauma, inflammatory disease) with
# NICE NG234 / CG75 metastatic spinal cord compression, and the ACP/APS red-flag table (Chou 2007).
_NICE = "NICE NG59 1.1.1; ACP/APS 2007 red-flag table (Chou et al., Table 1)"

RED_FLAGS: tuple[RedFlag, ...] = (
    # --- Emergency now -----------------------------------------------------------------------------
    RedFlag(
        field="urine_trouble",
        question="Do you have new trouble passing urine, or can you not feel when you pass urine?",
        sign="new trouble passing urine, or not feeling when you pass urine",
        staff_label="New trouble passing urine, or not feeling it",
        tier=SafetyTier.EMERGENCY,
        source=_CES,
    ),
    RedFlag(
        field="bladder_bowel_control",
        question="Have you lost control of your bladder or bowels?",
        sign="loss of bladder or bowel control",
        staff_label="Loss of bladder or bowel control",
        tier=SafetyTier.EMERGENCY,
        source=_CES,
    ),
    RedFlag(
        field="saddle_numbness",
        question="Do you have numbness around your genitals, buttocks or inner thighs?",
        sign="numbness around your genitals, buttocks or inner thighs",
        staff_label="Saddle numbness",
        tier=SafetyTier.EMERGENCY,
        source=_CES,
    ),
    RedFlag(
        field="sexual_problems",
        question="Do you have new problems getting or keeping an erection, or new numbness during sex?",
        sign="new problems getting or keeping an erection, or new numbness during sex",
        staff_label="New erection problems or numbness during sex",
        tier=SafetyTier.EMERGENCY,
        source=_CES,
    ),
    RedFlag(
        field="both_legs",
        question="Do you have weakness or numbness in both legs, or pain down both legs?",
        sign="weakness or numbness in both legs, or pain down both legs",
        staff_label="Weakness, numbness or pain in both legs",
        tier=SafetyTier.EMERGENCY,
        source=_CES,
    ),
    RedFlag(
        field="worsening_weakness",
        question="Is weakness in your leg getting worse?",
        sign="leg weakness that is getting worse",
        staff_label="Leg weakness getting worse",
        tier=SafetyTier.EMERGENCY,
        source=_CES + "; NICE NG59 1.1.1 (progressive neurological deficit)",
    ),
    RedFlag(
        field="trauma",
        question="Did your back pain start after a serious fall or accident?",
        sign="back pain after a serious fall or accident",
        staff_label="Back pain after a serious fall or accident",
        tier=SafetyTier.EMERGENCY,
        source=_NICE + " (significant trauma)",
    ),
    # --- See a doctor today or tomorrow ------------------------------------------------------------
    RedFlag(
        field="fever_unwell",
        question="Do you have a fever, or do you feel very unwell?",
        sign="a fever, or feeling very unwell",
        staff_label="Fever or feeling very unwell",
        tier=SafetyTier.SEE_DOCTOR_SOON,
        source=_NICE + " (infection: fever, systemically unwell)",
    ),
    RedFlag(
        field="cancer_history",
        question="Have you ever had cancer?",
        sign="a history of cancer",
        staff_label="History of cancer",
        tier=SafetyTier.SEE_DOCTOR_SOON,
        source=_NICE + " (history of cancer); NICE NG234 metastatic spinal cord compression",
    ),
    RedFlag(
        field="weight_loss",
        question="Have you lost weight without trying?",
        sign="weight loss you cannot explain",
        staff_label="Weight loss they cannot explain",
        tier=SafetyTier.SEE_DOCTOR_SOON,
        source=_NICE + " (unexplained weight loss)",
    ),
    RedFlag(
        field="night_pain",
        question="Is your back pain worse at night or when you rest?",
        sign="pain that is worse at night or when you rest",
        staff_label="Pain worse at night or at rest",
        tier=SafetyTier.SEE_DOCTOR_SOON,
        source=_NICE + " (non-mechanical pain, night pain)",
    ),
    RedFlag(
        field="infection_risk",
        question="Do you have a weak immune system, inject drugs, or have you had a bad infection lately?",
        sign="a weak immune system, drug use with needles, or a recent bad infection",
        staff_label="Weak immune system, drug injection or recent serious infection",
        tier=SafetyTier.SEE_DOCTOR_SOON,
        source=_NICE + " (infection risk: immunosuppression, IV drug use, recent infection)",
    ),
    RedFlag(
        field="fracture_risk",
        question="Do you have thin bones (osteoporosis), take steroid tablets for a long time, or are you "
        "older and had a fall?",
        sign="thin bones, steroid tablets taken for a long time, or a fall when you are older",
        staff_label="Thin bones, long-term steroids, or a fall when older",
        tier=SafetyTier.SEE_DOCTOR_SOON,
        source=_NICE + " (fracture risk: osteoporosis, long-term corticosteroids, older age)",
    ),
    # --- Routine: tell your doctor -----------------------------------------------------------------
    RedFlag(
        field="morning_stiffness",
        question="Is your back stiff for more than 30 minutes each morning?",
        sign="stiffness for more than 30 minutes each morning",
        staff_label="Morning stiffness over 30 minutes (possible inflammatory back pain)",
        tier=SafetyTier.ROUTINE,
        source="NICE NG59 (refer suspected spondyloarthritis per NICE NG65); ASAS inflammatory back pain",
    ),
)


def red_flags_of(tier: SafetyTier) -> tuple[RedFlag, ...]:
    return tuple(flag for flag in RED_FLAGS if flag.tier == tier)


def safety_tier(answers) -> SafetyTier:
    """The tier of a set of answers: any object with one boolean attribute per RED_FLAGS field.

    A "tell your doctor" answer (routine tier) never raises the tier.
    """
    for tier in (SafetyTier.EMERGENCY, SafetyTier.SEE_DOCTOR_SOON):
        if any(getattr(answers, flag.field) for flag in red_flags_of(tier)):
            return tier
    return SafetyTier.ROUTINE


@dataclass(frozen=True)
class TierAdvice:
    """What a patient whose answers fall in a tier is told: on the form as they answer, on the
    confirmation page and in the confirmation e-mail (one wording for all three)."""

    heading: str
    lines: tuple[str, ...]


TIER_ADVICE: dict[SafetyTier, TierAdvice] = {
    SafetyTier.EMERGENCY: TierAdvice(
        "Get emergency care now",
        (
            "Some of your answers can be a sign of a serious problem with the nerves in your back.",
            "This service cannot help in time. Do not wait for our review.",
            "Go to the nearest emergency department or call 911 now.",
        ),
    ),
    SafetyTier.SEE_DOCTOR_SOON: TierAdvice(
        "See a doctor today or tomorrow",
        (
            "Some of your answers mean a doctor should check you soon.",
            "Call your own doctor or go to an urgent care center today, or tomorrow at the latest.",
            "Do not wait for our review. You do not need to call 911 for these answers.",
            "If you get trouble passing urine, numbness between your legs or weak legs, call 911.",
        ),
    ),
}

# The routine "tell your doctor" note, for answers that are not urgent (NICE NG59 / NG65).
ROUTINE_NOTE = TierAdvice(
    "Tell your doctor",
    (
        "Back stiffness that lasts more than 30 minutes each morning can have other causes.",
        "Tell your doctor about it at your next visit. It is not urgent.",
    ),
)


# What the patient is told when a file's bytes are not one of the accepted kinds.
ACCEPTED_KINDS_TEXT = (
    "MRI files (DICOM), a ZIP file of your CD, photos (JPEG or PNG) and PDF reports"
)


# How a program starts: Windows (MZ), Linux (ELF), a script, macOS (Mach-O, fat binary).
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
