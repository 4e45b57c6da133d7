"""Triage checks computed from the pipeline's results and what the patient typed on the form."""

import io
from datetime import date
from pathlib import Path

import pydicom
import pytest
from PIL import Image

from intake.imaging import CheckCode, FormFacts, process_file, run_checks
from intake.imaging.checks import is_spine, months_before, names_match

TEST_FILES = Path(pydicom.__file__).parent / "data" / "test_files"


def mr_file(tmp_path, **header) -> Path:
    ds = pydicom.dcmread(TEST_FILES / "MR_small.dcm")
    for keyword, value in header.items():
        setattr(ds, keyword, value)
    path = tmp_path / "mr.dcm"
    ds.save_as(path)
    return path


def codes(result_or_checks) -> set[str]:
    checks = getattr(result_or_checks, "checks", result_or_checks)
    return {check.code for check in checks}


def test_recent_lumbar_mr_matching_the_form_raises_no_check(tmp_path):
    path = mr_file(
        tmp_path,
        StudyDate="20260301",
        BodyPartExamined="LSPINE",
        PatientName="DOE^JANE^Q",
        PatientBirthDate="19700102",
    )
    facts = FormFacts(first_name="Jane", last_name="Doe", birth_date=date(1970, 1, 2))

    result = process_file(path, form_facts=facts, today=date(2026, 11, 24))

    assert result.checks == ()


def test_ct_is_flagged_as_not_mr():
    result = process_file(TEST_FILES / "CT_small.dcm", today=date(2026, 11, 24))

    assert CheckCode.NOT_MR in codes(result)


def test_body_part_other_than_spine_is_flagged(tmp_path):
    path = mr_file(
        tmp_path, BodyPartExamined="KNEE", SeriesDescription="PD SAG", StudyDescription=""
    )

    result = process_file(path)

    assert CheckCode.NOT_SPINE in codes(result)
    assert "KNEE" in next(c.message for c in result.checks if c.code == CheckCode.NOT_SPINE)


@pytest.mark.parametrize(
    ("body_part", "descriptions", "expected"),
    [
        ("LSPINE", (), True),
        ("L-SPINE", (), True),
        ("", ("MRI LUMBAR SPINE W/O",), True),
        ("", ("T2 SAG L1-S1",), True),
        ("KNEE", ("PD SAG",), False),
        ("", (), None),
    ],
)
def test_spine_is_recognised_from_body_part_or_description(body_part, descriptions, expected):
    assert is_spine(body_part, *descriptions) is expected


def test_study_older_than_twelve_months_is_flagged(tmp_path):
    path = mr_file(tmp_path, StudyDate="20251123", BodyPartExamined="LSPINE")

    assert CheckCode.STUDY_OLD in codes(process_file(path, today=date(2026, 11, 24)))
    assert CheckCode.STUDY_OLD not in codes(process_file(path, today=date(2026, 11, 23)))


def test_months_before_handles_month_ends():
    assert months_before(date(2024, 2, 29), 12) == date(2023, 2, 28)
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)


@pytest.mark.parametrize(
    ("dicom_name", "first", "last", "match"),
    [
        ("DOE^JANE", "Jane", "Doe", True),
        ("Doe^Jane^Quinn^^", "jane", "DOE", True),
        ("JANE DOE", "Jane", "Doe", True),  # written the wrong way round, still the same person
        ("MÜLLER-LÜDENSCHEIDT^JOSÉ", "Jose", "Muller-Ludenscheidt", True),
        ("O'BRIEN^SEAN", "Seán", "O'Brien", True),
        ("DOE^JOHN", "Jane", "Doe", False),
        ("SMITH^JANE", "Jane", "Doe", False),
    ],
)
def test_names_are_compared_after_normalising(dicom_name, first, last, match):
    assert names_match(dicom_name, first, last) is match


def test_name_and_birth_date_that_differ_from_the_form_are_flagged(tmp_path):
    path = mr_file(tmp_path, PatientName="SMITH^JOHN", PatientBirthDate="19800505")
    facts = FormFacts(first_name="Jane", last_name="Doe", birth_date=date(1970, 1, 2))

    result = process_file(path, form_facts=facts)

    assert {CheckCode.NAME_DIFFERS, CheckCode.BIRTH_DATE_DIFFERS} <= codes(result)
    message = next(c.message for c in result.checks if c.code == CheckCode.NAME_DIFFERS)
    assert "SMITH, JOHN" in message


def test_photos_only_is_flagged_as_no_images():
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, "JPEG")

    result = process_file(io.BytesIO(out.getvalue()), name="film.jpg")

    assert codes(result) == {CheckCode.NO_IMAGES}
    assert "only photos" in result.checks[0].message


def test_request_checks_combine_every_upload(tmp_path):
    mr = process_file(mr_file(tmp_path, StudyDate="20260301", BodyPartExamined="LSPINE"))
    broken = process_file(TEST_FILES / "MR_truncated.dcm")
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, "JPEG")
    photo = process_file(io.BytesIO(out.getvalue()))

    checks = run_checks([mr, broken, photo], today=date(2026, 11, 24))

    assert codes(checks) == {CheckCode.UNREADABLE_FILES}
    assert checks[0].message.startswith("1 file(s) could not be read")
