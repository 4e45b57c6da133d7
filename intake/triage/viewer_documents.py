"""Photos of films and PDF reports in the viewer: listed beside the series, shown as PNG pages
rendered here (upright, no metadata), so the strict CSP needs no frame or plug-in for a PDF."""

import io
from typing import BinaryIO

import pypdfium2 as pdfium
from django.urls import reverse

from intake.imaging import limits, slices
from intake.imaging.photos import photo_preview
from intake.imaging.slices import ZipEntry
from intake.models import ReviewRequest, Upload, UploadResult
from intake.rules import FileKind

PAGE_SIDE = 1600  # pixels on the longer side of a rendered PDF page: small print stays legible
PHOTO_SIDE = 2048


class PageMissing(Exception):
    pass


def listing(review_request: ReviewRequest) -> list[dict]:
    """The request's photos and PDF reports, loose or inside a zipped CD, with their pages' URLs."""
    found = []
    uploads = review_request.uploads.filter(
        kind__in=[FileKind.JPEG, FileKind.PNG, FileKind.PDF, FileKind.ZIP]
    ).select_related("result")
    for upload in uploads:
        result = getattr(upload, "result", None)
        if upload.kind == FileKind.ZIP:
            found += [
                _entry(review_request, upload, name, kind, pages, n)
                for n, (name, kind, pages, _) in enumerate(members(result))
            ]
            continue
        pages = 1
        if upload.kind == FileKind.PDF:
            documents = getattr(result, "documents", None) or []
            pages = max((d.get("page_count", 0) for d in documents), default=0)
            if not pages:
                continue  # not processed yet, or unreadable: nothing to page through
        kind = "report" if upload.kind == FileKind.PDF else "photo"
        found.append(_entry(review_request, upload, upload.original_name, kind, pages, None))
    return found


def members(result: UploadResult | None) -> list[tuple[str, str, int, dict]]:
    """The photos and reports inside a zipped upload that the viewer can open: (name, "photo" or
    "report", pages, the member's place). Each is the entry the pipeline kept, with the place the
    viewer's index noted (`intake.processing.slices`); one kept before that has none, and is left
    out. A member's number in this list is its `member` in the page's URL."""
    if result is None:
        return []
    found = [(p, "photo", 1) for p in result.photos]
    found += [(d, "report", d.get("page_count", 0)) for d in result.documents]
    return [
        (entry["name"], kind, pages, entry["member"])
        for entry, kind, pages in found
        if entry.get("member") and pages
    ]


def _entry(
    review_request: ReviewRequest,
    upload: Upload,
    name: str,
    kind: str,
    pages: int,
    member: int | None,
) -> dict:
    query = "" if member is None else f"?member={member}"
    return {
        "id": upload.pk,
        "kind": kind,
        "name": name if member is None else f"{name} (in {upload.original_name})",
        "pages": [
            reverse("intake:viewer_page", args=[review_request.pk, upload.pk, n]) + query
            for n in range(1, pages + 1)
        ],
    }


def open_member(fileobj: BinaryIO, member: dict):
    """The member of the stored ZIP, opened from its recorded place (no directory is read) and
    inflated as it is read; refused if larger than the pipeline reads such a file."""
    entry = ZipEntry.from_json(member)
    if entry.file_size > limits.ZIP_MAX_EMBEDDED_FILE_BYTES:
        raise PageMissing("too large")
    try:
        return slices.open_member(fileobj, entry)
    except slices.FrameUnreadable as exc:
        raise PageMissing(str(exc)) from exc


def render(fileobj: BinaryIO, *, kind: str, number: int) -> bytes:
    if kind == FileKind.PDF:
        return _pdf_page(fileobj, number)
    if number != 1:
        raise PageMissing(number)
    return _photo(fileobj)


def _photo(fileobj: BinaryIO) -> bytes:
    # The pipeline's own reading (pixel-flood limit, EXIF turned upright, metadata dropped), larger.
    return photo_preview(fileobj, side=PHOTO_SIDE).png


def _pdf_page(fileobj: BinaryIO, number: int) -> bytes:
    data = fileobj.read(limits.PDF_MAX_BYTES + 1)
    if len(data) > limits.PDF_MAX_BYTES:
        raise PageMissing(number)
    try:
        document = pdfium.PdfDocument(data)
    except (pdfium.PdfiumError, ValueError, OSError) as exc:
        raise PageMissing(number) from exc
    try:
        if not 1 <= number <= len(document):
            raise PageMissing(number)
        page = document[number - 1]
        width, height = page.get_size()
        image = page.render(scale=min(4.0, PAGE_SIDE / max(width, height, 1))).to_pil()
        out = io.BytesIO()
        image.convert("RGB").save(out, "PNG")
        return out.getvalue()
    except (pdfium.PdfiumError, ValueError, OSError) as exc:  # a page pdfium cannot draw
        raise PageMissing(number) from exc
    finally:
        document.close()
