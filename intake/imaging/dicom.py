"""DICOM: header reading, study/series summaries and one windowed preview per series.

Headers are read with `stop_before_pixels`, so a study of hundreds of slices costs a few kilobytes each;
pixels are decoded only for the slice chosen as a series' preview. No length a file claims is believed:
header values longer than DICOM_DEFER_BYTES are skipped by seeking, the header bytes read and the pixel
bytes read are capped (`bounded.BoundedReader`), a deflated file is inflated only up to the same caps,
and a frame too large to decode is not decoded.

Values are read leniently, as pydicom itself reads them: scanners write slightly non-conforming headers
(a UID over 64 characters, a stray VR) and every image pydicom can decode must be summarised and
previewed (issue #15). Only the fields the summary uses are converted, each on its own, so one odd value
elsewhere never costs the file.
"""

import io
import math
import warnings
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from datetime import date
from typing import BinaryIO

import numpy as np
import pydicom
from PIL import Image
from pydicom import config
from pydicom.dataset import Dataset
from pydicom.filebase import DicomBytesIO
from pydicom.filereader import _read_file_meta_info, read_preamble
from pydicom.filewriter import write_file_meta_info
from pydicom.pixels import (
    apply_color_lut,
    apply_modality_lut,
    apply_voi_lut,
    get_decoder,
    pixel_array,
)
from pydicom.uid import UID, DeflatedExplicitVRLittleEndian, ExplicitVRLittleEndian

from . import limits, reasons
from .archives import ArchiveRefused
from .bounded import BoundedReader
from .results import SeriesSummary, Slice, StudySummary

# The Pixel Data tag as it sits in the file, little and big endian.
_PIXEL_DATA_TAGS = (b"\xe0\x7f\x10\x00", b"\x7f\xe0\x00\x10")


class PreviewTooLarge(Exception):
    """The slice is larger than we decode for a preview."""


class NotDicomImage(Exception):
    def __init__(self, reason: str = reasons.NOT_DICOM_IMAGE, *, has_pixels: bool = True):
        super().__init__(reason)
        self.reason = reason
        self.has_pixels = has_pixels


@dataclass(frozen=True)
class InstanceHeader:
    """What the summary needs from one file; small enough to keep for thousands of slices."""

    study_instance_uid: str
    series_instance_uid: str
    sop_instance_uid: str
    instance_number: int | None
    slice_location: float | None
    frames: int
    modality: str
    body_part_examined: str
    sop_class_uid: str
    series_number: int | None
    series_description: str
    study_date: date | None
    study_description: str
    institution: str
    patient_name: str
    patient_birth_date: date | None


@contextmanager
def lenient_reading():
    """pydicom reads odd values as they are, as `pydicom.dcmread` does by default (a global setting,
    restored after); its warnings are noise here."""
    mode = config.settings.reading_validation_mode
    config.settings.reading_validation_mode = config.IGNORE
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        config.settings.reading_validation_mode = mode


def read_header(
    fileobj: BinaryIO, *, max_bytes: int = limits.DICOM_HEADER_MAX_BYTES
) -> InstanceHeader:
    """Read one file's header; raise NotDicomImage unless it is a DICOM image.

    At most `max_bytes` of header are held; a longer one raises NotDicomImage(DICOM_HEADER_TOO_LARGE).
    A DICOM object without an image (a report, a plan, a CD's index) raises NotDicomImage with
    `has_pixels=False` and a reason that names what it is.
    """
    return read_dataset(fileobj, max_bytes=max_bytes)[0]


def read_dataset(
    fileobj: BinaryIO, *, max_bytes: int = limits.DICOM_HEADER_MAX_BYTES
) -> tuple[InstanceHeader, Dataset]:
    """`read_header`, and the header's data set itself (up to the pixels, long values dropped), so
    a caller that needs more of it (the viewer's geometry: `slices.slices_of_dataset`) reads the
    file once."""
    bounded = BoundedReader(fileobj, max_bytes)
    try:
        with lenient_reading():
            stream = _undeflated(bounded)
            ds = _read_bounded(stream)
            if stream is not bounded:  # the inflated copy says Explicit VR; the file is deflated
                ds.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
            has_pixels = stream.read(4) in _PIXEL_DATA_TAGS
            header = _header_from(ds)
            if "Rows" not in ds or "Columns" not in ds:
                has_pixels = False
    except (NotDicomImage, ArchiveRefused):
        raise
    except Exception as exc:  # malformed input raises anything: ValueError, EOFError, struct.error…
        if bounded.exceeded:
            raise NotDicomImage(reasons.DICOM_HEADER_TOO_LARGE) from exc
        raise NotDicomImage() from exc
    if not has_pixels:
        if not header.sop_class_uid:  # no class at all: bytes that only look like DICOM
            raise NotDicomImage()
        raise NotDicomImage(not_an_image(header.sop_class_uid), has_pixels=False)
    return header, ds


# What staff are told a DICOM object without an image is, by SOP class (PS3.4 B.5). Others are named
# by the standard's own name for their class ("RT Plan Storage" reads "RT Plan").
_OBJECT_WORDS = {
    "1.2.840.10008.1.3.10": "a CD's index (DICOMDIR), which lists the files on the CD",
    "1.2.840.10008.5.1.4.1.1.481.2": "a radiotherapy dose map (RT Dose)",
    "1.2.840.10008.5.1.4.1.1.481.3": "radiotherapy outlines (RT Structure Set)",
    "1.2.840.10008.5.1.4.1.1.481.5": "a radiotherapy plan (RT Plan)",
    "1.2.840.10008.5.1.4.1.1.104.1": "a PDF document inside a DICOM file",
}


def object_words(sop_class_uid: str) -> str:
    """A DICOM object's kind in plain words for staff, from its SOP class; "" if unknown."""
    if sop_class_uid in _OBJECT_WORDS:
        return _OBJECT_WORDS[sop_class_uid]
    name = UID(sop_class_uid).name if sop_class_uid else ""
    if not name or name == sop_class_uid:
        return ""
    name = name.removesuffix(" Storage").removesuffix(" - For Presentation")
    if name.endswith(" SR"):
        return f"a structured report ({name})"
    if "Presentation State" in name:
        return f"display settings for other images ({name})"
    if "Waveform" in name:
        return f"a waveform recording ({name})"
    return name


def not_an_image(sop_class_uid: str) -> str:
    """Why a DICOM file without pixel data gives no preview, naming what it is."""
    words = object_words(sop_class_uid)
    if not words:
        return reasons.DICOM_NOT_AN_IMAGE_UNKNOWN
    if not words.startswith(("a ", "an ", "display ", "radiotherapy ")):
        return reasons.DICOM_WITHOUT_PIXELS.format(what=words)  # an image class, its pixels absent
    return reasons.DICOM_NOT_AN_IMAGE.format(what=words)


# Image objects whose pixels decode but are not scans of the patient's anatomy: previewed, and named.
NOT_REVIEWED_IMAGES = frozenset({"1.2.840.10008.5.1.4.1.1.481.2"})  # RT Dose


def screen_dicom(fileobj: BinaryIO) -> str | None:
    """The form's quick look at a DICOM file: NOT_DICOM_IMAGE when its bytes are not DICOM, or None.

    Header only, never the pixels. The pipeline's `read_header` first. A file it refuses still
    passes when a read finds a real DICOM header (its SOP class): a CD's DICOMDIR index or a
    report has no image but comes with a CD, and scanners write non-conforming images that
    staff can still open from the original. Only bytes that are not DICOM at all, such as the "DICM"
    marker followed by junk, are refused.
    """
    start = fileobj.tell()
    try:
        read_header(fileobj, max_bytes=limits.SCREEN_DICOM_HEADER_MAX_BYTES)
        return None
    except NotDicomImage as exc:
        if exc.reason == reasons.DICOM_HEADER_TOO_LARGE or not exc.has_pixels:
            return None  # too long a header for the web process (the worker reads it), or a report
    fileobj.seek(start)
    bounded = BoundedReader(fileobj, limits.SCREEN_DICOM_HEADER_MAX_BYTES)
    try:
        with lenient_reading():
            ds = _read_bounded(_undeflated(bounded))
            sop_class = ds.file_meta.get("MediaStorageSOPClassUID") or ds.get("SOPClassUID")
    except Exception:  # malformed input raises anything
        if bounded.exceeded:
            return None
        sop_class = None
    return None if sop_class else reasons.NOT_DICOM_IMAGE


def _read_bounded(source: BinaryIO, **kwargs) -> Dataset:
    """The header up to the pixels, with long values skipped (and dropped, so nothing reloads them).

    `source` is a BoundedReader, or the in-memory copy `_undeflated` made of one."""
    ds = pydicom.dcmread(
        source,
        stop_before_pixels=True,
        force=False,
        defer_size=limits.DICOM_DEFER_BYTES,
        **kwargs,
    )
    for tag in list(ds.keys()):
        raw = ds.get_item(tag, keep_deferred=True)
        if raw is not None and raw.value is None and raw.length:
            del ds[tag]
    return ds


def _undeflated(bounded: BoundedReader) -> BinaryIO:
    """The file as it is, rewound; or, if its data set is deflated, a copy in memory inflated up to the
    reader's limit (and no further: a truncated copy fails to parse like any damaged file).

    pydicom inflates a deflated file whole, in one call, from all the bytes it is given: a 2 MB header
    could become 2 GB (a deflate bomb). The copy says Explicit VR Little Endian, which is what a
    deflated data set is once inflated (PS3.5 A.5)."""
    start = bounded.tell()
    if not _may_be_deflated(bounded):
        bounded.seek(start)
        return bounded
    bounded.seek(start)
    read_preamble(bounded, False)
    file_meta = _read_file_meta_info(bounded)
    if file_meta.get("TransferSyntaxUID") != DeflatedExplicitVRLittleEndian:
        bounded.seek(start)
        return bounded
    file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    plain = DicomBytesIO()
    plain.write(b"\0" * 128 + b"DICM")
    write_file_meta_info(plain, file_meta, enforce_standard=False)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    room = bounded.room
    while room > 0 and not inflater.eof:
        chunk = inflater.unconsumed_tail or bounded.read(min(_INFLATE_CHUNK, bounded.room))
        if not chunk:
            break
        piece = inflater.decompress(chunk, room)
        plain.write(piece)
        room -= len(piece)
    plain.seek(0)
    return plain


_INFLATE_CHUNK = 64 * 1024
_DEFLATED_UID = DeflatedExplicitVRLittleEndian.encode()
_META_LENGTH_ELEMENT = b"\x02\x00\x00\x00UL\x04\x00"  # (0002,0000) UL, 4 bytes


def _may_be_deflated(bounded: BoundedReader) -> bool:
    """False when the file meta, found by its group length, does not name the deflated syntax: a
    byte search that spares parsing the meta twice for every other file. Unsure means True."""
    head = bounded.read(min(144, bounded.room))
    if len(head) < 144 or head[132:140] != _META_LENGTH_ELEMENT:
        return True
    meta_length = int.from_bytes(head[140:144], "little")
    if meta_length > min(bounded.room, 64 * 1024):
        return True
    return _DEFLATED_UID in bounded.read(meta_length)


def _value(ds: Dataset, keyword: str):
    """One element's value, or None when it is absent or cannot be converted."""
    try:
        return ds.get(keyword)
    except Exception:  # a value pydicom cannot convert (e.g. IS "1A")
        return None


def _header_from(ds: Dataset) -> InstanceHeader:
    file_meta = getattr(ds, "file_meta", None)
    sop_class = file_meta.get("MediaStorageSOPClassUID") if file_meta is not None else None
    return InstanceHeader(
        study_instance_uid=_text(_value(ds, "StudyInstanceUID")),
        series_instance_uid=_text(_value(ds, "SeriesInstanceUID")),
        sop_instance_uid=_text(_value(ds, "SOPInstanceUID")),
        instance_number=_int_or_none(_value(ds, "InstanceNumber")),
        slice_location=_float_or_none(_value(ds, "SliceLocation")),
        frames=max(1, _int_or_none(_value(ds, "NumberOfFrames")) or 1),
        modality=_text(_value(ds, "Modality")),
        body_part_examined=_text(_value(ds, "BodyPartExamined")),
        sop_class_uid=_text(_value(ds, "SOPClassUID") or sop_class),
        series_number=_int_or_none(_value(ds, "SeriesNumber")),
        series_description=_text(_value(ds, "SeriesDescription")),
        study_date=parse_da(_value(ds, "StudyDate")),
        study_description=_text(_value(ds, "StudyDescription")),
        institution=_text(_value(ds, "InstitutionName")),
        patient_name=_text(_value(ds, "PatientName")),
        patient_birth_date=parse_da(_value(ds, "PatientBirthDate")),
    )


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _int_or_none(value) -> int | None:
    try:
        return None if value in (None, "") else int(value)
    except (TypeError, ValueError):
        return None


def _float_or_none(value) -> float | None:
    try:
        number = None if value in (None, "") else float(value)
    except (TypeError, ValueError):
        return None
    return number if number is not None and math.isfinite(number) else None


def parse_da(value) -> date | None:
    """A DICOM DA value ("YYYYMMDD", or the old "YYYY.MM.DD") as a date; None if absent or invalid."""
    text = "".join(ch for ch in _text(value) if ch.isdigit())
    if len(text) != 8:
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


# -- Summaries -----------------------------------------------------------------------------------


def series_key(series_instance_uid: str) -> str:
    return f"series:{series_instance_uid}"


def slice_order(header: InstanceHeader | Slice, ref: str = "") -> tuple:
    """Sort key along a series: instance number, then slice location, then the file's own name."""
    return (
        header.instance_number if header.instance_number is not None else math.inf,
        header.slice_location if header.slice_location is not None else math.inf,
        ref,
    )


def group_series[R](instances: Iterable[tuple[InstanceHeader, R]]) -> dict:
    """{study uid: {series uid: [(header, ref), …] in slice order}}, duplicates of a SOP UID dropped."""
    studies: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    seen: set[str] = set()
    for header, ref in instances:
        if header.sop_instance_uid and header.sop_instance_uid in seen:
            continue
        seen.add(header.sop_instance_uid)
        studies[header.study_instance_uid][header.series_instance_uid].append((header, ref))
    for series in studies.values():
        for members in series.values():
            members.sort(key=lambda item: slice_order(item[0], str(item[1])))
    return studies


def summarise(grouped: dict, preview_keys: set[str]) -> tuple[StudySummary, ...]:
    summaries = []
    for study_uid, series in grouped.items():
        headers = [h for members in series.values() for h, _ in members]
        first = _first_with(headers)
        series_summaries = []
        for series_uid, members in series.items():
            h = _first_with([m for m, _ in members])
            series_summaries.append(
                SeriesSummary(
                    series_instance_uid=series_uid,
                    series_number=h("series_number"),
                    modality=h("modality") or "",
                    body_part_examined=h("body_part_examined") or "",
                    series_description=h("series_description") or "",
                    instance_count=len(members),
                    preview_key=series_key(series_uid)
                    if series_key(series_uid) in preview_keys
                    else "",
                )
            )
        series_summaries.sort(
            key=lambda s: (s.series_number is None, s.series_number or 0, s.series_instance_uid)
        )
        summaries.append(
            StudySummary(
                study_instance_uid=study_uid,
                study_date=first("study_date"),
                study_description=first("study_description") or "",
                institution=first("institution") or "",
                patient_name=first("patient_name") or "",
                patient_birth_date=first("patient_birth_date"),
                series=tuple(series_summaries),
            )
        )
    summaries.sort(key=lambda s: (s.study_date or date.min, s.study_instance_uid))
    return tuple(summaries)


def _first_with(headers: list[InstanceHeader]) -> Callable[[str], object]:
    """The first non-empty value of a field across a series' or a study's files."""

    def value(name: str):
        return next((getattr(h, name) for h in headers if getattr(h, name) not in (None, "")), None)

    return value


def preview_candidates[R](members: list[tuple[InstanceHeader, R]]) -> list[tuple[R, int | None]]:
    """(file, frame) to try for a series' preview: the middle slice first, then its neighbours."""
    if len(members) == 1:
        header, ref = members[0]
        frames = header.frames
        if frames > 1:
            middle = frames // 2
            order = [middle, *sorted(range(frames), key=lambda i: abs(i - middle))[1:]]
            return [(ref, i) for i in order[: limits.DICOM_PREVIEW_ATTEMPTS]]
        return [(ref, None)]
    middle = len(members) // 2
    order = sorted(range(len(members)), key=lambda i: (abs(i - middle), i))
    picks = order[: limits.DICOM_PREVIEW_ATTEMPTS]
    return [
        (members[i][1], members[i][0].frames // 2 if members[i][0].frames > 1 else None)
        for i in picks
    ]


# -- Previews ------------------------------------------------------------------------------------


_FRAME_TAGS = ["Rows", "Columns", "SamplesPerPixel", "BitsAllocated"]


def render_preview(fileobj: BinaryIO, frame: int | None = None) -> Image.Image:
    """Decode one slice (one frame of a multi-frame file) and window it into an 8-bit image.

    Raises PreviewTooLarge, before decoding, when the frame would take more than
    DICOM_PREVIEW_MAX_FRAME_BYTES once decoded (a decoder allocates what the header claims).
    """
    bounded = BoundedReader(
        fileobj, 2 * limits.DICOM_HEADER_MAX_BYTES + limits.DICOM_PREVIEW_MAX_READ_BYTES
    )
    try:
        with lenient_reading():
            stream = _undeflated(bounded)
            origin = stream.tell()
            sizes = _read_bounded(stream, specific_tags=_FRAME_TAGS)
            frame_bytes = math.prod(int(sizes.get(tag) or 1) for tag in _FRAME_TAGS) // 8
            if frame_bytes > limits.DICOM_PREVIEW_MAX_FRAME_BYTES:
                raise PreviewTooLarge()
            stream.seek(origin)
            arr, ds = _decode(stream, frame)
    except Exception as exc:
        if bounded.exceeded:
            raise PreviewTooLarge() from exc
        raise
    small = _reduced(arr)
    del arr  # the whole slice is not needed once reduced
    return to_image(small, ds)


def _decode(stream: BinaryIO, frame: int | None) -> tuple[np.ndarray, Dataset]:
    """One frame's pixels and the data set that describes them.

    pydicom's streaming decoder reads only that frame, but trusts the transfer syntax; a file whose
    data set is written otherwise (implicit VR under an explicit VR syntax, as some secondary captures
    are) decodes only through the full reader, which finds the real encoding. That holds the whole
    file, within the caller's read limit, so it is the fallback."""
    origin = stream.tell()
    ds = Dataset()
    try:
        return pixel_array(stream, ds_out=ds, index=frame), ds
    except Exception:
        stream.seek(origin)
        # Bounded again, so the whole file held here stays within one frame's budget.
        whole = BoundedReader(
            stream, limits.DICOM_HEADER_MAX_BYTES + limits.DICOM_PREVIEW_MAX_FRAME_BYTES
        )
        ds = pydicom.dcmread(whole, force=False)
        arr, _ = get_decoder(ds.file_meta.TransferSyntaxUID).as_array(ds, index=frame)
        return arr, ds


def _reduced(arr: np.ndarray) -> np.ndarray:
    """Every n-th row and column, so windowing (in floats) works on about twice the preview size."""
    step = max(1, max(arr.shape[:2]) // (2 * limits.DICOM_PREVIEW_MAX_SIDE))
    return arr if step == 1 else np.ascontiguousarray(arr[::step, ::step])


def to_image(arr: np.ndarray, ds: Dataset) -> Image.Image:
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).upper()
    if photometric == "PALETTE COLOR":
        arr = apply_color_lut(arr, ds)
    if arr.ndim == 3 and arr.shape[-1] in (3, 4):
        image = Image.fromarray(_to_uint8(arr[..., :3]), "RGB")
    else:
        window = None
        values = apply_modality_lut(arr, ds)
        if "VOILUTSequence" in ds or "WindowCenter" in ds:
            try:
                values, window = apply_voi_lut(values, ds, index=0), voi_output_range(ds)
            except (AttributeError, IndexError, KeyError, TypeError, ValueError):
                window = None
        pixels = _to_uint8(values, window=window)
        if photometric == "MONOCHROME1":
            pixels = 255 - pixels
        image = Image.fromarray(pixels, "L")
    return _scaled(image, ds)


def voi_output_range(ds: Dataset) -> tuple[float, float]:
    """The range `apply_voi_lut` maps into (PS3.3 C.11.2), so a window that clips stays clipped."""
    if "VOILUTSequence" in ds:
        return 0.0, float(2 ** int(ds.VOILUTSequence[0].LUTDescriptor[2]) - 1)
    if ds.get("ModalityLUTSequence"):
        low, high = 0.0, float(2 ** int(ds.ModalityLUTSequence[0].LUTDescriptor[2]) - 1)
    elif ds.get("PixelRepresentation", 0) == 0:
        low, high = 0.0, float(2 ** int(ds.BitsStored) - 1)
    else:
        low, high = (
            float(-(2 ** (int(ds.BitsStored) - 1))),
            float(2 ** (int(ds.BitsStored) - 1) - 1),
        )
    slope, intercept = ds.get("RescaleSlope"), ds.get("RescaleIntercept")
    if slope is not None and intercept is not None:
        low, high = low * float(slope) + float(intercept), high * float(slope) + float(intercept)
    return low, high


def _to_uint8(values: np.ndarray, *, window: tuple[float, float] | None = None) -> np.ndarray:
    values = np.asarray(values, dtype=np.float32)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.zeros(values.shape, dtype=np.uint8)
    if window is not None:
        low, high = window
    else:
        low, high = (float(v) for v in np.percentile(finite, limits.FALLBACK_PERCENTILES))
        if high <= low:
            low, high = float(finite.min()), float(finite.max())
    if high <= low:
        return np.zeros(values.shape, dtype=np.uint8)
    scaled = (np.nan_to_num(values, nan=low) - low) * (255.0 / (high - low))
    return np.clip(scaled, 0, 255).astype(np.uint8)


def _scaled(image: Image.Image, ds: Dataset) -> Image.Image:
    """Correct for non-square pixels, then fit within the preview size (never enlarged)."""
    width, height = image.size
    spacing = ds.get("PixelSpacing")
    try:
        row_mm, col_mm = float(spacing[0]), float(spacing[1])
        if row_mm > 0 and col_mm > 0 and abs(row_mm / col_mm - 1) > 0.01:
            height = max(1, round(height * row_mm / col_mm))
    except (TypeError, ValueError, IndexError):
        pass
    longest = max(width, height)
    factor = min(1.0, limits.DICOM_PREVIEW_MAX_SIDE / longest)
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    return image.resize(size, Image.Resampling.LANCZOS) if size != image.size else image


def png_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()


def series_label(modality: str, description: str, count: int) -> str:
    parts = [p for p in (modality, description) if p]
    images = f"{count} image" + ("" if count == 1 else "s")
    return ", ".join([*parts, images]) if parts else f"Series, {images}"


def render_series_previews(
    grouped: dict, open_ref: Callable[[object], AbstractContextManager[BinaryIO]]
):
    """Yield (key, label, image or None, tried refs) for each series: the middle slice that decodes."""
    for series in grouped.values():
        for series_uid, members in series.items():
            header = members[0][0]
            label = series_label(header.modality, header.series_description, len(members))
            image = None
            failed = []
            for ref, frame in preview_candidates(members):
                try:
                    with open_ref(ref) as fileobj:
                        image = render_preview(fileobj, frame)
                    break
                except ArchiveRefused:  # the archive's budget is spent: nothing more is read
                    raise
                except Exception:  # any decoder may raise on damaged pixel data
                    failed.append(ref)
            yield series_key(series_uid), label, image, failed


# -- Loose files: one preview per series across a request's uploads ------------------------------


@dataclass(frozen=True)
class SeriesPlan[R]:
    """A series spread over loose files: its preview key and label, and the (file, frame) to try."""

    key: str
    label: str
    candidates: list[tuple[R, int | None]]


def plan_series_previews[R](slices: Iterable[tuple[Slice, R]]) -> list[SeriesPlan[R]]:
    """One plan per series across every loose file given (`R` names a file, e.g. an upload's id):
    the middle slice first, then its neighbours, as for a zipped CD. The same files in any order give
    the same plans. A file without a series UID is a series of its own."""
    own = [
        (s if s.series_instance_uid else replace(s, series_instance_uid=f"\0{ref}"), ref)
        for s, ref in slices
    ]
    plans = []
    for series in group_series(own).values():
        for members in series.values():
            first = members[0][0]
            uid = first.series_instance_uid.split("\0", 1)[0]
            label = series_label(first.modality, first.series_description, len(members))
            plans.append(SeriesPlan(series_key(uid), label, preview_candidates(members)))
    return sorted(plans, key=lambda plan: (plan.key, str(plan.candidates[0][0])))


def render_first[R](
    candidates: list[tuple[R, int | None]],
    open_ref: Callable[[R], AbstractContextManager[BinaryIO]],
) -> tuple[R | None, Image.Image | None, list[tuple[R, str]]]:
    """Render the first candidate that decodes: (its file, the image, [(file tried, why it failed)])."""
    failed = []
    for ref, frame in candidates:
        try:
            with open_ref(ref) as fileobj:
                return ref, render_preview(fileobj, frame), failed
        except PreviewTooLarge:
            failed.append((ref, reasons.DICOM_TOO_LARGE_TO_PREVIEW))
        except Exception:  # any decoder may raise on damaged pixel data
            failed.append((ref, reasons.NOT_DICOM_IMAGE))
    return None, None, failed
