"""Photos of films and scans: an upright preview with every bit of metadata stripped; pixel floods refused."""

import io
import struct
import zlib

import pytest
from PIL import ExifTags, Image, PngImagePlugin

from intake.imaging import Outcome, process_file, reasons
from intake.imaging.limits import PHOTO_PREVIEW_MAX_SIDE
from intake.rules import FileKind
from tests.factories import gps_exif


def photo_bytes(image: Image.Image, fmt: str = "JPEG", **save) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def half_red(size=(80, 40)) -> Image.Image:
    """Red on the left half, blue on the right, so a rotation is visible."""
    image = Image.new("RGB", size, "blue")
    image.paste("red", (0, 0, size[0] // 2, size[1]))
    return image


def preview_of(result) -> Image.Image:
    [preview] = result.previews
    image = Image.open(io.BytesIO(preview.png))
    assert image.format == "PNG"
    assert image.size == (preview.width, preview.height)
    return image


def test_jpeg_with_gps_gives_a_preview_without_exif():
    data = photo_bytes(half_red(), exif=gps_exif(), icc_profile=b"")
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    result = process_file(io.BytesIO(data), name="film.jpg")

    assert result.outcome == Outcome.PROCESSED
    assert result.kind == FileKind.JPEG
    preview = preview_of(result)
    assert len(preview.getexif()) == 0
    assert not {"exif", "icc_profile", "dpi"} & preview.info.keys()
    assert b"Exif" not in result.previews[0].png
    assert b"PhoneMaker" not in result.previews[0].png


def test_rotated_jpeg_gives_an_upright_preview():
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # stored sideways: turn 90 degrees clockwise to view
    data = photo_bytes(half_red((80, 40)), exif=exif)

    result = process_file(io.BytesIO(data), name="film.jpg")

    preview = preview_of(result).convert("RGB")
    assert preview.size == (40, 80)
    assert (result.photos[0].width, result.photos[0].height) == (40, 80)
    red, _, blue = preview.getpixel((20, 10))  # the stored left half is now on top
    assert red > 200
    assert blue < 60


def test_png_text_chunks_are_stripped():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "Jane Doe, born 1970-01-01")
    data = photo_bytes(half_red(), "PNG", pnginfo=info)

    result = process_file(io.BytesIO(data), name="scan.png")

    preview = preview_of(result)
    assert result.kind == FileKind.PNG
    assert "Comment" not in preview.info
    assert b"Jane Doe" not in result.previews[0].png


def test_large_photo_is_scaled_down():
    data = photo_bytes(half_red((3000, 2000)))

    result = process_file(io.BytesIO(data))

    assert max(preview_of(result).size) == PHOTO_PREVIEW_MAX_SIDE
    assert (result.photos[0].width, result.photos[0].height) == (3000, 2000)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def pixel_flood_png(side: int = 30_000) -> bytes:
    """A real, valid 1-bit PNG of side x side pixels, compressed row by row (about 100 kB)."""
    row = b"\0" + b"\0" * ((side + 7) // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def test_pixel_flood_png_is_refused():
    result = process_file(io.BytesIO(pixel_flood_png()), name="flood.png")

    assert result.outcome == Outcome.FAILED
    assert result.reason == reasons.PHOTO_TOO_LARGE
    assert result.previews == ()


def test_pixel_limit_is_restored_after_a_refusal():
    before = Image.MAX_IMAGE_PIXELS

    process_file(io.BytesIO(pixel_flood_png(10_000)))

    assert before == Image.MAX_IMAGE_PIXELS


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_truncated_photo_fails_with_a_reason(fmt):
    data = photo_bytes(half_red((400, 300)), fmt)

    result = process_file(io.BytesIO(data[: len(data) // 2]))

    assert result.outcome == Outcome.FAILED
    assert result.reason == reasons.NOT_READABLE_PHOTO
