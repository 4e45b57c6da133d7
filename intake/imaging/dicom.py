"""DICOM: strict header reading, study/series summaries and one windowed preview per series.

Headers are read with `stop_before_pixels`, so a study of hundreds of slices costs a few kilobytes each;
pixels are decoded only for the slice chosen as a series' preview. No length a file claims is believed:
header values longer than DICOM_DEFER_BYTES are skipped by seeking, the header bytes read and the pixel
bytes read are capped (`bounded.BoundedReader`), and a frame too large to decode is not decoded.
"""

import io
import math
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

import numpy as np
import pydicom
from PIL import Image
from pydicom import config
from pydicom.dataset import Dataset
from pydicom.pixels import apply_color_lut, apply_modality_lut, apply_voi_lut, pixel_array

from . import limits, reasons
from .archives import ArchiveRefused
from .bounded import BoundedReader
from .results import SeriesSummary, StudySummary

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
    series_number: int | None
    series_description: str
    study_date: date | None
    study_description: str
    institution: str
    patient_name: str
    patient_birth_date: date | None


@contextmanager
def strict_reading():
    """pydicom raises on invalid values instead of warning (a global setting, restored after)."""
    with config.strict_reading(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # strict mode raises what matters; the rest is noise
        yield


def read_header(
    fileobj: BinaryIO, *, max_bytes: int = limits.DICOM_HEADER_MAX_BYTES
) -> InstanceHeader:
    """Read one file's header strictly; raise NotDicomImage unless it is a DICOM image.

    At most `max_bytes` of header are held; a longer one raises NotDicomImage(DICOM_HEADER_TOO_LARGE).
    """
    bounded = BoundedReader(fileobj, max_bytes)
    try:
        with strict_reading():
            ds = _read_bounded(bounded)
            ds.walk(lambda _ds, _elem: None)  # convert every value now, so strict mode checks it
            has_pixels = bounded.read(4) in _PIXEL_DATA_TAGS
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
        raise NotDicomImage(has_pixels=False)
    if not header.study_instance_uid or not header.series_instance_uid:
        raise NotDicomImage()
    return header


def screen_dicom(fileobj: BinaryIO) -> str | None:
    """The form's quick look at a DICOM file: NOT_DICOM_IMAGE when its bytes are not DICOM, or None.

    Header only, never the pixels. The pipeline's strict `read_header` first. A file it refuses still
    passes when a lenient read finds a real DICOM header (its SOP class): a CD's DICOMDIR index or a
    report has no image but comes with a CD, and scanners write slightly non-conforming images that
    staff can still open from the original. Only bytes that are not DICOM at all, such as the "DICM"
    marker followed by junk, are refused.
    """
    start = fileobj.tell()
    try:
        read_header(fileobj, max_bytes=limits.SCREEN_DICOM_HEADER_MAX_BYTES)
        return None
    except NotDicomImage as exc:
        if exc.reason == reasons.DICOM_HEADER_TOO_LARGE:
            return None  # too long a header for the web process to hold: the worker reads it
    fileobj.seek(start)
    bounded = BoundedReader(fileobj, limits.SCREEN_DICOM_HEADER_MAX_BYTES)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = _read_bounded(bounded)
            sop_class = ds.file_meta.get("MediaStorageSOPClassUID") or ds.get("SOPClassUID")
    except Exception:  # malformed input raises anything
        if bounded.exceeded:
            return None
        sop_class = None
    return None if sop_class else reasons.NOT_DICOM_IMAGE


def _read_bounded(bounded: BoundedReader, **kwargs) -> Dataset:
    """The header up to the pixels, with long values skipped (and dropped, so nothing reloads them)."""
    ds = pydicom.dcmread(
        bounded,
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


def _header_from(ds: Dataset) -> InstanceHeader:
    return InstanceHeader(
        study_instance_uid=str(ds.get("StudyInstanceUID", "")),
        series_instance_uid=str(ds.get("SeriesInstanceUID", "")),
        sop_instance_uid=str(ds.get("SOPInstanceUID", "")),
        instance_number=_int_or_none(ds.get("InstanceNumber")),
        slice_location=_float_or_none(ds.get("SliceLocation")),
        frames=_int_or_none(ds.get("NumberOfFrames")) or 1,
        modality=_text(ds.get("Modality")),
        body_part_examined=_text(ds.get("BodyPartExamined")),
        series_number=_int_or_none(ds.get("SeriesNumber")),
        series_description=_text(ds.get("SeriesDescription")),
        study_date=parse_da(ds.get("StudyDate")),
        study_description=_text(ds.get("StudyDescription")),
        institution=_text(ds.get("InstitutionName")),
        patient_name=_text(ds.get("PatientName")),
        patient_birth_date=parse_da(ds.get("PatientBirthDate")),
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


def slice_order(header: InstanceHeader, ref: str = "") -> tuple:
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
    start = fileobj.tell()
    bounded = BoundedReader(
        fileobj, 2 * limits.DICOM_HEADER_MAX_BYTES + limits.DICOM_PREVIEW_MAX_READ_BYTES
    )
    ds = Dataset()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sizes = _read_bounded(bounded, specific_tags=_FRAME_TAGS)
            frame_bytes = math.prod(int(sizes.get(tag) or 1) for tag in _FRAME_TAGS) // 8
            if frame_bytes > limits.DICOM_PREVIEW_MAX_FRAME_BYTES:
                raise PreviewTooLarge()
            bounded.seek(start)
            arr = pixel_array(bounded, ds_out=ds, index=frame)
    except Exception as exc:
        if bounded.exceeded:
            raise PreviewTooLarge() from exc
        raise
    small = _reduced(arr)
    del arr  # the whole slice is not needed once reduced
    return to_image(small, ds)


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
