"""Zipped MR studies of a chosen size, built from pydicom's public MR_small.dcm.

Each instance is 512x512 16-bit (pixels upsampled 8x, shifted per slice, mild scanner-like noise so
deflate compresses it about as much as a real CD), with its own UIDs. Instances are added until the zip
reaches the size asked for. Built once and kept in the cache folder given.
"""

import io
import zipfile
from dataclasses import dataclass
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


@dataclass(frozen=True)
class CdStudy:
    """One study on a generated CD: pydicom's MR_small.dcm or CT_small.dcm with its header set."""

    modality: str = "MR"
    study_date: str = "20260101"
    body_part: str = "LSPINE"
    description: str = "MRI LUMBAR SPINE"
    series: tuple[str, ...] = ("T2 SAG", "T1 SAG", "T2 AX")
    images_per_series: int = 3
    patient_name: str = "LOPEZ^MARIA"
    birth_date: str = "19680327"
    side: int = 0  # pixels per row and column; 0 keeps the source's 64 (MR) or 128 (CT)


def cd_datasets(study: CdStudy):
    """The study's instances as pydicom datasets, each with its own UIDs."""
    import numpy as np
    import pydicom
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    source_name = "MR_small.dcm" if study.modality == "MR" else "CT_small.dcm"
    source = pydicom.dcmread(Path(pydicom.__file__).parent / "data" / "test_files" / source_name)
    pixels = source.pixel_array.astype(np.uint16)
    if study.side:
        pixels = np.resize(pixels, (study.side, study.side)).astype(np.uint16)
    study_uid = generate_uid()
    for series_number, description in enumerate(study.series, 1):
        series_uid = generate_uid()
        for number in range(1, study.images_per_series + 1):
            ds = source.copy()
            ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
            ds.Modality = study.modality
            ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, series_uid
            ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
            ds.StudyDate = ds.SeriesDate = study.study_date
            ds.StudyDescription, ds.SeriesDescription = study.description, description
            ds.BodyPartExamined = study.body_part
            ds.PatientName, ds.PatientBirthDate = study.patient_name, study.birth_date
            ds.SeriesNumber, ds.InstanceNumber = series_number, number
            ds.Rows, ds.Columns = pixels.shape
            ds.PixelData = np.roll(pixels, number, axis=1).tobytes()
            yield ds


def build_cd(folder: Path, studies: list[CdStudy], *, dicomdir: bool = True) -> Path:
    """A CD as a patient's drive shows it: files without extensions in upper-case folders, and a
    DICOMDIR (pydicom's FileSet) unless asked not to."""
    from pydicom.fileset import FileSet

    folder.mkdir(parents=True, exist_ok=True)
    if dicomdir:
        fileset = FileSet()
        for study in studies:
            for ds in cd_datasets(study):
                fileset.add(ds)
        fileset.write(folder)  # PT000000/ST000000/SE000000/IM000000 and DICOMDIR
        return folder
    count = 0
    for study_number, study in enumerate(studies):
        for ds in cd_datasets(study):
            count += 1
            path = folder / "DICOM" / f"ST{study_number:06d}" / f"SE{ds.SeriesNumber:06d}"
            path.mkdir(parents=True, exist_ok=True)
            ds.save_as(path / f"IM{count:06d}", enforce_file_format=True)
    return folder
