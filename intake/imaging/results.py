"""The plain dataclasses the pipeline returns: no models, so the Upload task can store them as it likes.

Previews are bytes to save to private storage under `Preview.key`.
"""

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from .kinds import FileKind

if TYPE_CHECKING:
    from .slices import SliceInfo


class Outcome(StrEnum):
    PROCESSED = "processed"
    FAILED = "failed"


class CheckCode(StrEnum):
    """What a triage check found; intake.enums builds the models' choices from these labels."""

    NOT_MR = "not_mr"
    NOT_SPINE = "not_spine"
    STUDY_OLD = "study_old"
    NAME_DIFFERS = "name_differs"
    BIRTH_DATE_DIFFERS = "birth_date_differs"
    NO_IMAGES = "no_images"
    UNREADABLE_FILES = "unreadable_files"

    @property
    def label(self) -> str:
        return CHECK_LABELS[self]


CHECK_LABELS = {
    CheckCode.NOT_MR: "Images are not MRI",
    CheckCode.NOT_SPINE: "Body part is not the spine",
    CheckCode.STUDY_OLD: "Study older than 12 months",
    CheckCode.NAME_DIFFERS: "Name in the images differs from the form",
    CheckCode.BIRTH_DATE_DIFFERS: "Birth date in the images differs from the form",
    CheckCode.NO_IMAGES: "No images (report or photos only)",
    CheckCode.UNREADABLE_FILES: "Some files could not be read",
}


@dataclass(frozen=True)
class SeriesSummary:
    series_instance_uid: str
    series_number: int | None
    modality: str
    body_part_examined: str
    series_description: str
    instance_count: int
    preview_key: str = ""  # "" when no slice of the series could be decoded


@dataclass(frozen=True)
class StudySummary:
    study_instance_uid: str
    study_date: date | None
    study_description: str
    institution: str
    patient_name: str  # as the header has it, DICOM PN: "FAMILY^GIVEN^MIDDLE^PREFIX^SUFFIX"
    patient_birth_date: date | None
    series: tuple[SeriesSummary, ...]

    @property
    def instance_count(self) -> int:
        return sum(s.instance_count for s in self.series)

    @property
    def modalities(self) -> tuple[str, ...]:
        return tuple(sorted({s.modality for s in self.series if s.modality}))

    @property
    def body_parts(self) -> tuple[str, ...]:
        return tuple(sorted({s.body_part_examined for s in self.series if s.body_part_examined}))


@dataclass(frozen=True)
class Slice:
    """Where one loose DICOM file sits in its series: what choosing a series' preview needs when the
    series arrives as many uploads (`dicom.plan_series_previews`). JSON-friendly, so it can be kept."""

    study_instance_uid: str
    series_instance_uid: str
    sop_instance_uid: str
    instance_number: int | None
    slice_location: float | None
    frames: int
    modality: str
    series_description: str


@dataclass(frozen=True)
class Photo:
    name: str
    width: int  # upright, after EXIF orientation
    height: int
    preview_key: str


@dataclass(frozen=True)
class Document:
    name: str
    page_count: int
    preview_key: str = ""


@dataclass(frozen=True)
class Preview:
    key: str  # "series:<SeriesInstanceUID>", "photo:<name>" or "pdf:<name>"
    label: str  # for alt text and captions
    png: bytes = field(repr=False)
    width: int
    height: int


@dataclass(frozen=True)
class Failure:
    name: str  # the file inside an archive ("" for the upload itself)
    reason: str


@dataclass(frozen=True)
class Check:
    code: CheckCode
    message: str


@dataclass(frozen=True)
class Result:
    kind: FileKind | None
    outcome: Outcome
    reason: str = ""  # why the whole file failed, in plain words
    studies: tuple[StudySummary, ...] = ()
    photos: tuple[Photo, ...] = ()
    documents: tuple[Document, ...] = ()
    previews: tuple[Preview, ...] = ()
    notes: tuple[str, ...] = ()
    failures: tuple[Failure, ...] = ()
    checks: tuple[Check, ...] = ()
    # A single DICOM file read without its preview (`read_file(..., dicom_preview=False)`): its
    # frames as the viewer indexes them (`slices.SliceInfo`), from the same read of its header; kept
    # as ImageSlice rows, they also place it in its series, so the request's previews can be chosen
    # once all its files are read.
    slices: tuple["SliceInfo", ...] = ()

    @property
    def failed(self) -> bool:
        return self.outcome == Outcome.FAILED

    @property
    def instance_count(self) -> int:
        return sum(s.instance_count for s in self.studies)

    def preview(self, key: str) -> Preview | None:
        return next((p for p in self.previews if p.key == key), None)
