"""Photos and scans of films (JPEG/PNG): an upright preview with no metadata, pixel floods refused."""

import io
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

from . import limits, reasons


class PhotoRefused(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PhotoPreview:
    width: int  # the whole photo, upright
    height: int
    png: bytes
    preview_width: int
    preview_height: int


@contextmanager
def pixel_limit(max_pixels: int):
    """Lower Pillow's bomb limit for this block and make its warning an error.

    `Image.MAX_IMAGE_PIXELS` is process-wide; the task worker handles one file at a time per process.
    """
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    finally:
        Image.MAX_IMAGE_PIXELS = previous


def photo_preview(fileobj: BinaryIO, *, side: int = limits.PHOTO_PREVIEW_MAX_SIDE) -> PhotoPreview:
    """An upright copy no larger than `side` on its longer edge, holding only pixels."""
    try:
        with pixel_limit(limits.PHOTO_MAX_PIXELS):
            with Image.open(fileobj, formats=("JPEG", "PNG")) as image:
                orientation = image.getexif().get(0x0112, 1)
                width, height = image.size
                if orientation in (5, 6, 7, 8):
                    width, height = height, width
                image.draft(
                    "RGB", (side, side)
                )  # JPEG decodes at 1/2, 1/4 or 1/8 scale: less memory
                upright = ImageOps.exif_transpose(image)
            upright.thumbnail((side, side), Image.Resampling.LANCZOS)
            clean = _without_metadata(upright)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise PhotoRefused(reasons.PHOTO_TOO_LARGE) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise PhotoRefused(reasons.NOT_READABLE_PHOTO) from exc
    out = io.BytesIO()
    clean.save(out, "PNG")
    return PhotoPreview(width, height, out.getvalue(), *clean.size)


def _without_metadata(image: Image.Image) -> Image.Image:
    """A new image holding only pixels: no EXIF (GPS), no ICC profile, no text chunks."""
    mode = image.mode if image.mode in ("L", "RGB", "RGBA") else None
    if mode is None:
        mode = "RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB"
        image = image.convert(mode)
    return Image.frombytes(mode, image.size, image.tobytes())


def screen_photo(fileobj: BinaryIO) -> str | None:
    """The form's quick look at a photo: the reason `photo_preview` would refuse it, or None.

    Pillow's `open` reads the header only (size and format), never the pixels, so a pixel flood costs
    a few bytes to spot.
    """
    try:
        with (
            pixel_limit(limits.PHOTO_MAX_PIXELS),
            Image.open(fileobj, formats=("JPEG", "PNG")) as image,
        ):
            image.size  # noqa: B018 — the header has been read; nothing is decoded
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        return reasons.PHOTO_TOO_LARGE
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        return reasons.NOT_READABLE_PHOTO
    return None
