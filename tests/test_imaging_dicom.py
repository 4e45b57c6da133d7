"""DICOM files give a summary and a windowed preview, or fail with a reason staff can read."""

import io
from pathlib import Path

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.data import get_testdata_file

from intake.imaging import Outcome, process_file, reasons
from intake.imaging.limits import DICOM_PREVIEW_MAX_SIDE
from intake.rules import FileKind

TEST_FILES = Path(pydicom.__file__).parent / "data" / "test_files"


def decoded(png: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return np.asarray(image.convert("L"))


@pytest.mark.parametrize(
    "name",
    [
        "MR_small.dcm",  # explicit VR little endian
        "MR_small_implicit.dcm",
        "MR_small_bigendian.dcm",
        "MR_small_RLE.dcm",
        "MR_small_jp2klossless.dcm",
        "MR_small_jpeg_ls_lossless.dcm",
        "JPGExtended.dcm",  # JPEG extended, 12-bit
        "SC_rgb_jpeg_gdcm.dcm",  # JPEG lossless, colour
        "SC_rgb_dcmtk_+eb+cy+np.dcm",  # JPEG baseline, colour
        "693_J2KI.dcm",  # JPEG 2000 lossy
        "examples_ybr_color.dcm",  # multi-frame JPEG baseline
    ],
)
def test_dicom_file_gives_one_preview_that_is_a_real_picture(name):
    result = process_file(TEST_FILES / name)

    assert result.outcome == Outcome.PROCESSED, result.reason
    assert result.kind == FileKind.DICOM
    [study] = result.studies
    [series] = study.series
    assert series.instance_count == 1
    preview = result.preview(series.preview_key)
    pixels = decoded(preview.png)
    assert (preview.height, preview.width) == pixels.shape
    assert 16 <= max(pixels.shape) <= DICOM_PREVIEW_MAX_SIDE
    assert pixels.std() > 10  # not blank
    assert pixels.max() - pixels.min() > 100  # windowed into the 8-bit range


def test_compressed_variants_preview_like_the_uncompressed_file():
    plain = decoded(process_file(TEST_FILES / "MR_small.dcm").previews[0].png).astype(int)
    for name in ("MR_small_RLE.dcm", "MR_small_jp2klossless.dcm", "MR_small_jpeg_ls_lossless.dcm"):
        other = decoded(process_file(TEST_FILES / name).previews[0].png).astype(int)
        assert np.abs(plain - other).max() <= 1, name


def test_summary_records_the_header_facts():
    result = process_file(TEST_FILES / "MR_small.dcm")
    ds = pydicom.dcmread(TEST_FILES / "MR_small.dcm")

    [study] = result.studies
    assert study.study_instance_uid == ds.StudyInstanceUID
    assert study.study_date.strftime("%Y%m%d") == ds.StudyDate
    assert study.patient_name == str(ds.PatientName)
    assert study.institution == ds.get("InstitutionName", "")
    assert study.modalities == ("MR",)
    [series] = study.series
    assert series.series_instance_uid == ds.SeriesInstanceUID
    assert series.modality == "MR"
    assert series.body_part_examined == ds.get("BodyPartExamined", "")


def test_large_slice_is_scaled_to_the_preview_size():
    result = process_file(TEST_FILES / "JPGExtended.dcm")  # 1024 rows x 256 columns
    preview = result.previews[0]
    assert (preview.width, preview.height) == (128, DICOM_PREVIEW_MAX_SIDE)


def test_monochrome1_is_inverted(tmp_path):
    ds = pydicom.dcmread(TEST_FILES / "MR_small.dcm")
    ds.PhotometricInterpretation = "MONOCHROME1"
    inverted_file = tmp_path / "inverted.dcm"
    ds.save_as(inverted_file)

    normal = decoded(process_file(TEST_FILES / "MR_small.dcm").previews[0].png).astype(int)
    inverted = decoded(process_file(inverted_file).previews[0].png).astype(int)
    assert np.abs((255 - normal) - inverted).max() <= 1


def test_window_from_the_header_sets_the_contrast(tmp_path):
    ds = pydicom.dcmread(TEST_FILES / "MR_small.dcm")
    ds.WindowCenter, ds.WindowWidth = (
        100,
        50,
    )  # a narrow window low in the range saturates most pixels
    narrow_file = tmp_path / "narrow.dcm"
    ds.save_as(narrow_file)

    pixels = decoded(process_file(narrow_file).previews[0].png)
    assert (pixels == 255).mean() > 0.5


@pytest.mark.parametrize("name", ["MR_truncated.dcm", "badVR.dcm", "JPEG-lossy.dcm"])
def test_dicom_whose_pixels_pydicom_cannot_decode_fails_with_a_reason(name):
    result = process_file(TEST_FILES / name)

    assert result.outcome == Outcome.FAILED
    assert result.reason == reasons.NOT_DICOM_IMAGE
    assert result.previews == ()


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("rtplan.dcm", "a radiotherapy plan (RT Plan)"),
        ("test-SR.dcm", "a structured report (Comprehensive SR)"),
        ("waveform_ecg.dcm", "a waveform recording (12-lead ECG Waveform)"),
        ("DICOMDIR", "a CD's index (DICOMDIR)"),
    ],
)
def test_a_dicom_object_without_an_image_is_named_not_called_unreadable(name, words):
    result = process_file(get_testdata_file(name))

    assert result.outcome == Outcome.PROCESSED
    assert result.reason == ""
    [note] = result.notes
    assert note.startswith(reasons.DICOM_NOT_AN_IMAGE.format(what=words).rstrip("."))
    assert result.studies == ()
    assert result.previews == ()


def test_an_rt_dose_is_previewed_and_named_for_what_it_is():
    result = process_file(TEST_FILES / "rtdose.dcm")

    assert result.outcome == Outcome.PROCESSED, result.reason
    assert result.notes == (
        reasons.DICOM_NOT_REVIEWED_IMAGE.format(what="a radiotherapy dose map (RT Dose)"),
    )
    [preview] = result.previews
    assert decoded(preview.png).std() > 0


def test_a_deflated_file_is_read_and_a_deflate_bomb_inflates_only_to_the_header_limit(
    tmp_path, monkeypatch
):
    """pydicom inflates a deflated data set whole, in one call; the pipeline stops at its limit, so a
    small deflate bomb never becomes gigabytes in memory."""
    import zlib

    from pydicom.filereader import _read_file_meta_info, read_preamble

    from intake.imaging import dicom, limits

    assert process_file(TEST_FILES / "image_dfl.dcm").previews  # a real deflated image reads

    original = (TEST_FILES / "image_dfl.dcm").read_bytes()
    meta = io.BytesIO(original)
    read_preamble(meta, False)
    _read_file_meta_info(meta)
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    bomb = tmp_path / "bomb.dcm"  # the same meta, then 256 MiB of zeros deflated to about 250 kB
    bomb.write_bytes(
        original[: meta.tell()] + packer.compress(b"\0" * 256 * 1024**2) + packer.flush()
    )
    assert bomb.stat().st_size < 1024**2

    inflated = []
    undeflated = dicom._undeflated

    def measured(bounded):
        copy = undeflated(bounded)
        inflated.append(len(copy.getvalue()))
        return copy

    monkeypatch.setattr(dicom, "_undeflated", measured)
    result = process_file(bomb)
    assert result.previews == ()
    assert inflated
    assert max(inflated) <= limits.DICOM_HEADER_MAX_BYTES + len(original[: meta.tell()])


def test_dicm_marker_followed_by_junk_fails_with_a_reason(tmp_path):
    junk = tmp_path / "junk.dcm"
    junk.write_bytes(b"\0" * 128 + b"DICM" + bytes(range(256)) * 8)

    result = process_file(junk, kind=FileKind.DICOM)

    assert result.outcome == Outcome.FAILED
    assert result.reason == reasons.NOT_DICOM_IMAGE


def test_file_without_the_preamble_is_not_taken_for_dicom():
    result = process_file(TEST_FILES / "ExplVR_LitEndNoMeta.dcm")

    assert result.outcome == Outcome.FAILED
    assert result.reason == reasons.NOT_ACCEPTED_KIND


def test_kind_recorded_at_upload_must_match_the_bytes():
    result = process_file(TEST_FILES / "MR_small.dcm", kind=FileKind.PDF)

    assert result.outcome == Outcome.FAILED
    assert result.reason == reasons.KIND_MISMATCH


def test_open_file_is_read_but_not_altered_or_closed():
    original = (TEST_FILES / "MR_small.dcm").read_bytes()
    fileobj = io.BytesIO(original)

    result = process_file(fileobj)

    assert result.outcome == Outcome.PROCESSED
    assert not fileobj.closed
    assert fileobj.getvalue() == original


def test_a_slice_claiming_more_pixels_than_we_decode_fails_before_decoding(tmp_path):
    ds = pydicom.dcmread(TEST_FILES / "MR_small.dcm")
    ds.Rows = ds.Columns = 32768  # 2 GiB at 16 bits; the pixel data itself is still 8 kB
    claimed = tmp_path / "claimed.dcm"
    ds.save_as(claimed)

    result = process_file(claimed)
    assert result.outcome == Outcome.FAILED
    assert result.reason == reasons.DICOM_TOO_LARGE_TO_PREVIEW


def test_a_slice_far_larger_than_the_preview_is_reduced_before_windowing(tmp_path):
    ds = pydicom.dcmread(TEST_FILES / "MR_small.dcm")
    rows, columns = 2000, 3000
    ramp = np.tile(np.linspace(0, 4000, columns, dtype=np.uint16), (rows, 1))
    ds.Rows, ds.Columns = rows, columns
    ds.PixelData = ramp.tobytes()
    for window in ("WindowCenter", "WindowWidth"):
        if window in ds:
            delattr(ds, window)
    big = tmp_path / "big.dcm"
    ds.save_as(big)

    preview = process_file(big).previews[0]
    assert (preview.width, preview.height) == (DICOM_PREVIEW_MAX_SIDE, 341)
    row = decoded(preview.png)[170].astype(int)
    assert row[0] < 10
    assert row[-1] > 245
    assert (np.diff(row) >= -1).all()  # still a ramp, left to right
