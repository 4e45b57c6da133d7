"""Processing the same bytes twice gives equal results, previews included."""

import io
import zipfile
from datetime import date
from pathlib import Path

import pydicom

from intake.imaging import FormFacts, process_file

TEST_FILES = Path(pydicom.__file__).parent / "data" / "test_files"
CD = TEST_FILES / "dicomdirtests"


def zipped_cd() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(CD / "DICOMDIR", "DICOMDIR")
        for folder in ("77654033", "98892001", "98892003"):
            for path in sorted((CD / folder).rglob("*")):
                if path.is_file():
                    archive.write(path, str(path.relative_to(CD)))
        archive.writestr("AUTORUN.INF", b"[autorun]")
    return out.getvalue()


def test_zipped_cd_twice_gives_equal_results(tmp_path):
    data = zipped_cd()
    facts = FormFacts(first_name="Peter", last_name="Doe", birth_date=date(1950, 1, 1))

    first = process_file(io.BytesIO(data), form_facts=facts, today=date(2026, 11, 24))
    second = process_file(io.BytesIO(data), form_facts=facts, today=date(2026, 11, 24))

    assert first == second
    assert [p.png for p in first.previews] == [p.png for p in second.previews]


def test_single_file_twice_gives_equal_results():
    path = TEST_FILES / "MR_small_jp2klossless.dcm"

    assert process_file(path, today=date(2026, 11, 24)) == process_file(
        path, today=date(2026, 11, 24)
    )
