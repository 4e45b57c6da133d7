"""Photos of films and PDF reports in the viewer: listed beside the series, shown as PNG pages
rendered here (upright, no metadata), so the strict CSP needs no frame or plug-in for a PDF."""

import io
from typing import BinaryIO

import pypdfium2 as pdfium
from django.urls import reverse

from intake.imaging import limits
from intake.imaging.photos import photo_preview
from intake.models import ReviewRequest
from intake.rules import FileKind

PAGE_SIDE = 1600  # pixels on the longer side of a rendered PDF page: small print stays legible
PHOTO_SIDE = 2048


class PageMissing(Exception):
    pass


def listing(review_request: ReviewRequest) -> list[dict]:
    """The request's loose photos and PDF reports, with their pages' URLs."""
    found = []
    uploads = review_request.uploads.filter(
        kind__in=[FileKind.JPEG, FileKind.PNG, FileKind.PDF]
    ).select_related("result")
    for upload in uploads:
        pages = 1
        if upload.kind == FileKind.PDF:
            documents = getattr(getattr(upload, "result", None), "documents", None) or []
            pages = max((d.get("page_count", 0) for d in documents), default=0)
            if not pages:
                continue  # not processed yet, or unreadable: nothing to page through
        found.append(
            {
                "id": upload.pk,
                "kind": "report" if upload.kind == FileKind.PDF else "photo",
                "name": upload.original_name,
                "pages": [
                    reverse("intake:viewer_page", args=[review_request.pk, upload.pk, n])
                    for n in range(1, pages + 1)
                ],
            }
        )
    return found


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
