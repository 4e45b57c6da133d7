"""Generated MR series with known geometry, for the viewer's tests and benchmark.

A sagittal and an axial series of one study, written as real DICOM files (Explicit VR Little
Endian, MR Image Storage) with Image Position/Orientation (Patient), Pixel Spacing and a window.
Patient coordinates are DICOM's LPS (+x left, +y posterior, +z superior).

Sagittal slices: rows run anterior to posterior (+y), columns superior to inferior (-z); the first
pixel's centre is at (x, -100, 100). Axial slices: rows run right to left (+x), columns anterior to
posterior (+y); the first pixel's centre is at (-100, -100, z).
"""

import io
import json
import zipfile
from dataclasses import dataclass

import numpy as np
import pypdf
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage, generate_uid

SAGITTAL = (0.0, 1.0, 0.0, 0.0, 0.0, -1.0)
AXIAL = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
# The two points drawn bright on every sagittal slice (column, row): 80 pixels apart on a row.
MARKS = ((60, 100), (140, 100))


@dataclass(frozen=True)
class SeriesSpec:
    description: str
    orientation: tuple[float, ...]
    count: int
    side: int
    spacing: float  # mm, square pixels
    thickness: float
    first: tuple[float, float, float]  # Image Position (Patient) of slice 1
    step: tuple[float, float, float]  # added per slice
    number: int
    noise: int = 0  # amplitude of random noise, so a CD compresses as a real one (benchmarks)


def sagittal(count: int = 15, side: int = 200, spacing: float = 1.0) -> SeriesSpec:
    return SeriesSpec(
        "T2 SAG", SAGITTAL, count, side, spacing, 4.0, (-28.0, -100.0, 100.0), (4.0, 0, 0), 1
    )


def axial(count: int = 20, side: int = 200, spacing: float = 1.0) -> SeriesSpec:
    return SeriesSpec(
        "T2 AX", AXIAL, count, side, spacing, 3.0, (-100.0, -100.0, 0.0), (0, 0, 4.0), 2
    )


def slice_pixels(spec: SeriesSpec, index: int) -> np.ndarray:
    """A 12-bit ramp that differs per slice, with the two marks bright on sagittal slices."""
    y, x = np.mgrid[0 : spec.side, 0 : spec.side]
    pixels = ((x * 7 + y * 3 + index * 50) % 1800 + 100).astype(np.uint16)
    if spec.noise:
        rng = np.random.default_rng(index)
        pixels += rng.integers(0, spec.noise, size=pixels.shape, dtype=np.uint16)
    if spec.orientation == SAGITTAL:
        for column, row in MARKS:
            pixels[row - 1 : row + 2, column - 1 : column + 2] = 4000
    return pixels


def series_files(spec: SeriesSpec, *, study_uid: str) -> list[bytes]:
    series_uid = generate_uid()
    files = []
    for i in range(spec.count):
        position = tuple(spec.first[k] + i * spec.step[k] for k in range(3))
        files.append(_instance(spec, i, position, study_uid=study_uid, series_uid=series_uid))
    return files


def _instance(spec: SeriesSpec, i: int, position, *, study_uid: str, series_uid: str) -> bytes:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = MRImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = MRImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.Modality = "MR"
    ds.BodyPartExamined = "LSPINE"
    ds.StudyDate = "20261012"
    ds.PatientName = "Test^Viewer"
    ds.SeriesDescription = spec.description
    ds.SeriesNumber = spec.number
    ds.InstanceNumber = i + 1
    ds.ImagePositionPatient = [f"{v:.3f}" for v in position]
    ds.ImageOrientationPatient = [f"{v:.6f}" for v in spec.orientation]
    ds.PixelSpacing = [spec.spacing, spec.spacing]
    ds.SliceThickness = spec.thickness
    ds.Rows = ds.Columns = spec.side
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.WindowCenter = 1000
    ds.WindowWidth = 2000
    ds.PixelData = slice_pixels(spec, i).tobytes()
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def zipped_study(*specs: SeriesSpec, compress: bool = True) -> bytes:
    """One study's series as a patient's zipped CD."""
    study_uid = generate_uid()
    buffer = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for n, spec in enumerate(specs, start=1):
            for i, data in enumerate(series_files(spec, study_uid=study_uid), start=1):
                archive.writestr(f"DICOM/S{n:02d}/IM{i:04d}", data)
    return buffer.getvalue()


FORMATS = {"u1": "<u1", "u2": "<u2", "i2": "<i2", "f4": "<f4", "rgb": "<u1"}


def parse_frames(content: bytes) -> list[tuple[dict, np.ndarray | None]]:
    """The viewer's answer (intake.imaging.slices.frame_part, one after the other) as
    (header, values) pairs; values is None for a slice that could not be read."""
    parts = []
    offset = 0
    while offset < len(content):
        length = int.from_bytes(content[offset : offset + 4], "little")
        header = json.loads(content[offset + 4 : offset + 4 + length])
        offset += 4 + length
        body = content[offset : offset + header["bytes"]]
        offset += header["bytes"]
        if "error" in header:
            parts.append((header, None))
            continue
        columns, rows = header["size"]
        shape = (rows, columns, 3) if header["format"] == "rgb" else (rows, columns)
        parts.append((header, np.frombuffer(body, dtype=FORMATS[header["format"]]).reshape(shape)))
    return parts


def frames_url(review_request_pk: int, *ids: int) -> str:
    return f"/mri-review/viewer/{review_request_pk}/slices/?" + "&".join(f"id={i}" for i in ids)


# -- A CD with photos of films and a report beside its series ------------------------------------


def report_pdf(pages: int = 2) -> bytes:
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def photo_bytes() -> bytes:
    """A 40 x 30 photo saved sideways, with EXIF orientation 6 (turn 90° clockwise to view)."""
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new("RGB", (40, 30), (200, 10, 10)).save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def cd_with_films_and_report(method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for i, data in enumerate(
            series_files(sagittal(count=3, side=32), study_uid="1.2.826.0.1.3680043.8.498.7")
        ):
            archive.writestr(f"DICOM/IM{i:04d}", data)
        archive.writestr("FILMS/film.jpg", photo_bytes())
        second = io.BytesIO()
        Image.new("RGB", (64, 48), (120, 120, 120)).save(second, "JPEG")
        archive.writestr("FILMS/second.jpg", second.getvalue())
        archive.writestr("REPORT/report.pdf", report_pdf(2))
    return buffer.getvalue()
