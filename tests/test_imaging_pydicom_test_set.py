"""Every image pydicom can decode is read (issue #15): pydicom's own test set, file by file, against
pydicom itself. What pydicom cannot decode gets a reason that names the problem or the object."""

import io
import os
import warnings

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.data import get_testdata_files

from intake.imaging import Outcome, process_file, reasons

TEST_SET = sorted(f for f in get_testdata_files() if os.path.isfile(f))

# Reasons a file that pydicom cannot decode may be given: each says what is wrong in plain words.
NAMED_REFUSALS = {
    reasons.NOT_ACCEPTED_KIND,  # no DICOM preamble: a raw data set, a text or JSON file
    reasons.NOT_DICOM_IMAGE,  # a DICOM image whose pixel data no decoder accepts, or damaged
    reasons.PREVIEW_FAILED,
}


def pydicom_decodes(path: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            pydicom.dcmread(path).pixel_array  # noqa: B018 (decoding is the point)
        except Exception:
            return False
    return True


DECODED = [f for f in TEST_SET if pydicom_decodes(f)]
NOT_DECODED = [f for f in TEST_SET if f not in DECODED]


def test_the_test_set_is_the_one_the_issue_counted():
    assert len(DECODED) >= 89  # pydicom 3.0's wheel: 89 files whose pixels decode
    assert len(NOT_DECODED) >= 60


@pytest.mark.parametrize("path", DECODED, ids=os.path.basename)
def test_every_file_pydicom_decodes_is_summarised_and_previewed(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(path, stop_before_pixels=True)

    result = process_file(path)

    assert result.outcome == Outcome.PROCESSED, result.reason
    [study] = result.studies
    [series] = study.series
    assert series.instance_count == 1
    assert series.modality == str(ds.get("Modality", "")).strip()
    preview = result.preview(series.preview_key)
    assert preview is not None
    image = Image.open(io.BytesIO(preview.png))
    assert image.format == "PNG"
    assert image.size == (preview.width, preview.height)
    assert np.asarray(image).size > 0


@pytest.mark.parametrize("path", NOT_DECODED, ids=os.path.basename)
def test_every_other_file_gets_a_named_reason(path):
    result = process_file(path)

    assert result.previews == ()
    if result.outcome == Outcome.FAILED:
        assert result.reason in NAMED_REFUSALS
    else:  # a report, a plan, a CD's index: named for what it is, never "unreadable"
        [note] = result.notes
        assert note.startswith("This DICOM file ")
        assert reasons.NOT_DICOM_IMAGE not in note
