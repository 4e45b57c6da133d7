"""Handing a patient's file to a member of staff, after the view has checked their permission.

Either streamed through this process from any storage (the default), or — with
PRIVATE_DOWNLOADS=presigned and S3 storage — a redirect to a signed bucket URL that expires within a
minute, so large files do not tie up a web process. Every hand-over passes through `record_download`.
"""

import logging

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect

from intake import rules
from intake.models import AccessAction, Upload
from intake.triage import services as triage

logger = logging.getLogger(__name__)


def record_download(request: HttpRequest, upload: Upload, *, how: str) -> None:
    """The one place a staff download is recorded: the access log (the audit trail), and the
    application log with ids only, so the patient's name and file name stay out of it."""
    triage.log_access(request=request, action=AccessAction.DOWNLOAD, upload=upload, detail=how)
    logger.info("Upload %s handed to staff user %s (%s)", upload.pk, request.user.pk, how)


def hand_over(request: HttpRequest, upload: Upload) -> HttpResponse:
    """The response that gives `upload` to the (already authorised) staff member."""
    # The extension follows the kind found in the bytes, never the patient's: a DICOM file's free
    # 128-byte preamble can hold a Windows program header, and a name ending ".exe" would make it one
    # double-click away from running. Always an attachment, as octet-stream, never sniffed.
    filename = rules.download_name(upload.original_name, upload.kind)
    if settings.PRIVATE_DOWNLOADS == "presigned" and hasattr(
        default_storage, "signed_download_url"
    ):
        url = default_storage.signed_download_url(
            upload.file.name,
            filename=filename,
            expire=default_storage.querystring_expire,
        )
        record_download(request, upload, how="presigned")
        response: HttpResponse = HttpResponseRedirect(url)
    else:
        response = FileResponse(
            default_storage.open(upload.file.name, "rb"),
            as_attachment=True,
            filename=filename,
            content_type="application/octet-stream",
        )
        record_download(request, upload, how="stream")
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"  # as SecurityMiddleware sets; kept if it is off
    return response
