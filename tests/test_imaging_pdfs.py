"""PDF reports: the page count is recorded and the first page previewed; a damaged PDF fails with a reason."""

import io

from PIL import Image

from intake.imaging import Outcome, limits, process_file, reasons
from intake.rules import FileKind


def report_pdf(pages: int = 3) -> bytes:
    images = [Image.new("RGB", (595, 842), color) for color in ("white", "gray", "black")[:pages]]
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:])
    return out.getvalue()


def test_pdf_page_count_and_first_page_preview():
    result = process_file(io.BytesIO(report_pdf(3)), name="report.pdf")

    assert result.outcome == Outcome.PROCESSED
    assert result.kind == FileKind.PDF
    [document] = result.documents
    assert document.page_count == 3
    preview = result.preview(document.preview_key)
    image = Image.open(io.BytesIO(preview.png))
    assert image.format == "PNG"
    assert max(image.size) <= 1024
    assert image.height > image.width  # portrait, like the page
    assert (
        image.convert("L").getpixel((image.width // 2, image.height // 2)) > 200
    )  # page 1 is white


def test_damaged_pdf_fails_with_a_reason():
    result = process_file(io.BytesIO(b"%PDF-1.4\n" + b"\0garbage" * 50))

    assert result.outcome == Outcome.FAILED
    assert result.reason == reasons.NOT_READABLE_PDF


def test_report_alone_is_flagged_as_no_images():
    result = process_file(io.BytesIO(report_pdf(1)), name="report.pdf")

    assert [check.code for check in result.checks] == ["no_images"]
    assert "only a report" in result.checks[0].message


def test_a_pdf_over_the_limit_is_refused_without_being_read_whole():
    huge = io.BytesIO(b"%PDF-1.4\n" + bytes(limits.PDF_MAX_BYTES))

    result = process_file(huge, name="report.pdf")
    assert result.outcome == Outcome.FAILED
    assert result.reason == reasons.PDF_TOO_LARGE
