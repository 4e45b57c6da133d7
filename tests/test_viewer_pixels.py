"""The frame the viewer gets is pydicom's decoded array, for every transfer syntax the pipeline reads;
windowed the viewer's way it equals DICOM's linear window applied to pydicom's values."""

from http import HTTPStatus

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.pixels import apply_modality_lut

from intake.imaging.slices import Frame, window_frame
from intake.processing import keep
from intake.rules import FileKind
from tests.factories import UploadFactory
from tests.triage_support import SURGEON, otp_login, staff_user
from tests.viewer_support import frames_url, parse_frames

pytestmark = pytest.mark.django_db

# (file in pydicom's test set, its transfer syntax): one of each the pipeline reads.
CASES = [
    ("MR_small.dcm", "1.2.840.10008.1.2.1"),  # Explicit VR Little Endian
    ("CT_small.dcm", "1.2.840.10008.1.2.1"),  # with a rescale (Hounsfield units)
    ("JPGExtended.dcm", "1.2.840.10008.1.2.4.51"),  # JPEG extended, 12-bit
    ("SC_rgb_jpeg_dcmtk.dcm", "1.2.840.10008.1.2.4.50"),  # JPEG baseline, YBR colour
    ("SC_rgb_jpeg_gdcm.dcm", "1.2.840.10008.1.2.4.70"),  # JPEG lossless
    ("MR_small_jpeg_ls_lossless.dcm", "1.2.840.10008.1.2.4.80"),  # JPEG-LS lossless
    ("MR_small_jp2klossless.dcm", "1.2.840.10008.1.2.4.90"),  # JPEG 2000 lossless
    ("JPEG2000.dcm", "1.2.840.10008.1.2.4.91"),  # JPEG 2000
    ("MR_small_RLE.dcm", "1.2.840.10008.1.2.5"),  # RLE lossless
    ("SC_rgb_rle_2frame.dcm", "1.2.840.10008.1.2.5"),  # RLE, two frames
]


def linear_window(values: np.ndarray, center: float, width: float) -> np.ndarray:
    """PS3.3 C.11.2.1.2.1, written out here independently of the code under test."""
    low = center - 0.5 - (width - 1) / 2
    high = center - 0.5 + (width - 1) / 2
    scaled = ((values - (center - 0.5)) / (width - 1) + 0.5) * 255
    return np.where(values <= low, 0, np.where(values > high, 255, scaled))


def fetched_frames(client, name: str) -> list[tuple[np.ndarray, Frame]]:
    path = get_testdata_file(name, download=False)
    with open(path, "rb") as fileobj:
        upload = UploadFactory(content=fileobj.read(), kind=FileKind.DICOM, original_name="x.dcm")
    keep.process_upload(upload.pk)
    otp_login(client, staff_user(role=SURGEON))
    client.get(f"/mri-review/viewer/{upload.request_id}/")
    index = client.get(f"/mri-review/viewer/{upload.request_id}/index/").json()
    (series,) = index["series"]
    response = client.get(frames_url(upload.request_id, *(s["id"] for s in series["slices"])))
    assert response.status_code == HTTPStatus.OK
    found = []
    for header, pixels in parse_frames(b"".join(response.streaming_content)):
        slope, intercept = header["rescale"]
        found.append((pixels, Frame(pixels, slope, intercept, header["photometric"])))
    return found


@pytest.mark.parametrize(("name", "syntax"), CASES)
def test_each_frame_equals_pydicoms_decoded_array(client, name, syntax):
    ds = pydicom.dcmread(get_testdata_file(name, download=False))
    assert ds.file_meta.TransferSyntaxUID == syntax
    expected = ds.pixel_array
    frames = fetched_frames(client, name)
    if int(ds.get("NumberOfFrames") or 1) == 1:
        expected = expected[np.newaxis]
    assert len(frames) == len(expected)
    for (pixels, _), want in zip(frames, expected, strict=True):
        assert pixels.shape == want.shape
        assert np.array_equal(pixels.astype(np.int64), want.astype(np.int64))


@pytest.mark.parametrize(
    ("name", "syntax"), [case for case in CASES if not case[0].startswith("SC_rgb")]
)
def test_the_windowed_frame_equals_pydicoms_values_under_the_same_window(client, name, syntax):
    ds = pydicom.dcmread(get_testdata_file(name, download=False))
    values = apply_modality_lut(ds.pixel_array, ds).astype(np.float64)
    (_, frame), *_ = fetched_frames(client, name)
    center, width = float(np.median(values)), float(np.ptp(values)) / 2 or 2.0
    expected = linear_window(values[0] if values.ndim == 3 else values, center, width)
    got = window_frame(frame, center=center, width=width)
    assert np.abs(got.astype(np.float64) - expected).max() <= 0.5 + 1e-9
    inverted = window_frame(frame, center=center, width=width, invert=True)
    assert np.array_equal(inverted, 255 - got)
