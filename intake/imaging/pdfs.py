"""PDF reports: check the file parses, count its pages, and render the first page if pdfium can."""

import io
from dataclasses import dataclass
from typing import BinaryIO

import pypdfium2 as pdfium
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from . import limits, reasons


class PdfRefused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PdfSummary:
    page_count: int
    png: bytes | None  # the first page, or None when it could not be rendered
    preview_width: int = 0
    preview_height: int = 0


def _page_count(fileobj: BinaryIO) -> int:
    """The number of pages, reading the cross-reference table and page tree (not the page contents);
    PdfRefused when the bytes after "%PDF-" are not a PDF (a web page, say), it is locked, or it is
    too large to read (pypdf reads a damaged file whole to rebuild its table)."""
    if fileobj.seek(0, io.SEEK_END) > limits.PDF_MAX_BYTES:
        raise PdfRefused(reasons.PDF_TOO_LARGE)
    fileobj.seek(0)
    try:
        reader = PdfReader(fileobj)
        if reader.is_encrypted and not reader.decrypt(""):
            raise PdfRefused(reasons.PDF_PROTECTED)
        page_count = len(reader.pages)
    except PdfRefused:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PdfRefused(reasons.NOT_READABLE_PDF) from exc
    if page_count == 0:
        raise PdfRefused(reasons.NOT_READABLE_PDF)
    return page_count


def screen_pdf(fileobj: BinaryIO) -> str | None:
    """The form's quick look at a PDF: the pipeline's reason to refuse it, or None. Reads the file in
    place (seeking); only a damaged one is read whole, within PDF_MAX_BYTES."""
    try:
        _page_count(fileobj)
    except PdfRefused as exc:
        return exc.reason
    return None


def read_pdf(fileobj: BinaryIO) -> PdfSummary:
    data = fileobj.read(limits.PDF_MAX_BYTES + 1)
    page_count = _page_count(io.BytesIO(data))
    try:
        png, size = _first_page_png(data)
    except (pdfium.PdfiumError, ValueError, OSError):
        return PdfSummary(page_count, None)
    return PdfSummary(page_count, png, *size)


def _first_page_png(data: bytes) -> tuple[bytes, tuple[int, int]]:
    document = pdfium.PdfDocument(data)
    try:
        page = document[0]
        width, height = page.get_size()  # in points
        scale = min(3.0, limits.PDF_PREVIEW_MAX_SIDE / max(width, height, 1))
        image = page.render(scale=scale).to_pil()
        out = io.BytesIO()
        image.convert("RGB").save(out, "PNG")
        return out.getvalue(), image.size
    finally:
        document.close()
