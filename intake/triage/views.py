"""Staff-only file views: a patient's upload as a download, and its previews, each written to the
access log."""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from backcare.staff_auth import verified_staff_required
from intake.models import AccessAction, Preview, Upload
from intake.triage import downloads
from intake.triage import services as triage


@verified_staff_required
@require_safe
def upload_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A patient's file, for staff with the right permission only; never cached, always a download
    (streamed, or a redirect to a short-lived signed URL), and always written to the access log."""
    if not request.user.has_perm("intake.download_upload"):
        raise PermissionDenied
    upload = get_object_or_404(Upload.objects.select_related("request"), pk=pk)
    return downloads.hand_over(request, upload)


@verified_staff_required
@require_safe
def preview(request: HttpRequest, pk: int) -> FileResponse:
    """A preview PNG of a patient's images, for staff with the right permission only; never cached,
    and written to the access log."""
    if not request.user.has_perm("intake.view_upload"):
        raise PermissionDenied
    found = get_object_or_404(Preview.objects.select_related("upload__request"), pk=pk)
    triage.log_access(request=request, action=AccessAction.PREVIEW, upload=found.upload)
    response = FileResponse(found.file.open("rb"), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response
