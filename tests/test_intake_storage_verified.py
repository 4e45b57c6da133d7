"""`save_verified` keeps a file only if what landed in storage is the bytes it was given, on local
disk (read back once) and on an S3 bucket (the object's size and SHA-256 checksum, no download),
for one PUT and for a multipart upload. The full-disk cases on a real filesystem are in
test_intake_storage_full.py."""

import hashlib
import io
import os

import pytest
from django.core.files import File
from django.core.files.storage import default_storage

from intake.uploads.storage import NotSaved

pytestmark = pytest.mark.every_storage

SIZES = [100_000, 9 * 1024**2 + 123]  # one PUT; past boto3's 8 MiB threshold, two parts


def as_file(content: bytes, *, seekable: bool) -> File:
    """A temporary upload can seek; the joined tus parts cannot."""
    stream = io.BytesIO(content) if seekable else io.BufferedReader(Unseekable(content))
    return File(stream, name="x")


class Unseekable(io.RawIOBase):
    def __init__(self, content: bytes) -> None:
        self._stream = io.BytesIO(content)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        return self._stream.readinto(buffer)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("seekable", [True, False])
def test_the_bytes_sent_are_kept(private_storage, size, seekable):
    content = os.urandom(size)
    saved = default_storage.save_verified(
        "uploads/kept",
        as_file(content, seekable=seekable),
        size=size,
        sha256=hashlib.sha256(content).hexdigest(),
    )
    assert private_storage.read(saved) == content


@pytest.mark.parametrize("size", SIZES)
def test_bytes_that_are_not_the_expected_ones_are_not_kept(private_storage, size):
    content = os.urandom(size)
    with pytest.raises(NotSaved):
        default_storage.save_verified(
            "uploads/other",
            as_file(content, seekable=True),
            size=size,
            sha256=hashlib.sha256(content[:-1] + bytes([content[-1] ^ 1])).hexdigest(),
        )
    assert private_storage.names() == []


def test_a_short_file_is_not_kept(private_storage):
    content = os.urandom(5000)
    with pytest.raises(NotSaved):
        default_storage.save_verified(
            "uploads/short",
            as_file(content[:4000], seekable=True),
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
        )
    assert private_storage.names() == []
