"""The viewer's index of an upload's slices, and one slice's pixels read straight from the upload.

`read_slices` walks an upload once (a DICOM file, or a zipped CD member by member, never extracted)
reading headers only, and returns one `SliceInfo` per frame: where it is stored (the ZIP member's
place in the archive), which series it belongs to, and its geometry and display defaults.
`read_frame` later opens exactly that member from its recorded offset — no central directory, no
other member — and decodes that one frame, so a request costs one slice's bytes whatever the size of
the CD or the series. Decoding is pydicom's, with the pylibjpeg plugins for JPEG, JPEG-LS and
JPEG 2000 and pydicom's own RLE and native readers.
"""

import io
import json
import math
import struct
import warnings
import zipfile
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.pixels import apply_color_lut, pixel_array

from . import limits
from .archives import ArchiveReader, ArchiveRefused, MemberRef
from .bounded import BoundedReader
from .dicom import parse_da
from .kinds import FileKind
from .random_access import RandomAccess


class FrameUnreadable(Exception):
    """The slice's bytes are gone, damaged, too large or in a form no decoder here reads."""


@dataclass(frozen=True)
class ZipEntry:
    """Enough of a ZIP member's directory entry to open it again without the directory."""

    name: str
    header_offset: int
    compress_type: int
    compress_size: int
    file_size: int
    crc: int
    flag_bits: int
    # The archive inside the upload that holds this member (its own entry in the upload), or None.
    within: "ZipEntry | None" = None

    @classmethod
    def from_json(cls, values: dict) -> "ZipEntry":
        within = values.get("within")
        return cls(**{**values, "within": cls.from_json(within) if within else None})

    @classmethod
    def of(cls, info: zipfile.ZipInfo, *, within: "ZipEntry | None" = None) -> "ZipEntry":
        return cls(
            info.orig_filename,
            info.header_offset,
            info.compress_type,
            info.compress_size,
            info.file_size,
            info.CRC,
            info.flag_bits,
            within,
        )


@dataclass(frozen=True)
class SliceInfo:
    study_instance_uid: str
    series_instance_uid: str
    sop_instance_uid: str
    series_number: int | None
    series_description: str
    modality: str
    study_date: date | None
    instance_number: int | None
    frame: int | None  # the frame of a multi-frame file, else None
    rows: int
    columns: int
    transfer_syntax: str
    photometric: str
    position: tuple[float, float, float] | None = None
    orientation: tuple[float, ...] | None = None
    pixel_spacing: tuple[float, float] | None = None
    slice_thickness: float | None = None
    slice_location: float | None = None
    window_center: float | None = None
    window_width: float | None = None
    member: ZipEntry | None = None  # None: the upload is the DICOM file itself
    extra: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class MemberFile:
    """A photo or PDF report inside a zipped upload, and where to open it again."""

    name: str  # the path inside the upload, as the pipeline names it (Photo.name, Document.name)
    kind: FileKind
    member: ZipEntry


@dataclass(frozen=True)
class Index:
    """What the viewer can open in an upload: DICOM frames, and photos and PDFs inside a ZIP."""

    slices: list[SliceInfo] = field(default_factory=list)
    files: list[MemberFile] = field(default_factory=list)


# -- The index ------------------------------------------------------------------------------------


def read_slices(fileobj: BinaryIO, *, kind: str, staging: Path) -> list[SliceInfo]:
    """Every frame of every DICOM image in an upload, from headers only (`read_index`'s slices)."""
    return read_index(fileobj, kind=kind, staging=staging).slices


def read_index(fileobj: BinaryIO, *, kind: str, staging: Path) -> Index:
    """Every frame of every DICOM image in an upload, from headers only, and the place of each
    photo and PDF inside a ZIP (nothing of theirs is read here). A member that is not a DICOM
    image, or is damaged, is left out (the pipeline reports it). Members of an archive inside the
    archive are indexed with that archive's place too (`ZipEntry.within`): read in place when it is
    stored uncompressed (as zip tools store a .zip), inflated up to the member when it is deflated,
    so such an archive is indexed only up to NESTED_INFLATE_MAX_BYTES."""
    if kind == FileKind.DICOM:
        fileobj.seek(0)
        try:
            return Index(slices=_slices_of(fileobj, None))
        except Exception:  # malformed input raises anything; the pipeline names the failure
            return Index()
    if kind != FileKind.ZIP:
        return Index()
    found = Index()
    fileobj.seek(0)
    try:
        with ArchiveReader(fileobj, staging=staging) as reader:
            for member in reader.members():
                if member.kind not in (FileKind.DICOM, *_FILE_KINDS):
                    continue
                entry = _entry(reader, member.ref)
                if entry is None:
                    continue
                if member.kind == FileKind.DICOM:
                    found.slices.extend(_member_slices(reader, member.ref, entry))
                else:
                    found.files.append(MemberFile(member.ref.name, member.kind, entry))
    except ArchiveRefused:
        return found
    return found


_FILE_KINDS = (FileKind.JPEG, FileKind.PNG, FileKind.PDF)


# A deflated archive inside the upload is inflated from its start to reach a member, each time one
# is read: one larger than this is not indexed (reading its last slice would inflate all of it).
NESTED_INFLATE_MAX_BYTES = 64 * 1024**2


def _entry(reader: ArchiveReader, ref: MemberRef) -> ZipEntry | None:
    """Where the member is in the stored upload; None if the viewer would not read it there."""
    parent = reader.parent(ref)
    if parent is None:
        return ZipEntry.of(ref.info)
    if reader.parent(parent) is not None:  # deeper than the pipeline reads (limits.ZIP_MAX_DEPTH)
        return None
    info = parent.info
    if info.compress_type != zipfile.ZIP_STORED and info.file_size > NESTED_INFLATE_MAX_BYTES:
        return None
    return ZipEntry.of(ref.info, within=ZipEntry.of(info))


def _member_slices(reader: ArchiveReader, ref: MemberRef, entry: ZipEntry) -> list[SliceInfo]:
    try:
        with reader.open(ref) as member:
            return _slices_of(member, entry)
    except ArchiveRefused:
        raise
    except Exception:  # damaged (MemberDamaged) or not an image: the pipeline says which
        return []


_WANTED = {
    "StudyInstanceUID",
    "SeriesInstanceUID",
    "SOPInstanceUID",
    "SeriesNumber",
    "SeriesDescription",
    "Modality",
    "StudyDate",
    "InstanceNumber",
    "NumberOfFrames",
    "Rows",
    "Columns",
    "PhotometricInterpretation",
    "ImagePositionPatient",
    "ImageOrientationPatient",
    "PixelSpacing",
    "SliceThickness",
    "SliceLocation",
    "WindowCenter",
    "WindowWidth",
    "SharedFunctionalGroupsSequence",
    "PerFrameFunctionalGroupsSequence",
}


def _slices_of(fileobj: BinaryIO, member: ZipEntry | None) -> list[SliceInfo]:
    bounded = BoundedReader(fileobj, limits.DICOM_HEADER_MAX_BYTES)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(bounded, stop_before_pixels=True, defer_size=limits.DICOM_DEFER_BYTES)
        if bounded.read(4) not in (b"\xe0\x7f\x10\x00", b"\x7f\xe0\x00\x10"):
            return []  # no pixel data: a report, a presentation state
        return slices_of_dataset(ds, member)


def slices_of_dataset(ds: Dataset, member: ZipEntry | None) -> list[SliceInfo]:
    """The frames of an image whose header `ds` was read (up to its pixels) by the caller: the
    pipeline's own read of a loose file (`dicom.read_dataset`), so the file is read once. A file
    without a series UID is indexed too: the viewer shows it as a series of its own."""
    try:
        return _frames_of(ds, member)
    except Exception:  # odd values raise anything; such a file is not indexed
        return []


def _frames_of(ds: Dataset, member: ZipEntry | None) -> list[SliceInfo]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if not ds.get("Rows") or not ds.get("Columns"):
            return []
        frames = _int(ds.get("NumberOfFrames")) or 1
        common = _common(ds, member)
        if frames == 1:
            return [SliceInfo(**common, frame=None, **_geometry(ds, ds))]
        shared = _first_item(ds, "SharedFunctionalGroupsSequence")
        per_frame = ds.get("PerFrameFunctionalGroupsSequence") or []
        return [
            SliceInfo(
                **common,
                frame=i,
                **_geometry(ds, shared, per_frame[i] if i < len(per_frame) else None),
            )
            for i in range(frames)
        ]


def _common(ds: Dataset, member: ZipEntry | None) -> dict:
    return {
        "study_instance_uid": str(_get(ds, "StudyInstanceUID") or ""),
        "series_instance_uid": str(_get(ds, "SeriesInstanceUID") or ""),
        "sop_instance_uid": str(_get(ds, "SOPInstanceUID") or ""),
        "series_number": _int(_get(ds, "SeriesNumber")),
        "series_description": str(_get(ds, "SeriesDescription") or "").strip(),
        "modality": str(_get(ds, "Modality") or "").strip(),
        "study_date": parse_da(_get(ds, "StudyDate")),
        "instance_number": _int(_get(ds, "InstanceNumber")),
        "rows": int(ds.Rows),
        "columns": int(ds.Columns),
        "transfer_syntax": str(ds.file_meta.get("TransferSyntaxUID", "")),
        "photometric": str(_get(ds, "PhotometricInterpretation") or "").strip().upper(),
        "member": member,
    }


def _get(ds: Dataset, keyword: str):
    """One element's value, or None when pydicom cannot convert it (an IS of "1A"): such a value
    is left out, never the slice (as `dicom._value` does for the summary)."""
    try:
        return ds.get(keyword)
    except Exception:  # pydicom converts on access and raises anything
        return None


def _first_item(ds: Dataset | None, keyword: str) -> Dataset | None:
    sequence = ds.get(keyword) if ds is not None else None
    return sequence[0] if sequence else None


def _geometry(ds: Dataset, shared: Dataset | None, frame: Dataset | None = None) -> dict:
    """Geometry and window of one frame: from the frame's functional groups, then the shared
    ones, then the top level (a classic single-frame image keeps them all at the top level)."""

    def find(macro: str, keyword: str):
        for source in (frame, shared):
            item = _first_item(source, macro)
            if item is not None and keyword in item:
                return _get(item, keyword)
        return _get(ds, keyword)

    return {
        "position": _floats(find("PlanePositionSequence", "ImagePositionPatient"), 3),
        "orientation": _floats(find("PlaneOrientationSequence", "ImageOrientationPatient"), 6),
        "pixel_spacing": _spacing(find("PixelMeasuresSequence", "PixelSpacing")),
        "slice_thickness": _positive(find("PixelMeasuresSequence", "SliceThickness")),
        "slice_location": _float(_get(ds, "SliceLocation")),
        "window_center": _float(_first(find("FrameVOILUTSequence", "WindowCenter"))),
        "window_width": _positive(_first(find("FrameVOILUTSequence", "WindowWidth"))),
    }


def _first(value):
    if value is None or isinstance(value, str | int | float):
        return value
    try:
        return value[0]
    except (TypeError, IndexError):
        return None


def _int(value) -> int | None:
    try:
        return None if value in (None, "") else int(value)
    except (TypeError, ValueError):
        return None


def _float(value) -> float | None:
    try:
        number = None if value in (None, "") else float(value)
    except (TypeError, ValueError):
        return None
    return number if number is not None and math.isfinite(number) else None


def _positive(value) -> float | None:
    number = _float(value)
    return number if number is not None and number > 0 else None


def _floats(value, count: int) -> tuple[float, ...] | None:
    try:
        numbers = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        return None
    if len(numbers) != count or not all(math.isfinite(n) for n in numbers):
        return None
    if count == 6 and (
        not any(numbers[:3])
        or not any(numbers[3:])
        or abs(sum(a * b for a, b in zip(numbers[:3], numbers[3:], strict=True))) > 0.01
    ):
        return None  # not two unit-ish perpendicular directions: no geometry at all
    return numbers


def _spacing(value) -> tuple[float, float] | None:
    numbers = _floats(value, 2)
    return numbers if numbers and all(n > 0 for n in numbers) else None  # type: ignore[return-value]


# -- One frame's pixels ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """A decoded frame as the viewer gets it: stored values (before the modality LUT) with the
    rescale to apply, or 8-bit RGB for colour images."""

    pixels: np.ndarray  # (rows, columns) u1/u2/i2/f4, or (rows, columns, 3) u1 for colour
    slope: float
    intercept: float
    photometric: str

    @property
    def colour(self) -> bool:
        return self.pixels.ndim == 3


def open_member(fileobj: BinaryIO, entry: ZipEntry) -> zipfile.ZipExtFile:
    """The member `entry` of the ZIP in `fileobj`, opened from its local header alone (the way
    `ZipFile.open` does once it has found the entry in the central directory). A member of an
    archive inside the ZIP (`entry.within`) is opened inside that archive: in place if it is
    stored, else from the member's bytes inflated out of it (at most NESTED_INFLATE_MAX_BYTES)."""
    if entry.within is not None:
        return _open_inside(fileobj, entry.within, replace(entry, within=None))
    _skip_local_header(fileobj, entry.header_offset)
    info = zipfile.ZipInfo(entry.name)
    info.compress_type = entry.compress_type
    info.compress_size = entry.compress_size
    info.file_size = entry.file_size
    info.CRC = entry.crc
    info.flag_bits = entry.flag_bits
    if entry.flag_bits & 0x1:
        raise FrameUnreadable("an encrypted member")
    return zipfile.ZipExtFile(fileobj, "rb", info, None, close_fileobj=False)


def _skip_local_header(fileobj: BinaryIO, offset: int) -> int:
    """Seek past the local header at `offset`; the header's length."""
    fileobj.seek(offset)
    rest = _name_and_extra(fileobj.read(zipfile.sizeFileHeader))
    fileobj.seek(rest, 1)
    return zipfile.sizeFileHeader + rest


def _name_and_extra(header: bytes) -> int:
    """The length of what follows a member's fixed-size local header, before its data."""
    if len(header) != zipfile.sizeFileHeader:
        raise FrameUnreadable("truncated member header")
    fields = struct.unpack(zipfile.structFileHeader, header)
    if fields[zipfile._FH_SIGNATURE] != zipfile.stringFileHeader:
        raise FrameUnreadable("no member header at the recorded place")
    return fields[zipfile._FH_FILENAME_LENGTH] + fields[zipfile._FH_EXTRA_FIELD_LENGTH]


def _open_inside(fileobj: BinaryIO, archive: ZipEntry, entry: ZipEntry) -> zipfile.ZipExtFile:
    if archive.within is not None or archive.flag_bits & 0x1:
        raise FrameUnreadable("an archive the pipeline does not read")
    if archive.compress_type == zipfile.ZIP_STORED:
        start = archive.header_offset + _skip_local_header(fileobj, archive.header_offset)
        return open_member(Window(fileobj, start, archive.file_size), entry)
    if archive.file_size > NESTED_INFLATE_MAX_BYTES:
        raise FrameUnreadable("a deflated archive too large to inflate per slice")
    with open_member(fileobj, archive) as inflated:  # inflated from its start, to the member only
        inflated.seek(entry.header_offset)  # forward only: never inflated twice
        header = inflated.read(zipfile.sizeFileHeader)
        data = header + inflated.read(_name_and_extra(header) + entry.compress_size)
    return open_member(io.BytesIO(data), replace(entry, header_offset=0))


class Window(RandomAccess):
    """`size` bytes of `fileobj` from `start`, as a file of their own: an archive stored whole
    (uncompressed) inside the upload, read in place with seeks, never copied."""

    def __init__(self, fileobj: BinaryIO, start: int, size: int):
        super().__init__(size)
        self._file = fileobj
        self._start = start

    def read(self, size: int | None = -1) -> bytes:
        left = max(0, self._size - self._position)
        size = left if size is None or size < 0 else min(size, left)
        if not size:
            return b""
        self._file.seek(self._start + self._position)
        data = self._file.read(size)
        self._position += len(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


_SIZE_TAGS = ["Rows", "Columns", "SamplesPerPixel", "BitsAllocated"]


def read_frame(fileobj: BinaryIO, *, member: ZipEntry | None, frame: int | None) -> Frame:
    """Decode one frame of the DICOM file at `fileobj` (or of its ZIP `member`)."""
    try:
        source = open_member(fileobj, member) if member else fileobj
        start = source.tell()
        bounded = BoundedReader(
            source, 2 * limits.DICOM_HEADER_MAX_BYTES + limits.DICOM_PREVIEW_MAX_READ_BYTES
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sizes = pydicom.dcmread(bounded, stop_before_pixels=True, specific_tags=_SIZE_TAGS)
            frame_bytes = math.prod(int(sizes.get(tag) or 1) for tag in _SIZE_TAGS) // 8
            if frame_bytes > limits.DICOM_PREVIEW_MAX_FRAME_BYTES:
                raise FrameUnreadable("frame too large")
            bounded.seek(start)
            ds = Dataset()
            arr = pixel_array(bounded, ds_out=ds, index=frame)
    except FrameUnreadable:
        raise
    except Exception as exc:  # any decoder, or a damaged member, may raise anything
        raise FrameUnreadable(type(exc).__name__) from exc
    return _as_frame(arr, ds)


def _as_frame(arr: np.ndarray, ds: Dataset) -> Frame:
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).strip().upper()
    if photometric == "PALETTE COLOR":
        arr = apply_color_lut(arr, ds)
    if arr.ndim == 3:
        rgb = arr[..., :3]
        if rgb.dtype != np.uint8:  # 16-bit colour (a palette's entries): the top 8 bits
            top = float(rgb.max()) or 1.0
            rgb = (rgb.astype(np.float32) * (255.0 / max(top, 255.0))).astype(np.uint8)
        return Frame(np.ascontiguousarray(rgb), 1.0, 0.0, "RGB")
    slope = _float(ds.get("RescaleSlope")) or 1.0
    intercept = _float(ds.get("RescaleIntercept")) or 0.0
    if arr.dtype.kind == "f":
        pixels = arr.astype(np.float32)
    elif arr.dtype.itemsize == 1:
        pixels = arr.astype(np.uint8 if arr.dtype.kind == "u" else np.int16)
    elif arr.min(initial=0) >= 0 and arr.max(initial=0) <= 0xFFFF:
        pixels = arr.astype(np.uint16)
    elif arr.min(initial=0) >= -0x8000 and arr.max(initial=0) <= 0x7FFF:
        pixels = arr.astype(np.int16)
    else:  # 32-bit integers beyond 16 bits: rare; sent as floats, which hold them to 24 bits
        pixels = arr.astype(np.float32)
    return Frame(np.ascontiguousarray(pixels), slope, intercept, photometric)


def frame_bytes(frame: Frame) -> tuple[bytes, str]:
    """The frame as little-endian bytes, and its format name for the viewer: u1, u2, i2, f4 or rgb."""
    if frame.colour:
        return frame.pixels.tobytes(), "rgb"
    dtype = frame.pixels.dtype
    code = {np.dtype(np.uint8): "u1", np.dtype(np.uint16): "u2", np.dtype(np.int16): "i2"}.get(
        dtype, "f4"
    )
    return frame.pixels.astype(np.dtype(code).newbyteorder("<")).tobytes(), code


def frame_part(slice_id: int, frame: Frame | None) -> bytes:
    """One slice of the viewer's answer: a 4-byte little-endian length, a JSON header of that
    length (id, format, size [columns, rows], rescale [slope, intercept], photometric, bytes),
    then the values; a slice that could not be read is a header with "error" and no values."""
    if frame is None:
        header: dict = {"id": slice_id, "error": "This slice could not be decoded.", "bytes": 0}
        body = b""
    else:
        body, code = frame_bytes(frame)
        header = {
            "id": slice_id,
            "format": code,
            "size": [int(frame.pixels.shape[1]), int(frame.pixels.shape[0])],
            "rescale": [frame.slope, frame.intercept],
            "photometric": frame.photometric,
            "bytes": len(body),
        }
    encoded = json.dumps(header).encode()
    return struct.pack("<I", len(encoded)) + encoded + body


def window_frame(frame: Frame, *, center: float, width: float, invert: bool = False) -> np.ndarray:
    """8-bit grey values of a frame under a window, exactly as the viewer computes them (DICOM's
    linear VOI function, PS3.3 C.11.2.1.2): the reference the pixel tests compare against."""
    values = frame.pixels.astype(np.float64) * frame.slope + frame.intercept
    scaled = ((values - (center - 0.5)) / max(width - 1, 1e-6) + 0.5) * 255
    grey = np.clip(np.floor(scaled + 0.5), 0, 255).astype(np.uint8)  # as JS's Math.round
    return 255 - grey if invert else grey
