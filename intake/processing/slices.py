"""The viewer's index of one upload, made from its headers: a row per DICOM frame
(intake.models.ImageSlice), and, for a photo or PDF inside a ZIP, its place in the archive (a
"member" beside the pipeline's own entry in `UploadResult.photos` / `documents`).

Called by `keep.process_upload`: `read` runs with the pipeline's slow part, outside any transaction;
`keep` replaces the upload's rows inside the transaction that stores the pipeline's result.
"""

import dataclasses
import tempfile
from pathlib import Path

from intake.imaging.slices import Index, SliceInfo, read_index
from intake.models import ImageSlice, Upload, UploadResult
from intake.rules import FileKind

_FIELDS = {f.name for f in ImageSlice._meta.get_fields()}


def read(upload: Upload) -> Index:
    """Every DICOM frame in the stored upload, from headers (nothing is decoded), and the place of
    each photo and PDF inside it."""
    try:
        with upload.file.open("rb") as fileobj, tempfile.TemporaryDirectory() as staging:
            return read_index(fileobj, kind=upload.kind, staging=Path(staging))
    except FileNotFoundError:
        return Index()


def keep(found: dict[Upload, Index]) -> None:
    """Replace the index rows of each upload with what was found in it (one DELETE for all), and
    note where each photo and report the pipeline kept sits in its archive. Runs after the
    pipeline's UploadResult rows are written, in the same transaction."""
    ImageSlice.objects.filter(upload__in=list(found)).delete()
    ImageSlice.objects.bulk_create(
        (_row(upload, info) for upload, index in found.items() for info in index.slices),
        batch_size=500,
    )
    for upload, index in found.items():
        if index.files:
            _locate_files(upload, index)


def _locate_files(upload: Upload, index: Index) -> None:
    """Add the member's place to the pipeline's entry of the same name (one the pipeline refused
    has no entry, so the viewer does not list it)."""
    result = UploadResult.objects.filter(upload=upload).first()
    if result is None:
        return
    where = {(f.name, f.kind == FileKind.PDF): dataclasses.asdict(f.member) for f in index.files}
    for entries, pdf in ((result.photos, False), (result.documents, True)):
        for entry in entries:
            if (member := where.get((entry.get("name"), pdf))) is not None:
                entry["member"] = member
    result.save(update_fields=["photos", "documents"])


def _row(upload: Upload, info: SliceInfo) -> ImageSlice:
    values = {k: v for k, v in dataclasses.asdict(info).items() if k in _FIELDS}
    values["zip_entry"] = dataclasses.asdict(info.member) if info.member else {}
    for name in ("study_instance_uid", "series_instance_uid", "sop_instance_uid"):
        values[name] = values[name][:64]
    values["series_description"] = values["series_description"][:200]
    values["modality"] = values["modality"][:16]
    values["transfer_syntax"] = values["transfer_syntax"][:64]
    values["photometric"] = values["photometric"][:16]
    return ImageSlice(upload=upload, **values)
