"""The image viewer: a request's series, slice by slice, for staff allowed to see patients' files.

The page (`viewer`) writes one access-log record per opening and remembers, in the staff member's
session, which requests they opened; the data views (`index`, `frame`, `page`) answer only for those,
so every pixel served belongs to a recorded opening, without a record per slice. Frames are the
slice's stored values, decoded by pydicom from the upload itself (one ZIP member, read from its
recorded place: `intake.imaging.slices`), and the browser windows them (intake/static/intake/
viewer.js); docs/viewer.md says why. Nothing is cached outside the browser tab.
"""

from collections import defaultdict

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
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


def _allowed_request(request: HttpRequest, pk: int) -> ReviewRequest:
    if not (
        request.user.has_perm(PERMISSION) and request.user.has_perm("intake.view_reviewrequest")
    ):
        raise PermissionDenied
    return get_object_or_404(ReviewRequest, pk=pk)


def _opened(request: HttpRequest, pk: int) -> ReviewRequest:
    """The request, if this session opened its viewer (and so wrote the access record)."""
    review_request = _allowed_request(request, pk)
    if pk not in request.session.get(SESSION_KEY, []):
        raise PermissionDenied
    return review_request


@verified_staff_required
@require_safe
def viewer(request: HttpRequest, pk: int) -> HttpResponse:
    review_request = _allowed_request(request, pk)
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
            "back_url": reverse("admin:intake_reviewrequest_change", args=[pk]),
        },
    )
    response["Cache-Control"] = PRIVATE
    return response


@verified_staff_required
@require_safe
def index(request: HttpRequest, pk: int) -> JsonResponse:
    """The request's series (each with its slices in viewing order) and its photos and reports."""
    review_request = _opened(request, pk)
    response = JsonResponse(
        {
            "series": series_index(review_request),
            "documents": viewer_documents.listing(review_request),
        }
    )
    response["Cache-Control"] = PRIVATE
    return response


@verified_staff_required
@require_safe
def frame(request: HttpRequest, pk: int, slice_pk: int) -> HttpResponse:
    """One slice's stored values as little-endian bytes (format, size and rescale in headers)."""
    _opened(request, pk)
    found = get_object_or_404(
        ImageSlice.objects.select_related("upload"), pk=slice_pk, upload__request_id=pk
    )
    entry = slices.ZipEntry(**found.zip_entry) if found.zip_entry else None
    try:
        with open_ranged(default_storage, found.upload.file.name) as fileobj:
            decoded = slices.read_frame(fileobj, member=entry, frame=found.frame)
    except (slices.FrameUnreadable, FileNotFoundError):
        response = HttpResponse(
            "This slice could not be decoded.", status=422, content_type="text/plain"
        )
        response["Cache-Control"] = PRIVATE
        return response
    body, code = slices.frame_bytes(decoded)
    response = HttpResponse(body, content_type="application/octet-stream")
    response["X-Frame-Format"] = code
    response["X-Frame-Size"] = f"{decoded.pixels.shape[1]}x{decoded.pixels.shape[0]}"
    response["X-Rescale"] = f"{decoded.slope!r} {decoded.intercept!r}"
    response["X-Photometric"] = decoded.photometric
    response["Cache-Control"] = PRIVATE
    return response


@verified_staff_required
@require_safe
def page(request: HttpRequest, pk: int, upload_pk: int, number: int) -> HttpResponse:
    """A photo (number 1), or one page of a PDF report, as a PNG with no metadata."""
    _opened(request, pk)
    upload = get_object_or_404(Upload, pk=upload_pk, request_id=pk)
    if upload.kind not in (FileKind.JPEG, FileKind.PNG, FileKind.PDF):
        raise Http404
    try:
        with upload.file.open("rb") as fileobj:
            png = viewer_documents.render(fileobj, kind=upload.kind, number=number)
    except (PhotoRefused, viewer_documents.PageMissing, FileNotFoundError) as exc:
        raise Http404 from exc
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
        grouped[(row["study_instance_uid"], row["series_instance_uid"])].append(row)
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
        "url": reverse("intake:viewer_frame", args=[pk, m["pk"]]),
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
