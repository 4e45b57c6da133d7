"""Run the imaging pipeline on an upload and keep what it found (the `process_upload` task's body).

The slow part — reading the upload and rendering previews — runs first, outside any transaction. What it
found then replaces the upload's earlier rows in one transaction, so running it twice gives the same rows,
never duplicates, and a crash part-way leaves the earlier state (pending, or the previous run's rows) for a
re-run to complete. Preview files are written under new random names inside that transaction: if it
rolls back they are deleted at once, and the previous run's files are deleted only after it commits. A
file left by a killed worker has no Preview row and goes with `manage.py sweep_stray_uploads`.
The original upload is only ever opened for reading.

Loose DICOM files (one upload per file, e.g. a CD's folder dropped in the form) are read to their headers
only, up to LOOSE_BATCH of a request's pending ones per task, in one transaction (their rows locked
while they are read; the one exception to "read outside any transaction", as a header costs about a
millisecond). The transaction that ends the request's last pending upload then, under the request's
row lock, groups every loose file of the request into series and renders one preview per series, the
middle slice, as a zipped CD gets (`finish_request`), and computes the request's checks, once. So
2,000 loose files cost about what the same study zipped costs (bench/README.md), and in whatever order
the uploads finish, the request ends with the same previews.
"""

import logging
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date
from typing import BinaryIO

from django.core.files.base import ContentFile, File
from django.db import models, transaction
from django.utils import timezone

from intake.enums import UploadStatus
from intake.files import delete_on_commit, written_files
from intake.imaging import (
    Document,
    Failure,
    FormFacts,
    Outcome,
    Photo,
    Result,
    SeriesSummary,
    Slice,
    StudySummary,
    dicom,
    read_file,
    reasons,
    run_checks,
)
from intake.imaging import Preview as ImagePreview
from intake.imaging.slices import Index
from intake.models import (
    ImageSlice,
    Preview,
    ReviewRequest,
    Series,
    Study,
    TriageCheck,
    Upload,
    UploadResult,
    imaging_summary_line,
    preview_path,
)
from intake.processing import slices
from intake.rules import FileKind

logger = logging.getLogger(__name__)


# Pending loose DICOM files of one request read and kept together, in one transaction: a file's own
# transaction and its few inserts cost more than reading its header (bench/README.md).
LOOSE_BATCH = 200


def process_upload(
    upload_id: int, *, again: bool = False, today: date | None = None
) -> Upload | None:
    """Process a pending upload; one already processed only `again` (after a pipeline upgrade, or to
    retry). A pending loose DICOM file is processed with the request's other pending loose files.
    If no upload of the request is then left pending, finish the request (series previews of its
    loose files, triage checks). None if the upload is gone."""
    upload = Upload.objects.filter(pk=upload_id).first()
    if upload is None:
        logger.info("Upload %s no longer exists; nothing to process", upload_id)
        return None
    if upload.status == UploadStatus.PENDING and upload.kind == FileKind.DICOM:
        _process_loose_files(upload.request_id, today=today)
        upload.refresh_from_db()
        return upload
    if upload.status != UploadStatus.PENDING and not again:
        return upload  # done already, e.g. with its request's other loose files
    result = _read(upload)
    found_slices = _index(upload, result)
    with written_files(what="a preview file") as written, transaction.atomic():
        # Request first, then upload: every writer locks in this order, so two workers finishing
        # uploads of one request take turns instead of deadlocking or computing checks on stale rows.
        review_request = (
            ReviewRequest.objects.select_for_update().filter(pk=upload.request_id).first()
        )
        upload = Upload.objects.select_for_update().filter(pk=upload_id).first()
        if review_request is None or upload is None:  # deleted by staff while we worked
            return None
        earlier_files = list(upload.previews.values_list("file", flat=True))
        upload.previews.all().delete()
        upload.studies.all().delete()
        UploadResult.objects.filter(upload=upload).delete()
        _keep([(upload, result)], written)
        slices.keep({upload: found_slices})
        if not review_request.uploads.pending().exists():
            earlier_files += finish_request(review_request, written, today=today)
        delete_on_commit(earlier_files, what="a preview file")
    logger.info(
        "Upload %s processed: %s, %d preview(s)", upload_id, upload.status, len(result.previews)
    )
    return upload


def _process_loose_files(request_id: int, *, today: date | None = None) -> None:
    """Read and keep up to LOOSE_BATCH pending loose DICOM files of the request, headers only.

    The batch's rows stay locked while it is read (SKIP LOCKED: a second worker takes the next
    files, never the same ones); the request's row is locked last, only to keep what was read. A
    pending upload has no rows yet (rows are only kept in the transaction that ends its pending
    status), so nothing is replaced."""
    with written_files(what="a preview file") as written, transaction.atomic():
        batch = list(
            Upload.objects.select_for_update(skip_locked=True)
            .filter(request_id=request_id, status=UploadStatus.PENDING, kind=FileKind.DICOM)
            .order_by("pk")[:LOOSE_BATCH]
        )
        if not batch:
            return  # all taken by another worker, or done
        read = [(upload, _read(upload)) for upload in batch]
        found_slices = {upload: _index(upload, result) for upload, result in read}
        review_request = ReviewRequest.objects.select_for_update().filter(pk=request_id).first()
        if review_request is None:
            return
        _keep(read, written)
        slices.keep(found_slices)
        replaced = []
        if not review_request.uploads.pending().exists():
            replaced = finish_request(review_request, written, today=today)
        delete_on_commit(replaced, what="a preview file")
    logger.info("%d loose DICOM upload(s) of request %s processed", len(batch), request_id)


def _read(upload: Upload) -> Result:
    """The pipeline's result for the upload's file; a loose DICOM file's header only."""
    try:
        # On S3 the object is fetched into a temporary file (memory up to the storage's
        # max_memory_size, then disk), so pydicom and zipfile can seek in it as on local disk.
        with upload.file.open("rb") as fileobj:
            return read_file(
                _unwrapped(fileobj),
                kind=upload.kind,
                name=upload.original_name,
                dicom_preview=False,
            )
    except FileNotFoundError:
        # Removed by retention (or by hand): retrying cannot help, so the upload fails for good.
        logger.warning("Upload %s has no stored file; marked as failed", upload.pk)
        return Result(kind=upload.kind, outcome=Outcome.FAILED, reason=reasons.FILE_NOT_STORED)


def _index(upload: Upload, result: Result) -> Index:
    """The viewer's index of the upload: a loose DICOM file's comes with the pipeline's read of its
    header (`Result.slices`, one read); a ZIP's members are walked for their places in it."""
    if upload.kind == FileKind.DICOM:
        return Index(slices=list(result.slices))
    return slices.read(upload)


def _unwrapped(fileobj: File) -> BinaryIO:
    """The open file inside Django's File wrappers: pydicom reads a header in hundreds of small reads,
    and each read through a FieldFile costs more than the read itself."""
    while isinstance(fileobj, File):
        fileobj = fileobj.file
    return fileobj


def _keep(kept: list[tuple[Upload, Result]], written: list[str]) -> None:
    """Keep what was found in each upload (which has no rows yet): a few bulk inserts for all."""
    studies = [
        (upload, summary, _study_row(upload, summary))
        for upload, result in kept
        for summary in result.studies
    ]
    Study.objects.bulk_create([study for _, _, study in studies])
    series_rows = [
        (upload, series, _series_row(study, series))
        for upload, summary, study in studies
        for series in summary.series
    ]
    Series.objects.bulk_create([row for _, _, row in series_rows])
    series_by_key = {
        (upload.pk, series.preview_key): row
        for upload, series, row in series_rows
        if series.preview_key
    }
    outcomes = defaultdict(list)  # (status, reason) -> uploads: one UPDATE each, not one per row
    for upload, result in kept:
        for found in result.previews:
            _save_preview(upload.pk, series_by_key.get((upload.pk, found.key)), found, written)
        upload.status = UploadStatus.FAILED if result.failed else UploadStatus.PROCESSED
        upload.failure_reason = result.reason if result.failed else ""
        upload.processed_at = timezone.now()
        outcomes[upload.status, upload.failure_reason].append(upload.pk)
    UploadResult.objects.bulk_create(
        UploadResult(
            upload=upload,
            notes=list(result.notes),
            failures=[asdict(f) for f in result.failures],
            photos=[asdict(p) for p in result.photos],
            documents=[asdict(d) for d in result.documents],
        )
        for upload, result in kept
    )
    for (status, reason), upload_ids in outcomes.items():
        Upload.objects.filter(pk__in=upload_ids).update(
            status=status, failure_reason=reason, processed_at=timezone.now()
        )


def _study_row(upload: Upload, summary: StudySummary) -> Study:
    return Study(
        upload=upload,
        study_instance_uid=_fit(Study, "study_instance_uid", summary.study_instance_uid),
        study_date=summary.study_date,
        study_description=_fit(Study, "study_description", summary.study_description),
        institution=_fit(Study, "institution", summary.institution),
        patient_name=_fit(Study, "patient_name", summary.patient_name),
        patient_birth_date=summary.patient_birth_date,
        instance_count=summary.instance_count,
    )


def _series_row(study: Study, series: SeriesSummary) -> Series:
    return Series(
        study=study,
        series_instance_uid=_fit(Series, "series_instance_uid", series.series_instance_uid),
        series_number=series.series_number,
        modality=_fit(Series, "modality", series.modality),
        body_part_examined=_fit(Series, "body_part_examined", series.body_part_examined),
        series_description=_fit(Series, "series_description", series.series_description),
        instance_count=series.instance_count,
    )


def _save_preview(
    upload_id: int, series: Series | None, found: ImagePreview, written: list[str]
) -> Preview:
    preview = Preview(
        upload_id=upload_id,
        series=series,
        key=_fit(Preview, "key", found.key),
        label=_fit(Preview, "label", found.label),
        width=found.width,
        height=found.height,
    )
    storage = preview.file.storage
    # Named before writing, so a write that fails half-way can still be cleaned up.
    name = storage.generate_filename(preview_path(preview, ""))
    written.append(name)
    preview.file.name = storage.save(name, ContentFile(found.png))
    if preview.file.name != name:
        written.append(preview.file.name)
    preview.save()
    return preview


def finish_request(
    review_request: ReviewRequest, written: list[str], *, today: date | None = None
) -> list[str]:
    """Once no upload of the request is pending: one preview per series of its loose DICOM files,
    then the request's checks. Runs in the caller's transaction, the request's row locked, so two
    workers finishing a request's last uploads take turns. Returns the preview files it replaced,
    to delete once that transaction commits."""
    replaced = _preview_loose_series(review_request, written)
    refresh_checks(review_request, today=today)
    return replaced


def _preview_loose_series(review_request: ReviewRequest, written: list[str]) -> list[str]:
    """Render the series previews the loose files need; keep those already right; drop the rest.

    A series whose preview came with a zipped CD of the request keeps that one. A loose file whose
    pixels do not decode fails with the reason, as it would alone, and its neighbour is tried."""
    slices = _loose_slices(review_request)
    loose_ids = {upload_id for _, upload_id in slices}
    series_previews = Preview.objects.filter(
        upload__request=review_request, key__startswith="series:"
    )
    existing = {(p.key, p.upload_id): p for p in series_previews.filter(upload_id__in=loose_ids)}
    from_archives = set(
        series_previews.exclude(upload_id__in=loose_ids).values_list("key", flat=True)
    )
    replaced = []
    for plan in dicom.plan_series_previews(slices):
        if plan.key in from_archives or existing.pop((plan.key, plan.candidates[0][0]), None):
            continue  # already previewed as chosen
        upload_id, image, failed = dicom.render_first(plan.candidates, _open_upload)
        for failed_id, reason in failed:
            _fail_loose_file(failed_id, reason)
        if image is None:
            continue
        if stale := existing.pop((plan.key, upload_id), None):
            replaced.append(stale.file.name)
            stale.delete()
        series = Series.objects.filter(
            study__upload_id=upload_id, series_instance_uid=plan.key.removeprefix("series:")
        ).first()
        found = ImagePreview(plan.key, plan.label, dicom.png_bytes(image), *image.size)
        _save_preview(upload_id, series, found, written)
    # Previews no longer chosen (more files of the series came later, or its file failed).
    replaced += [p.file.name for p in existing.values()]
    Preview.objects.filter(pk__in=[p.pk for p in existing.values()]).delete()
    return replaced


def _loose_slices(review_request: ReviewRequest) -> list[tuple[Slice, int]]:
    """Where each processed loose DICOM file sits in its series, from the viewer's index (one row
    per frame: the frames of one file are its rows with the same SOP instance)."""
    rows = (
        ImageSlice.objects.filter(
            upload__request=review_request,
            upload__status=UploadStatus.PROCESSED,
            upload__kind=FileKind.DICOM,
        )
        .order_by()
        .values_list(
            "upload_id",
            "study_instance_uid",
            "series_instance_uid",
            "sop_instance_uid",
            "instance_number",
            "slice_location",
            "modality",
            "series_description",
        )
    )
    files = Counter(rows.iterator(chunk_size=2000))
    return [
        (Slice(study, series, sop, number, location, frames, modality, description), upload_id)
        for (upload_id, study, series, sop, number, location, modality, description), frames in (
            files.items()
        )
    ]


@contextmanager
def _open_upload(upload_id: int) -> Iterator[BinaryIO]:
    with Upload.objects.get(pk=upload_id).file.open("rb") as fileobj:
        yield fileobj


def _fail_loose_file(upload_id: int, reason: str) -> None:
    """A loose file chosen for its series' preview whose pixels do not decode: failed, as alone."""
    Study.objects.filter(upload_id=upload_id).delete()
    Upload.objects.filter(pk=upload_id).update(
        status=UploadStatus.FAILED, failure_reason=reason, processed_at=timezone.now()
    )


def _fit(model: type[models.Model], field: str, value: str) -> str:
    """Header text longer than the column (a broken or odd header) is cut, not a crash."""
    return (value or "")[: model._meta.get_field(field).max_length]


def form_facts(review_request: ReviewRequest) -> FormFacts:
    return FormFacts(
        first_name=review_request.first_name,
        last_name=review_request.last_name,
        birth_date=review_request.date_of_birth,
    )


def refresh_checks(
    review_request: ReviewRequest, *, today: date | None = None
) -> list[TriageCheck]:
    """Recompute the request's triage checks over every upload that has finished processing, and
    its summary line, from one read of its uploads' rows."""
    uploads = list(
        review_request.uploads.select_related("result").prefetch_related("studies__series")
    )
    results = [stored_result(u) for u in uploads if u.status != UploadStatus.PENDING]
    checks = (
        run_checks(
            results, form_facts=form_facts(review_request), today=today or timezone.localdate()
        )
        if results
        else ()
    )
    TriageCheck.objects.filter(request=review_request).delete()
    review_request.imaging_line = imaging_summary_line(review_request, uploads)[:300]
    review_request.save(update_fields=["imaging_line"])
    return TriageCheck.objects.bulk_create(
        TriageCheck(request=review_request, code=c.code, message=c.message[:500], position=i)
        for i, c in enumerate(checks)
    )


def stored_result(upload: Upload) -> Result:
    """The pipeline's Result as kept in the database (without preview bytes), for run_checks."""
    try:
        kept = upload.result
    except UploadResult.DoesNotExist:  # processed before results were kept, or never
        kept = UploadResult()
    return Result(
        kind=upload.kind,
        outcome=Outcome.FAILED if upload.status == UploadStatus.FAILED else Outcome.PROCESSED,
        reason=upload.failure_reason,
        studies=tuple(_study_summary(study) for study in upload.studies.all()),
        photos=tuple(Photo(**_own(Photo, p)) for p in kept.photos),
        documents=tuple(Document(**_own(Document, d)) for d in kept.documents),
        notes=tuple(kept.notes),
        failures=tuple(Failure(**f) for f in kept.failures),
    )


def _own(cls: type, kept: dict) -> dict:
    """The pipeline's own fields of a kept entry, without what the viewer added ("member")."""
    return {k: v for k, v in kept.items() if k in cls.__dataclass_fields__}


def _study_summary(study: Study) -> StudySummary:
    return StudySummary(
        study_instance_uid=study.study_instance_uid,
        study_date=study.study_date,
        study_description=study.study_description,
        institution=study.institution,
        patient_name=study.patient_name,
        patient_birth_date=study.patient_birth_date,
        series=tuple(
            SeriesSummary(
                series_instance_uid=s.series_instance_uid,
                series_number=s.series_number,
                modality=s.modality,
                body_part_examined=s.body_part_examined,
                series_description=s.series_description,
                instance_count=s.instance_count,
            )
            for s in study.series.all()
        ),
    )
