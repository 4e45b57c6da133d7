"""A DICOM file whose free 128-byte preamble holds a program's header (a DICOM/.exe polyglot) is kept
byte for byte, and the pipeline tells staff about it."""

import io
import zipfile

from intake.imaging import Outcome, process_file, reasons
from tests.factories import EXE_BYTES, mr_small_bytes


def polyglot() -> bytes:
    return EXE_BYTES[:128].ljust(128, b"\x00") + mr_small_bytes()[128:]


def test_a_program_header_in_a_dicom_preamble_is_noted_for_staff():
    result = process_file(io.BytesIO(polyglot()), kind="dicom")
    assert result.outcome == Outcome.PROCESSED
    assert result.instance_count == 1
    assert reasons.NOTE_PROGRAM_PREAMBLE in result.notes


def test_a_zeroed_preamble_gives_no_note():
    result = process_file(io.BytesIO(mr_small_bytes()), kind="dicom")
    assert result.outcome == Outcome.PROCESSED
    assert not result.notes


def test_program_headers_in_a_zipped_cd_are_noted_with_their_names():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("CD/IM1", polyglot())
        archive.writestr("CD/IM2", mr_small_bytes())
    result = process_file(io.BytesIO(buffer.getvalue()), kind="zip")
    assert result.outcome == Outcome.PROCESSED
    assert reasons.NOTE_PROGRAM_PREAMBLE_MEMBERS.format(count=1, examples="IM1") in result.notes
