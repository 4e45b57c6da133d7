"""A file's kind from its bytes, by `intake.rules.sniff` (the one definition of the signatures)."""

from typing import BinaryIO

from intake.rules import SNIFF_BYTES, FileKind, sniff


def sniff_head(head: bytes) -> FileKind | None:
    return sniff(head)


def sniff_file(fileobj: BinaryIO) -> FileKind | None:
    """Sniff from the current position and put the position back."""
    start = fileobj.tell()
    head = fileobj.read(SNIFF_BYTES)
    fileobj.seek(start)
    return sniff(head)
