"""The image viewer: a request's series, slice by slice, for staff allowed to see patients' files.

The page (`viewer`) writes one access-log record per opening and remembers, in the staff member's
session, which requests they opened; the data views (`index`, `frames`, `page`) answer only for
those, so every pixel served belongs to a recorded opening, without a record per slice. Slices are their
stored values, decoded by pydicom from the upload itself (one ZIP member, read from its
recorded place: `intake.imaging.slices`), and the browser windows them (intake/static/intake/
viewer.js); docs/viewer.md says why. Nothing is cached outside the browser tab.
"""

import zipfile
import zlib
from collections import defaultdict

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from backcare.staff_auth import verified_staff_required
from intake.imaging import geometry, slices
from intake.imaging.photos import PhotoRefused
from intake.models import AccessAction, ImageSlice, ReviewRequest, Upload
from intake.rules import FileKind
from intake.triage import services as triage
from intake.triage import viewer_documents
from intake.uploads.storage import open_ranged

PERMISSION = "intake.download_upload"  # the viewer shows whole images: as much as a download
SESSION_KEY = "viewer_requests"
SESSION_KEEP = 20  # requests a session remembers as opened
PRIVATE = "private, no-store"
MAX_BATCH = 16  # slices in one answer: 8 MiB of 512 x 512 16-bit slices


def _check_permissions(request: HttpRequest) -> None:
    if not (
        request.user.has_perm(PERMISSION) and request.user.has_perm("intake.view_reviewrequest")
    ):
        raise PermissionDenied


def _opened(request: HttpRequest, pk: int) -> None:
    """Allowed only if this session opened the request's viewer (and so wrote the access record);
    the permissions are checked again on every answer, as they may have been taken away since."""
    _check_permissions(request)
    if pk not in request.session.get(SESSION_KEY, []):
        raise PermissionDenied


@verified_staff_required
@require_safe
def viewer(request: HttpRequest, pk: int) -> HttpResponse:
    _check_permissions(request)
    review_request = get_object_or_404(ReviewRequest, pk=pk)
    triage.log_access(request=request, action=AccessAction.VIEWER, review_request=review_request)
    opened = [p for p in request.session.get(SESSION_KEY, []) if p != pk]
    request.session[SESSION_KEY] = [*opened[-(SESSION_KEEP - 1) :], pk]
    response = render(
        request,
        "intake/viewer/viewer.html",
        {
            **admin.site.each_context(request),
            "review_request": review_request,
            "index_url": reverse("intake:viewer_index", args=[pk]),
            "frames_url": reverse("intake:viewer_frames", args=[pk]),
            "back_url": reverse("admin:intake_reviewrequest_change", args=[pk]),
        },
    )
    response["Cache-Control"] = PRIVATE
    return response


@transaction.non_atomic_requests  # reads only: no BEGIN/COMMIT around each slice
@verified_staff_required
@require_safe
def index(request: HttpRequest, pk: int) -> JsonResponse:
    """The request's series (each with its slices in viewing order) and its photos and reports."""
    _opened(request, pk)
    review_request = get_object_or_404(ReviewRequest, pk=pk)
    response = JsonResponse(
        {
            "series": series_index(review_request),
            "documents": viewer_documents.listing(review_request),
        }
    )
    response["Cache-Control"] = PRIVATE
    return response


@transaction.non_atomic_requests  # reads only: no BEGIN/COMMIT around each slice
@verified_staff_required
@require_safe
def frames(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """Slices `?id=…&id=…` (at most MAX_BATCH) of this request, one after the other, each as its
    stored values (`slices.frame_part`). Several per request, so the sign-in, permission and
    session checks are paid once for a few slices; streamed, so the process holds one at a time."""
    _opened(request, pk)
    try:
        ids = [int(v) for v in request.GET.getlist("id")]
    except ValueError:
        ids = []
    if not 1 <= len(ids) <= MAX_BATCH:
        return HttpResponseBadRequest(f"Ask for 1 to {MAX_BATCH} slices.")
    found = {
        row.pk: row
        for row in ImageSlice.objects.select_related("upload").filter(
            pk__in=ids, upload__request_id=pk
        )
    }
    if len(found) != len(set(ids)):
        raise Http404  # a slice of another request, or none at all
    response = StreamingHttpResponse(
        _frame_parts([found[i] for i in ids]), content_type="application/octet-stream"
    )
    response["Cache-Control"] = PRIVATE
    return response


def _frame_parts(rows: list[ImageSlice]):
    opened: dict[int, object] = {}  # one open file per upload, for the whole answer
    try:
        for row in rows:
            if row.upload_id not in opened:
                try:
                    opened[row.upload_id] = open_ranged(default_storage, row.upload.file.name)
                except FileNotFoundError:
                    opened[row.upload_id] = None
            entry = slices.ZipEntry.from_json(row.zip_entry) if row.zip_entry else None
            try:
                if opened[row.upload_id] is None:
                    raise slices.FrameUnreadable("the upload is gone")
                decoded = slices.read_frame(opened[row.upload_id], member=entry, frame=row.frame)
            except slices.FrameUnreadable:
                yield slices.frame_part(row.pk, None)
                continue
            yield slices.frame_part(row.pk, decoded)
    finally:
        for fileobj in opened.values():
            if fileobj is not None:
                fileobj.close()


@transaction.non_atomic_requests  # reads only: no BEGIN/COMMIT around each slice
@verified_staff_required
@require_safe
def page(request: HttpRequest, pk: int, upload_pk: int, number: int) -> HttpResponse:
    """A photo (number 1), or one page of a PDF report, as a PNG with no metadata; `?member=n`:
    the n-th photo or report inside a zipped upload (`viewer_documents.members`), read from its
    recorded place in the stored ZIP, never the whole CD."""
    _opened(request, pk)
    upload = get_object_or_404(Upload, pk=upload_pk, request_id=pk)
    member = request.GET.get("member")
    if member is not None:
        return _member_page(upload, member, number)
    if upload.kind not in (FileKind.JPEG, FileKind.PNG, FileKind.PDF):
        raise Http404
    try:
        with upload.file.open("rb") as fileobj:
            png = viewer_documents.render(fileobj, kind=upload.kind, number=number)
    except (PhotoRefused, viewer_documents.PageMissing, FileNotFoundError) as exc:
        raise Http404 from exc
    return _png(png)


def _member_page(upload: Upload, member: str, number: int) -> HttpResponse:
    found = viewer_documents.members(getattr(upload, "result", None))
    if upload.kind != FileKind.ZIP or not member.isdigit() or int(member) >= len(found):
        raise Http404
    _, kind, _, place = found[int(member)]
    try:
        with (
            open_ranged(default_storage, upload.file.name) as fileobj,
            viewer_documents.open_member(fileobj, place) as inside,
        ):
            png = viewer_documents.render(
                inside, kind=FileKind.PDF if kind == "report" else FileKind.JPEG, number=number
            )
    except (PhotoRefused, viewer_documents.PageMissing, OSError, EOFError) as exc:
        raise Http404 from exc
    except (zipfile.BadZipFile, zlib.error) as exc:  # damaged since it was processed: CRC, data
        raise Http404 from exc
    return _png(png)


def _png(png: bytes) -> HttpResponse:
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = PRIVATE
    return response


# -- The series index ------------------------------------------------------------------------------

_SLICE_FIELDS = (
    "pk",
    "upload_id",
    "frame",
    "study_instance_uid",
    "series_instance_uid",
    "sop_instance_uid",
    "series_number",
    "series_description",
    "modality",
    "study_date",
    "instance_number",
    "rows",
    "columns",
    "position",
    "orientation",
    "pixel_spacing",
    "slice_thickness",
    "slice_location",
    "window_center",
    "window_width",
)


def series_index(review_request: ReviewRequest) -> list[dict]:
    """Every series of the request's uploads (a series sent as loose files is one series), its
    slices in viewing order; the same SOP instance sent twice counts once."""
    grouped: dict[tuple[str, str], list[dict]] = defaultdict(list)
    seen: set[tuple[str, int | None]] = set()
    rows = ImageSlice.objects.filter(upload__request=review_request).order_by("upload_id", "pk")
    for row in rows.values(*_SLICE_FIELDS).iterator(chunk_size=2000):
        key = (row["sop_instance_uid"], row["frame"])
        if row["sop_instance_uid"] and key in seen:
            continue
        seen.add(key)
        # A file without a series UID is a series of its own, as the pipeline previews it.
        series = row["series_instance_uid"] or f"\0{row['upload_id']}:{row['sop_instance_uid']}"
        grouped[(row["study_instance_uid"], series)].append(row)
    listed = [_series_entry(review_request.pk, members) for members in grouped.values()]
    listed.sort(key=lambda s: (s["studyDate"] or "", s["number"] is None, s["number"] or 0))
    return listed


def _series_entry(pk: int, members: list[dict]) -> dict:
    order = geometry.slice_order(
        [(m["position"], m["orientation"], m["instance_number"]) for m in members]
    )
    ordered = [members[i] for i in order]
    first = ordered[0]
    orientation = first["orientation"]
    thickness = next((m["slice_thickness"] for m in ordered if m["slice_thickness"]), None)
    return {
        "description": first["series_description"] or f"Series {first['series_number'] or ''}",
        "number": first["series_number"],
        "modality": first["modality"],
        "studyDate": first["study_date"].isoformat() if first["study_date"] else None,
        "orientation": geometry.orientation_name(orientation) if orientation else "",
        "markers": geometry.edge_markers(orientation) if orientation else None,
        "thickness": thickness,
        "count": len(ordered),
        "slices": [_slice_entry(pk, m) for m in ordered],
    }


def _slice_entry(pk: int, m: dict) -> dict:
    if m["position"] and m["orientation"]:
        where = geometry.position_label(m["position"], m["orientation"]) + " mm"
    elif m["slice_location"] is not None:
        where = f"{m['slice_location']:.1f} mm"
    else:
        where = ""
    return {
        "id": m["pk"],
        "number": m["instance_number"],
        "size": [m["columns"], m["rows"]],
        "position": m["position"],
        "orientation": m["orientation"],
        "spacing": m["pixel_spacing"],
        "thickness": m["slice_thickness"],
        "location": where,
        "window": [m["window_center"], m["window_width"]]
        if m["window_width"] is not None
        else None,
    }
