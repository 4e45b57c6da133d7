"""Hostile uploads, built from real bytes by the tests (no binary fixtures), and a raw multipart poster.

Each builder returns the bytes an attacker would send; `post_multipart` sends the MRI review form with
file names exactly as given (bytes), which Django's test client cannot do for names with CR, LF or NUL.
"""

import io
import stat
import struct
import uuid
import zipfile
import zlib

from PIL import Image

from intake.imaging.limits import ZIP_MAX_MEMBERS, ZIP_RATIO_FLOOR_BYTES
from tests.factories import mr_small_bytes, review_form_data

SCRIPT = b"<html><body><script>alert(document.cookie)</script></body></html>"


def zip_of(entries: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def zip_bomb() -> bytes:
    """Zeros compress about 1000 to 1: a few kilobytes that declare megabytes (a real bomb's shape)."""
    return zip_of({"CD/IM0001.dcm": b"\0" * (ZIP_RATIO_FLOOR_BYTES * 4)})


def zip_slip() -> bytes:
    return zip_of({"CD/IM0001.dcm": mr_small_bytes(), "../../x": b"pwned"})


ABSOLUTE_TARGET = "/tmp/backcare-absolute-x"  # noqa: S108 — the attack's target; tests check it stays absent


def zip_absolute_path() -> bytes:
    return zip_of({"CD/IM0001.dcm": mr_small_bytes(), ABSOLUTE_TARGET: b"pwned"})


def zip_symlink() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("CD/IM0001.dcm", mr_small_bytes())
        link = zipfile.ZipInfo("CD/passwd")
        link.create_system = 3  # Unix: the mode in external_attr says "symbolic link"
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    return out.getvalue()


def zip_encrypted() -> bytes:
    """Python cannot write encrypted ZIPs: set the "encrypted" flag in both headers by hand."""
    data = bytearray(
        zip_of(
            {"CD/IM0001.dcm": mr_small_bytes(), "CD/secret.dcm": mr_small_bytes()},
            compression=zipfile.ZIP_STORED,
        )
    )
    secret = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("CD/secret.dcm")
    data[secret.header_offset + 6] |= 0x1
    central = bytes(data).find(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(b"CD/secret.dcm")] != b"CD/secret.dcm":
        central = bytes(data).find(b"PK\x01\x02", central + 4)
    data[central + 8] |= 0x1
    assert zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("CD/secret.dcm").flag_bits & 0x1
    return bytes(data)


def zip_nested(depth: int) -> bytes:
    """A ZIP holding a ZIP holding … `depth` archives in all, a real DICOM file at the bottom."""
    data = zip_of({"IMG/IM0001.dcm": mr_small_bytes()})
    for level in range(depth - 1, 0, -1):
        data = zip_of({f"level{level}.zip": data})
    return data


def jpeg_html_polyglot() -> bytes:
    """A valid JPEG whose comment segment is a web page: a browser sniffing it could run the script."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 90, 90)).save(out, "JPEG", comment=SCRIPT)
    data = out.getvalue()
    assert data.startswith(b"\xff\xd8\xff")
    assert SCRIPT in data
    return data


SVG_WITH_SCRIPT = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(document.domain)</script></svg>"
)
HTML_AS_PDF = b"<!DOCTYPE html>\n" + SCRIPT
DICM_JUNK = b"\0" * 128 + b"DICM" + bytes(range(256)) * 8
DICM_HTML = b"\0" * 128 + b"DICM" + SCRIPT * 20
DICM_ONLY = b"\0" * 128 + b"DICM"


def zip_too_many_members() -> bytes:
    return zip_of(
        {f"CD/IM{n:05}": b"" for n in range(ZIP_MAX_MEMBERS + 1)}, compression=zipfile.ZIP_STORED
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def pixel_flood_png(side: int = 30_000) -> bytes:
    """A valid 1-bit PNG of side x side pixels (900 megapixels) in about 100 kB."""
    row = b"\0" * (1 + (side + 7) // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


# --- A multipart body written byte by byte ------------------------------------------------------


def multipart(fields: dict, files: list[tuple[bytes, bytes]]) -> tuple[bytes, str]:
    """`files` are (raw Content-Disposition filename parameter, content); the parameter is sent as is,
    so it can hold `filename="…"` with any bytes, or an RFC 2231 `filename*=…`."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                + str(item).encode()
                + b"\r\n"
            )
    for filename_param, content in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '.encode()
            + filename_param
            + b"\r\nContent-Type: application/octet-stream\r\n\r\n"
            + content
            + b"\r\n"
        )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def post_multipart(client, files: list[tuple[bytes, bytes]], **overrides):
    data = review_form_data(imaging_plan="upload", **overrides)
    body, content_type = multipart(data, files)
    return client.post("/mri-review/", body, content_type=content_type)
