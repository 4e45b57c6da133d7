"""Checks that help triage, computed from the pipeline's results and the facts the patient gave."""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from . import limits
from .results import Check, CheckCode, Result, StudySummary


@dataclass(frozen=True)
class FormFacts:
    """What the patient typed on the form, to compare with the DICOM header."""

    first_name: str = ""
    last_name: str = ""
    birth_date: date | None = None


SPINE_BODY_PARTS = {
    "SPINE", "CSPINE", "TSPINE", "LSPINE", "SSPINE", "CTSPINE", "TLSPINE", "LSSPINE", "WHOLESPINE",
    "COCCYX", "SACRUM", "LUMBAR", "THORACIC", "CERVICAL", "NECK", "BACK",
}  # fmt: skip
_SPINE_WORDS = re.compile(
    r"spin|lumb|sacr|coccy|cervical|thoracic|\b[clt]-?s(pine)?\b|\bl[1-5]\b|\bws\b|\blws\b|\bhws\b|\bbws\b",
    re.IGNORECASE,
)


def run_checks(
    results: Iterable[Result], *, form_facts: FormFacts | None = None, today: date | None = None
) -> tuple[Check, ...]:
    """The checks for one request: pass every upload's Result (or just one)."""
    results = list(results)
    today = today or date.today()
    studies = [study for result in results for study in result.studies]
    checks: list[Check] = []

    if not any(study.instance_count for study in studies):
        what = _what_else(results)
        checks.append(Check(CheckCode.NO_IMAGES, f"No scan images were sent{what}."))
    else:
        modalities = sorted({m for study in studies for m in study.modalities})
        if "MR" not in modalities:
            shown = ", ".join(modalities) or "of an unknown type"
            checks.append(Check(CheckCode.NOT_MR, f"No MRI images: the images are {shown}."))
        checks.extend(_body_part_check(studies))
        checks.extend(_age_check(studies, today))
        if form_facts is not None:
            checks.extend(_identity_checks(studies, form_facts))

    failed = sum(len(r.failures) + (1 if r.failed else 0) for r in results)
    if failed:
        checks.append(
            Check(
                CheckCode.UNREADABLE_FILES, f"{failed} file(s) could not be read; see the details."
            )
        )
    return tuple(checks)


def _what_else(results: list[Result]) -> str:
    has_report = any(r.documents for r in results)
    has_photos = any(r.photos for r in results)
    if has_report and has_photos:
        return ": only a report and photos"
    if has_report:
        return ": only a report"
    if has_photos:
        return ": only photos"
    return ""


def is_spine(body_part: str, *descriptions: str) -> bool | None:
    """True or False when the header says, None when it names no body part at all."""
    part = re.sub(r"[^A-Z]", "", body_part.upper())
    if part and (part in SPINE_BODY_PARTS or "SPINE" in part):
        return True
    if any(_SPINE_WORDS.search(d) for d in descriptions if d):
        return True
    return False if part or any(descriptions) else None


def _body_part_check(studies: list[StudySummary]) -> list[Check]:
    verdicts = [
        is_spine(series.body_part_examined, series.series_description, study.study_description)
        for study in studies
        for series in study.series
    ]
    known = [v for v in verdicts if v is not None]
    if not known or any(known):
        return []
    parts = sorted({p for study in studies for p in study.body_parts}) or ["not named"]
    return [
        Check(
            CheckCode.NOT_SPINE, f"The images are not of the spine (body part: {', '.join(parts)})."
        )
    ]


def months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for last_day in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last_day))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _age_check(studies: list[StudySummary], today: date) -> list[Check]:
    dates = [s.study_date for s in studies if s.study_date]
    if not dates:
        return []
    newest = max(dates)
    if newest >= months_before(today, limits.STUDY_MAX_AGE_MONTHS):
        return []
    return [
        Check(
            CheckCode.STUDY_OLD,
            f"The newest study is from {newest:%d %b %Y}, "
            f"more than {limits.STUDY_MAX_AGE_MONTHS} months ago.",
        )
    ]


def name_tokens(text: str) -> list[str]:
    """Letters only, no accents or case: 'DOE^JOHN^Q' and 'John Q. Doe' give the same tokens."""
    text = unicodedata.normalize("NFKD", text.split("=")[0])  # PN: alphabetic group only
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return [t for t in re.split(r"[^a-z0-9]+", text.replace("'", "")) if t]


def names_match(dicom_pn: str, first_name: str, last_name: str) -> bool:
    """The form's last name and first given name both appear in the header's name, in any order."""
    header = set(name_tokens(dicom_pn))
    return set(name_tokens(last_name)) <= header and set(name_tokens(first_name)[:1]) <= header


def display_pn(dicom_pn: str) -> str:
    """'DOE^JOHN^Q' as 'DOE, JOHN Q' for staff."""
    family, _, rest = dicom_pn.split("=")[0].partition("^")
    given = " ".join(p for p in rest.split("^") if p)
    return f"{family}, {given}" if given else family


def _identity_checks(studies: list[StudySummary], facts: FormFacts) -> list[Check]:
    checks = []
    if facts.last_name or facts.first_name:
        differing = sorted(
            {
                s.patient_name
                for s in studies
                if s.patient_name
                and not names_match(s.patient_name, facts.first_name, facts.last_name)
            }
        )
        if differing:
            shown = "; ".join(display_pn(n) for n in differing)
            checks.append(
                Check(
                    CheckCode.NAME_DIFFERS,
                    f"The name in the images ({shown}) differs from the form.",
                )
            )
    if facts.birth_date:
        differing_dates = sorted(
            {s.patient_birth_date for s in studies if s.patient_birth_date} - {facts.birth_date}
        )
        if differing_dates:
            shown = ", ".join(f"{d:%d %b %Y}" for d in differing_dates)
            checks.append(
                Check(
                    CheckCode.BIRTH_DATE_DIFFERS,
                    f"The birth date in the images ({shown}) differs from the form.",
                )
            )
    return checks
