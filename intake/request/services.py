"""Keeping a review request: one transaction, and nothing half-kept."""

import hashlib
import logging
from collections.abc import Sequence
from functools import partial

from django import forms
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language

from intake import rules
from intake.enums import Language
from intake.files import written_files
from intake.models import (
    ReviewRequest,
    StagedUpload,
    StagedUploadStatus,
    Upload,
    UploadLink,
    upload_path,
)
from intake.processing.tasks import enqueue_processing
from intake.request import tasks
from intake.request.red_flags import safety_tier
from intake.rules import FileKind
from intake.uploads import staging

logger = logging.getLogger(__name__)


class StagedUploadsChanged(Exception):
    """A resumable upload named by the form was attached or removed meanwhile (another tab)."""


def _sha256(uploaded: UploadedFile) -> tuple[str, int]:
    if streamed := getattr(uploaded, "sha256", None):  # hashed as it arrived (uploads.handlers)
        return streamed, uploaded.size
    digest = hashlib.sha256()
    size = 0
    for chunk in uploaded.chunks():
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def store_files(
    *,
    review_request: ReviewRequest,
    files: Sequence[tuple[UploadedFile, FileKind]],
    written: list[str],
) -> list[Upload]:
    """Write checked files to private storage and add their Upload rows; call inside a transaction.

    Every storage name is appended to `written` before its write starts, so the caller can remove
    them all if the transaction fails.
    """
    uploads = []
    for uploaded, kind in files:
        sha256, size = _sha256(uploaded)
        upload = Upload(
            request=review_request,
            original_name=rules.clean_file_name(uploaded.name or ""),
            kind=kind,
            size=size,
            sha256=sha256,
        )
        # Named before writing, so a write that fails half-way can still be cleaned up.
        name = default_storage.generate_filename(upload_path(upload, ""))
        written.append(name)
        upload.file.name = default_storage.save_verified(name, uploaded, size=size, sha256=sha256)
        if upload.file.name != name:
            written.append(upload.file.name)
        upload.save()
        uploads.append(upload)
    return uploads


def _page_language() -> Language:
    """The language of the page the form was sent from (/es/mri-review/ gives Spanish)."""
    language = get_language()
    return Language(language) if language in Language.values else Language.ENGLISH


def submit_review_request(
    *,
    form: forms.ModelForm,  # a ReviewRequestForm that validated: the service only writes
    files: Sequence[tuple[UploadedFile, FileKind]],
    staged: Sequence[StagedUpload] = (),
) -> ReviewRequest:
    """Save the request and its files together, or neither.

    Files come either in the form post (`files`) or, already complete, from resumable uploads
    (`staged`); both become Upload rows in the same transaction. A staged file's parts are streamed
    into one object under `uploads/` and its staging row deleted; its parts go only after commit, so a
    rollback leaves the patient's uploads as they were, ready for the re-shown form.

    Files go to private storage under random names (mode 0600). If any row or file fails, the
    transaction rolls back and every file already written is deleted. A second submission of the same
    form (same one-time token) returns the first request. Follow-up work is enqueued only on commit.
    """
    try:
        with _submission_files() as written, transaction.atomic():
            review_request = form.save(commit=False)
            review_request.submission_token = form.cleaned_data["submission_token"]
            review_request.tier = safety_tier(review_request)
            review_request.language = _page_language()
            review_request.save()
            store_files(review_request=review_request, files=files, written=written)
            if staged:
                _attach_staged(review_request, staged, written)
            transaction.on_commit(partial(tasks.enqueue_after_submit, review_request.pk))
    except IntegrityError:  # its files are gone already (_submission_files)
        existing = ReviewRequest.objects.filter(
            submission_token=form.cleaned_data["submission_token"]
        ).first()
        if existing is None:
            raise
        return existing
    logger.info(
        "Review request %s kept with %d file(s), tier=%s",
        review_request.pk,
        len(files) + len(staged),
        review_request.get_tier_display(),
    )
    return review_request


def _attach_staged(
    review_request: ReviewRequest, staged: Sequence[StagedUpload], written: list[str]
) -> None:
    # Locked, so two tabs submitting the same uploads cannot both attach them.
    rows = list(
        StagedUpload.objects.select_for_update()
        .filter(pk__in=[s.pk for s in staged], status=StagedUploadStatus.COMPLETE)
        .order_by("pk")
    )
    if len(rows) != len(staged):
        raise StagedUploadsChanged
    for row in rows:
        upload = Upload(
            request=review_request,
            original_name=row.file_name,
            kind=row.kind,
            size=row.length,
            sha256=row.sha256,
        )
        name = default_storage.generate_filename(upload_path(upload, ""))
        written.append(name)
        upload.file.name = staging.place(
            row.staging_name, name, sha256=row.sha256, length=row.length
        )
        if upload.file.name != name:
            written.append(upload.file.name)
        upload.save()
    StagedUpload.objects.filter(pk__in=[row.pk for row in rows]).delete()
    staged_names = [row.staging_name for row in rows]
    transaction.on_commit(lambda: [staging.delete(name) for name in staged_names])


def add_patient_files(
    *, link: UploadLink, files: Sequence[tuple[UploadedFile, FileKind]]
) -> list[Upload]:
    """Attach files a patient sent through a link for more files, and use the link up: together or
    not at all. A link used or expired in the meantime adds nothing (returns an empty list)."""
    with _submission_files() as written, transaction.atomic():
        locked = UploadLink.objects.usable().select_for_update().filter(pk=link.pk).first()
        if locked is None:
            return []
        uploads = store_files(review_request=link.request, files=files, written=written)
        locked.used_at = timezone.now()
        locked.files_added = len(uploads)
        locked.save(update_fields=["used_at", "files_added"])
        transaction.on_commit(
            partial(enqueue_processing, link.request_id, [upload.pk for upload in uploads])
        )
    logger.info("Review request %s: %d more file(s) from the patient", link.request_id, len(files))
    return uploads


def _submission_files():
    """The files a patient's write makes: removed if it fails, unless the commit is unknown."""
    return written_files(what="a file of a failed submission", keep_if_commit_unknown=True)


# --- Links staff sent the patient for more files (made by intake.triage.services) -----------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_upload_link(token: str) -> UploadLink | None:
    """The usable link for this token, or None if it is unknown, used or expired."""
    return (
        UploadLink.objects.usable()
        .select_related("request")
        .filter(token_hash=hash_token(token))
        .first()
    )
