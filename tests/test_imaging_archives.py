"""ZIP archives (a zipped CD) are read member by member, safely, and refused with a reason when hostile."""

import io
import os
import stat
import zipfile
from pathlib import Path

import pydicom
import pytest

from intake.imaging import Outcome, process_file, reasons
from intake.imaging.limits import ZIP_MAX_MEMBERS, ZIP_MAX_RATIO, ZIP_RATIO_FLOOR_BYTES

TEST_FILES = Path(pydicom.__file__).parent / "data" / "test_files"
CD = TEST_FILES / "dicomdirtests"
CD_FOLDERS = ("77654033", "98892001", "98892003")


def cd_files() -> list[Path]:
    return sorted(p for folder in CD_FOLDERS for p in (CD / folder).rglob("*") if p.is_file())


def zip_bytes(entries: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def zipped_cd(*, with_dicomdir: bool = True, extra: dict[str, bytes] | None = None) -> bytes:
    entries = {f"CD/{p.relative_to(CD)}": p.read_bytes() for p in cd_files()}
    if with_dicomdir:
        entries["CD/DICOMDIR"] = (CD / "DICOMDIR").read_bytes()
    return zip_bytes({**entries, **(extra or {})})


def counted_independently() -> tuple[int, int, int]:
    studies, series, instances = set(), set(), set()
    for path in cd_files():
        ds = pydicom.dcmread(path)
        assert "PixelData" in ds
        studies.add(ds.StudyInstanceUID)
        series.add(ds.SeriesInstanceUID)
        instances.add(ds.SOPInstanceUID)
    return len(studies), len(series), len(instances)


def counted_by_pipeline(result) -> tuple[int, int, int]:
    return (
        len(result.studies),
        sum(len(study.series) for study in result.studies),
        result.instance_count,
    )


def process_zip(data: bytes, staging: Path, **kwargs):
    staging.mkdir(exist_ok=True)
    return process_file(io.BytesIO(data), staging_dir=staging, **kwargs)


def reasons_of(result) -> set[str]:
    return {result.reason} | {failure.reason for failure in result.failures}


@pytest.fixture
def staging(tmp_path):
    return tmp_path / "staging"


@pytest.fixture
def outside(tmp_path, monkeypatch):
    """A working folder and temp folder the pipeline must leave untouched."""
    work = tmp_path / "work" / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    return tmp_path


def files_under(root: Path, *, but: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and but not in p.parents]


def test_zipped_cd_with_dicomdir_gives_the_right_counts(staging):
    result = process_zip(zipped_cd(), staging)

    assert result.outcome == Outcome.PROCESSED
    assert counted_by_pipeline(result) == counted_independently()
    assert result.failures == ()
    assert reasons.NOTE_DICOMDIR_USED.format(count=len(cd_files())) in result.notes


def test_zipped_cd_without_dicomdir_is_scanned_by_bytes(staging):
    result = process_zip(zipped_cd(with_dicomdir=False), staging)

    assert counted_by_pipeline(result) == counted_independently()


def test_every_series_has_a_preview(staging):
    result = process_zip(zipped_cd(), staging)

    keys = [series.preview_key for study in result.studies for series in study.series]
    assert all(keys)
    assert sorted(keys) == sorted(p.key for p in result.previews)


def test_summary_matches_the_headers(staging):
    result = process_zip(zipped_cd(), staging)

    ds = pydicom.dcmread(CD / "77654033" / "CT2" / "17106")
    [study] = [s for s in result.studies if s.study_instance_uid == ds.StudyInstanceUID]
    assert study.patient_name == str(ds.PatientName)
    assert study.study_date.strftime("%Y%m%d") == ds.StudyDate
    [series] = study.series
    assert series.modality == "CT"
    assert series.body_part_examined == ds.BodyPartExamined
    assert series.instance_count == 4


def test_cd_clutter_is_skipped_with_a_note(staging):
    clutter = {"CD/AUTORUN.INF": b"[autorun]", "CD/Viewer/viewer.exe": b"MZ" + b"\0" * 64}

    result = process_zip(zipped_cd(extra=clutter), staging)

    assert counted_by_pipeline(result) == counted_independently()
    assert any("Skipped 2 file(s) that come with a CD viewer" in note for note in result.notes)
    assert result.failures == ()


def test_file_listed_in_dicomdir_but_missing_is_a_failure(staging):
    entries = {f"CD/{p.relative_to(CD)}": p.read_bytes() for p in cd_files()[1:]}
    entries["CD/DICOMDIR"] = (CD / "DICOMDIR").read_bytes()

    result = process_zip(zip_bytes(entries), staging)

    assert [f.reason for f in result.failures] == [reasons.MEMBER_MISSING]
    assert result.instance_count == len(cd_files()) - 1


def test_unreadable_dicom_members_are_failures_and_the_rest_is_read(staging):
    extra = {
        "CD/BAD/TRUNC": (TEST_FILES / "MR_truncated.dcm").read_bytes(),
        "CD/BAD/BADVR": (TEST_FILES / "badVR.dcm").read_bytes(),
    }

    result = process_zip(zipped_cd(with_dicomdir=False, extra=extra), staging)

    assert result.outcome == Outcome.PROCESSED
    assert {f.name: f.reason for f in result.failures} == {
        # Its header reads (leniently, as pydicom reads it); its pixels do not decode.
        "CD/BAD/BADVR": reasons.PREVIEW_FAILED,
        "CD/BAD/TRUNC": reasons.PREVIEW_FAILED,
    }


def test_zip_bomb_is_refused(staging, outside):
    bomb = zip_bytes({"scan.dcm": b"\0" * (ZIP_RATIO_FLOOR_BYTES * 2 + 1)})
    info = zipfile.ZipFile(io.BytesIO(bomb)).infolist()[0]
    assert info.file_size / info.compress_size > ZIP_MAX_RATIO

    result = process_zip(bomb, staging)

    assert result.outcome == Outcome.FAILED
    assert result.reason == reasons.ZIP_BOMB


def test_zip_bomb_that_lies_about_its_size_is_stopped_while_reading(staging):
    bomb = bytearray(zip_bytes({"scan.dcm": b"\0" * (ZIP_RATIO_FLOOR_BYTES * 4)}))
    # Rewrite the declared size in the central directory to look harmless.
    central = bytes(bomb).rindex(b"PK\x01\x02")
    bomb[central + 24 : central + 28] = (1000).to_bytes(4, "little")
    assert zipfile.ZipFile(io.BytesIO(bytes(bomb))).infolist()[0].file_size == 1000

    result = process_zip(bytes(bomb), staging)

    # zipfile stops at the declared size and the checksum then fails: never more than declared.
    assert result.instance_count == 0
    assert reasons.MEMBER_DAMAGED in reasons_of(result) or reasons.ZIP_BOMB in reasons_of(result)


@pytest.mark.parametrize("name", ["../../x", "CD/../../x", "..\\..\\x"])
def test_zip_slip_member_is_refused_and_nothing_is_written(name, staging, outside):
    data = zip_bytes({"CD/ok.dcm": (TEST_FILES / "MR_small.dcm").read_bytes(), name: b"owned"})

    result = process_zip(data, staging)

    assert result.outcome == Outcome.FAILED
    assert result.reason == reasons.ZIP_UNSAFE_PATH
    assert files_under(outside, but=staging) == []
    assert not (staging / ".." / ".." / "x").exists()


@pytest.mark.parametrize("name", ["/etc/x", "C:/Windows/x", "c:\\x"])
def test_absolute_path_member_is_refused(name, staging, outside):
    data = zip_bytes({name: b"owned"})

    result = process_zip(data, staging)

    assert result.outcome == Outcome.FAILED
    assert result.reason == reasons.ZIP_UNSAFE_PATH
    assert files_under(outside, but=staging) == []


def test_symlink_member_is_refused(staging, outside):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        link = zipfile.ZipInfo("CD/passwd")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")

    result = process_zip(out.getvalue(), staging)

    assert result.outcome == Outcome.FAILED
    assert result.reason == reasons.ZIP_SYMLINK
    assert files_under(outside, but=staging) == []


def test_encrypted_member_is_refused_and_the_rest_is_read(staging):
    data = bytearray(
        zip_bytes(
            {
                "CD/a.dcm": (TEST_FILES / "MR_small.dcm").read_bytes(),
                "CD/secret.dcm": (TEST_FILES / "CT_small.dcm").read_bytes(),
            },
            compression=zipfile.ZIP_STORED,
        )
    )
    # Python cannot write encrypted zips: set the "encrypted" flag bit by hand, in both headers.
    secret = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("CD/secret.dcm")
    data[secret.header_offset + 6] |= 0x1  # local header: general purpose flags
    for offset in _central_offsets(bytes(data)):
        name_length = int.from_bytes(data[offset + 28 : offset + 30], "little")
        if data[offset + 46 : offset + 46 + name_length] == b"CD/secret.dcm":
            data[offset + 8] |= 0x1  # central directory: general purpose flags
    assert zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("CD/secret.dcm").flag_bits & 0x1

    result = process_zip(bytes(data), staging)

    assert result.outcome == Outcome.PROCESSED
    assert [(f.name, f.reason) for f in result.failures] == [
        ("CD/secret.dcm", reasons.MEMBER_ENCRYPTED)
    ]
    assert result.instance_count == 1


def _central_offsets(data: bytes) -> list[int]:
    offsets, start = [], 0
    while (found := data.find(b"PK\x01\x02", start)) != -1:
        offsets.append(found)
        start = found + 4
    return offsets


def test_zip_inside_a_zip_is_read(staging, outside):
    inner = zip_bytes({"IMG/a.dcm": (TEST_FILES / "MR_small.dcm").read_bytes()})
    outer = zip_bytes({"cd.zip": inner})

    result = process_zip(outer, staging)

    assert result.outcome == Outcome.PROCESSED
    assert result.instance_count == 1
    assert len(result.previews) == 1
    assert files_under(outside, but=staging) == []


def test_zip_nested_three_deep_is_refused_below_the_second_level(staging, outside):
    third = zip_bytes({"IMG/a.dcm": (TEST_FILES / "MR_small.dcm").read_bytes()})
    second = zip_bytes({"third.zip": third})
    first = zip_bytes({"second.zip": second})

    result = process_zip(first, staging)

    assert result.instance_count == 0
    assert [(f.name, f.reason) for f in result.failures] == [
        ("second.zip/third.zip", reasons.MEMBER_NESTED_TOO_DEEP)
    ]
    assert result.outcome == Outcome.FAILED
    assert result.reason == reasons.ZIP_NOTHING_READABLE
    assert files_under(outside, but=staging) == []


def test_too_many_members_is_refused(staging):
    data = zip_bytes({f"f{i}.txt": b"" for i in range(ZIP_MAX_MEMBERS + 1)})

    result = process_zip(data, staging)

    assert result.reason == reasons.ZIP_TOO_MANY_MEMBERS


def test_damaged_zip_is_refused(staging):
    data = zip_bytes({"a.dcm": (TEST_FILES / "MR_small.dcm").read_bytes()})

    result = process_zip(data[: len(data) // 2], staging)

    assert result.outcome == Outcome.FAILED
    assert result.reason == reasons.NOT_READABLE_ZIP


def test_staging_is_removed_when_the_pipeline_owns_it(outside):
    inner = zip_bytes({"IMG/a.dcm": (TEST_FILES / "MR_small.dcm").read_bytes()})

    result = process_file(io.BytesIO(zip_bytes({"cd.zip": inner})))

    assert result.instance_count == 1
    assert files_under(outside, but=outside / "nothing") == []
    assert os.listdir(outside / "temp") == []
