"""Zipped MR studies of a chosen size, built from pydicom's public MR_small.dcm.

Each instance is 512x512 16-bit (pixels upsampled 8x, shifted per slice, mild scanner-like noise so
deflate compresses it about as much as a real CD), with its own UIDs. Instances are added until the zip
reaches the size asked for. Built once and kept in the cache folder given.
"""

import io
import zipfile
from pathlib import Path

SIDE = 512


def build_zip_study(path: Path, target_bytes: int, *, compress: bool = True) -> Path:
    """A zip of real DICOM instances, at least `target_bytes` long (reused if already built)."""
    if path.exists() and path.stat().st_size >= target_bytes:
        return path
    import numpy as np
    import pydicom
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    source = pydicom.dcmread(Path(pydicom.__file__).parent / "data" / "test_files" / "MR_small.dcm")
    base = source.pixel_array.astype(np.uint16)
    factor = SIDE // base.shape[0]
    big = np.kron(base, np.ones((factor, factor), dtype=np.uint16))
    rng = np.random.default_rng(9)
    study_uid, series_uid = generate_uid(), generate_uid()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with partial.open("wb") as raw, zipfile.ZipFile(raw, "w", method, compresslevel=6) as archive:
        number = 0
        while raw.tell() < target_bytes:
            number += 1
            ds = source.copy()
            ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
            ds.StudyInstanceUID = study_uid
            ds.SeriesInstanceUID = series_uid
            ds.SOPInstanceUID = generate_uid()
            ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
            ds.SeriesDescription = "T2 SAG"
            ds.BodyPartExamined = "LSPINE"
            ds.InstanceNumber = number
            ds.Rows = ds.Columns = SIDE
            noise = rng.integers(0, 24, size=big.shape, dtype=np.uint16)
            ds.PixelData = (np.roll(big, number * 3, axis=1) + noise).astype(np.uint16).tobytes()
            buffer = io.BytesIO()
            ds.save_as(buffer, enforce_file_format=True)
            archive.writestr(f"DICOM/S01/IM{number:04d}", buffer.getvalue())
    partial.rename(path)
    return path


def build_loose_study(folder: Path, instances: int, *, series: int = 4) -> list[Path]:
    """`instances` loose DICOM files of one MR study in `series` series (512x512, 16-bit, each its own
    UIDs, slice shifted and mild noise as above), as a CD's folder holds them; reused if present."""
    files = sorted(folder.glob("S*/IM*"))
    if len(files) == instances:
        return files
    import numpy as np
    import pydicom
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    source = pydicom.dcmread(Path(pydicom.__file__).parent / "data" / "test_files" / "MR_small.dcm")
    base = source.pixel_array.astype(np.uint16)
    big = np.kron(base, np.ones((SIDE // base.shape[0],) * 2, dtype=np.uint16))
    rng = np.random.default_rng(20)
    study_uid = generate_uid()
    descriptions = ["T1 SAG", "T2 SAG", "T2 AX", "STIR SAG"]
    per_series = instances // series
    for s in range(series):
        series_uid = generate_uid()
        (folder / f"S{s + 1:02d}").mkdir(parents=True, exist_ok=True)
        for i in range(per_series):
            ds = source.copy()
            ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
            ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, series_uid
            ds.SOPInstanceUID = generate_uid()
            ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
            ds.SeriesNumber, ds.SeriesDescription = s + 1, descriptions[s % len(descriptions)]
            ds.BodyPartExamined = "LSPINE"
            ds.InstanceNumber, ds.SliceLocation = i + 1, float(i * 4)
            ds.Rows = ds.Columns = SIDE
            noise = rng.integers(0, 24, size=big.shape, dtype=np.uint16)
            ds.PixelData = (np.roll(big, i * 3, axis=1) + noise).astype(np.uint16).tobytes()
            ds.save_as(folder / f"S{s + 1:02d}" / f"IM{i + 1:04d}", enforce_file_format=True)
    return sorted(folder.glob("S*/IM*"))


def zip_folder(files: list[Path], folder: Path, path: Path) -> Path:
    """The loose files zipped (deflate, level 6) under their paths in the folder; reused if present."""
    if path.exists():
        return path
    partial = path.with_suffix(".part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for file in files:
            archive.write(file, f"DICOM/{file.relative_to(folder)}")
    partial.rename(path)
    return path
