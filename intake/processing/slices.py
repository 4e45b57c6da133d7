"""The viewer's slice index of one upload (intake.models.ImageSlice), made from its headers.

Called by `keep.process_upload`: `read` runs with the pipeline's slow part, outside any transaction;
`keep` replaces the upload's rows inside the transaction that stores the pipeline's result.
"""

import dataclasses
import tempfile
from pathlib import Path

from intake.imaging.slices import SliceInfo, read_slices
from intake.models import ImageSlice, Upload

_FIELDS = {f.name for f in ImageSlice._meta.get_fields()}


def read(upload: Upload) -> list[SliceInfo]:
    """Every DICOM frame in the stored upload, from headers (nothing is decoded)."""
    try:
        with upload.file.open("rb") as fileobj, tempfile.TemporaryDirectory() as staging:
            return read_slices(fileobj, kind=upload.kind, staging=Path(staging))
    except FileNotFoundError:
        return []


def keep(found: dict[Upload, list[SliceInfo]]) -> None:
    """Replace the index rows of each upload with what was found in it (one DELETE for all)."""
    ImageSlice.objects.filter(upload__in=list(found)).delete()
    ImageSlice.objects.bulk_create(
        (_row(upload, info) for upload, infos in found.items() for info in infos), batch_size=500
    )


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
