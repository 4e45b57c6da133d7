"""Small ZIPs that inflate to a gigabyte, written to disk in seconds without ever holding one.

Each hostile member is a real DICOM file (or a CD's DICOMDIR) carrying one element of 1 GiB that
deflates about 80:1 (a little random data in every MiB of zeros), so it passes the 100:1 ratio check
and only counting bytes as they inflate can stop it. The deflate stream of one MiB is made once and
repeated (each piece ends on a full flush, so pieces join into one valid stream), and the ZIP is
written by hand, which also lets a test put a lie in the header's sizes.
"""

import io
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

from tests.factories import mr_small_bytes

MIB = 1024**2
HUGE = 1024 * MIB
_BLOCK = os.urandom(10 * 1024) + bytes(MIB - 10 * 1024)


def _deflated(data: bytes, *, final: bool = False) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(
        zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH
    )


_BLOCK_DEFLATED = _deflated(_BLOCK)


@dataclass
class Member:
    """`prefix`, then `blocks` MiB of the hostile block, then `suffix`, deflated."""

    name: str
    prefix: bytes
    blocks: int = 0
    suffix: bytes = b""
    claimed_size: int | None = None  # what the header says the member inflates to, if a lie

    @property
    def size(self) -> int:
        return len(self.prefix) + self.blocks * MIB + len(self.suffix)

    def crc(self) -> int:
        crc = zlib.crc32(self.prefix)
        for _ in range(self.blocks):
            crc = zlib.crc32(_BLOCK, crc)
        return zlib.crc32(self.suffix, crc)

    def pieces(self):
        yield _deflated(self.prefix)
        for _ in range(self.blocks):
            yield _BLOCK_DEFLATED
        yield _deflated(self.suffix, final=True)

    def compressed_size(self) -> int:
        return (
            len(_deflated(self.prefix))
            + self.blocks * len(_BLOCK_DEFLATED)
            + len(_deflated(self.suffix, final=True))
        )


def write_zip(path: Path, members: list[Member]) -> Path:
    central = []
    with path.open("wb") as out:
        for member in members:
            offset = out.tell()
            name = member.name.encode()
            crc, csize = member.crc(), member.compressed_size()
            usize = member.size if member.claimed_size is None else member.claimed_size
            fields = struct.pack("<HHHHHIII", 20, 0, 8, 0, 0x21, crc, csize, usize)
            out.write(b"PK\x03\x04" + fields + struct.pack("<HH", len(name), 0) + name)
            for piece in member.pieces():
                out.write(piece)
            central.append(
                b"PK\x01\x02"
                + struct.pack("<H", 0x0314)
                + fields
                + struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, 0o100644 << 16, offset)
                + name
            )
        start = out.tell()
        directory = b"".join(central)
        out.write(directory)
        out.write(
            b"PK\x05\x06"
            + struct.pack("<HHHHIIH", 0, 0, len(members), len(members), len(directory), start, 0)
        )
    return path


def directory_flood(path: Path, entries: int) -> Path:
    """A ZIP of one empty member whose central directory lists it `entries` times (46 bytes each;
    several hundred as Python objects)."""
    local = b"PK\x03\x04" + struct.pack("<HHHHHIIIHH", 20, 0, 0, 0, 0x21, 0, 0, 0, 1, 0) + b"a"
    entry = (
        b"PK\x01\x02"
        + struct.pack("<HHHHHHIIIHHHHHII", 0x0314, 20, 0, 0, 0, 0x21, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0)
        + b"a"
    )
    end = b"PK\x05\x06" + struct.pack(
        "<HHHHIIH", 0, 0, 0xFFFF, 0xFFFF, len(entry) * entries, len(local), 0
    )
    path.write_bytes(local + entry * entries + end)
    return path


def _explicit(group: int, element: int, vr: bytes, length: int) -> bytes:
    if vr in (b"OB", b"OW", b"SQ", b"UN", b"UT"):
        return struct.pack("<HH2sHL", group, element, vr, 0, length)
    return struct.pack("<HH2sH", group, element, vr, length)


def _split_at_pixels(dicom: bytes) -> tuple[bytes, bytes]:
    at = dicom.index(b"\xe0\x7f\x10\x00")
    return dicom[:at], dicom[at:]


def header_bomb(name: str) -> Member:
    """A real MR slice with a 1 GiB private element just before its (small) pixel data."""
    header, pixels = _split_at_pixels(mr_small_bytes())
    creator = _explicit(0x7FDF, 0x0010, b"LO", 4) + b"BOMB"
    return Member(
        name, header + creator + _explicit(0x7FDF, 0x1001, b"OB", HUGE), HUGE // MIB, pixels
    )


def pixel_bomb(name: str) -> Member:
    """A slice whose header claims 32768 x 32768 pixels, and 1 GiB of pixel data to match."""
    from pydicom import dcmread

    ds = dcmread(io.BytesIO(mr_small_bytes()))
    del ds.PixelData
    ds.Rows = ds.Columns = 32768
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 8, 8, 7
    ds.SeriesInstanceUID += ".2"
    ds.SOPInstanceUID += ".2"
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return Member(name, out.getvalue() + _explicit(0x7FE0, 0x0010, b"OB", HUGE), HUGE // MIB)


def dicomdir_bomb(name: str, *, lists: str) -> Member:
    """A CD index listing one image, whose record also carries a 1 GiB element."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.1.3.10"
    meta.MediaStorageSOPInstanceUID = "1.2.3.4"
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    out = io.BytesIO()
    ds = Dataset()
    ds.file_meta = meta
    ds.FileSetID = "CD"
    ds.save_as(out, enforce_file_format=True)
    file_id = lists.encode() + (b" " if len(lists) % 2 else b"")
    record = (
        _explicit(0x0004, 0x1430, b"CS", 6)
        + b"IMAGE "
        + _explicit(0x0004, 0x1500, b"CS", len(file_id))
        + file_id
        + _explicit(0x0009, 0x0010, b"LO", 4)
        + b"BOMB"
        + _explicit(0x0009, 0x1001, b"OB", HUGE)
    )
    prefix = (
        out.getvalue()
        + _explicit(0x0004, 0x1220, b"SQ", 0xFFFFFFFF)
        + struct.pack("<HHL", 0xFFFE, 0xE000, 0xFFFFFFFF)
        + record
    )
    suffix = struct.pack("<HHL", 0xFFFE, 0xE00D, 0) + struct.pack("<HHL", 0xFFFE, 0xE0DD, 0)
    return Member(name, prefix, HUGE // MIB, suffix)


def header_flood(items: int) -> bytes:
    """A real MR slice whose header also holds a sequence of `items` empty items (8 bytes each,
    several hundred bytes each as pydicom objects)."""
    header, pixels = _split_at_pixels(mr_small_bytes())
    creator = _explicit(0x7FDF, 0x0010, b"LO", 4) + b"BOMB"
    flood = (
        _explicit(0x7FDF, 0x1001, b"SQ", 0xFFFFFFFF)
        + struct.pack("<HHL", 0xFFFE, 0xE000, 0) * items
        + struct.pack("<HHL", 0xFFFE, 0xE0DD, 0)
    )
    return header + creator + flood + pixels


def small(name: str, content: bytes) -> Member:
    return Member(name, content)
