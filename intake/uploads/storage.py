"""Private storage for patients' files: local disk for one machine, an S3-compatible bucket for many.

settings.STORAGES["default"] picks one from the STORAGE_BACKEND environment variable. Both refuse to
give a URL: staff reach files only through the permission-checked download view, which streams the
file or (S3, if configured) redirects to a short-lived signed URL it asks for explicitly.

Every patient's byte is written with `save_verified`: the size and SHA-256 of what landed in storage
are compared with what was sent, and on any difference nothing is kept and `NotSaved` is raised (the
site answers 503 "not saved, send again"). A full disk must never keep a short file silently.
"""

import base64
import errno
import hashlib
import io
import logging
from pathlib import Path

from boto3.exceptions import S3UploadFailedError
from botocore.exceptions import ClientError
from django.core.exceptions import ImproperlyConfigured
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.utils.http import content_disposition_header
from s3transfer.utils import ChunksizeAdjuster
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

logger = logging.getLogger(__name__)

NO_URL = "Private files are not accessible via a URL; use the staff download view."
READ_PIECE = 1024 * 1024
# S3's answers when the bytes it received are not the ones the client's checksum describes.
S3_DIGEST_ERRORS = {"BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch"}


class NotSaved(OSError):
    """Storage did not keep exactly the bytes it was given; whatever it kept has been removed.

    An I/O error (EIO), so the site's outage handling answers 503 "not saved, send again" as for a
    full disk: the cause is ours, and usually passes (space freed, the store back)."""

    def __init__(self, message: str) -> None:
        super().__init__(errno.EIO, message)


def _not_saved(*, sent: int, landed: int | None) -> NotSaved:
    # Sizes only: no file name (the storage name is random, but the log line needs neither).
    logger.error("Storage kept %s of %d bytes sent, or other bytes: removed", landed, sent)
    return NotSaved("What landed in storage is not what was sent; nothing was kept")


def _device(path: Path) -> int:
    """The filesystem a path is on, or would be on once its folders are made."""
    for folder in (path, *path.parents):
        try:
            return folder.stat().st_dev
        except FileNotFoundError:
            continue
    raise FileNotFoundError(path)


class PrivateFileSystemStorage(FileSystemStorage):
    """Uploads on local disk with no URL at all: a template or admin widget that asks for one fails
    loudly instead of printing a link. Staff reach files only through the permission-checked view."""

    def url(self, name: str | None) -> str:
        raise ValueError(NO_URL)

    def _save(self, name, content):
        # Django moves a temporary upload into place with file_move_safe. Across filesystems (the temp
        # folder on the root disk, storage on a mounted volume: the usual set-up) that copies with
        # os.write and ignores how many bytes each call wrote, so on a full disk the last piece
        # lands short and no error is raised. Without the path Django streams the file through a
        # Python file object instead, whose writes write every byte or raise (ENOSPC).
        # On the same filesystem the move is a rename: no byte is written, so none can be lost.
        if hasattr(content, "temporary_file_path"):
            source = Path(content.temporary_file_path())
            if _device(source) != _device(Path(self.path(name))):
                content = File(content.file, content.name)
        return super()._save(name, content)

    def save_verified(self, name: str, content: File, *, size: int, sha256: str) -> str:
        """Save `content` as `name` (a fresh name), then read what landed once: if its size or
        SHA-256 is not `size`/`sha256`, remove it and raise NotSaved. A failed write (a full disk)
        leaves nothing either: Django keeps the bytes written before the error, so they go here."""
        path = Path(self.path(name))
        if path.exists():  # the clean-up below must never remove another file of that name
            raise FileExistsError(f"{name} is taken")
        try:
            saved = self.save(name, content)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        landed = hashlib.sha256()
        landed_size = 0
        with open(self.path(saved), "rb") as kept:
            while piece := kept.read(READ_PIECE):
                landed.update(piece)
                landed_size += len(piece)
        if landed_size != size or landed.hexdigest() != sha256:
            self.delete(saved)
            raise _not_saved(sent=size, landed=landed_size)
        return saved


class PrivateS3Storage(S3Storage):
    """Uploads in a private bucket: private ACL, server-side encryption (SSE-S3), never overwritten,
    signature v4, no URL. Bucket, endpoint, region and the signed-URL lifetime come from settings;
    the privacy rules below cannot be loosened there."""

    PRIVACY = {
        "default_acl": "private",
        "file_overwrite": False,
        "querystring_auth": True,
        "signature_version": "s3v4",
        "custom_domain": None,
        "object_parameters": {"ServerSideEncryption": "AES256"},
    }

    def __init__(self, **options):
        loosened = sorted(k for k in self.PRIVACY if k in options and options[k] != self.PRIVACY[k])
        if loosened:
            raise ImproperlyConfigured(f"PrivateS3Storage does not allow changing {loosened}.")
        # Reading a file fetches the whole object first; past this size it goes to a temporary file
        # instead of memory (django-storages' default, 0, keeps every byte of a 1 GB CD in memory).
        options.setdefault("max_memory_size", 8 * 1024**2)
        super().__init__(**{**options, **self.PRIVACY})

    def url(self, name: str | None, *args, **kwargs) -> str:
        raise ValueError(NO_URL)

    def get_object_parameters(self, name: str) -> dict:
        # boto3 sends each PUT (or multipart part) with its SHA-256 and the store refuses bytes that
        # do not match; the object then carries a SHA-256 checksum that save_verified compares.
        return {**super().get_object_parameters(name), "ChecksumAlgorithm": "SHA256"}

    def save_verified(self, name: str, content: File, *, size: int, sha256: str) -> str:
        """Save `content` as `name`, hashed as it is sent; then compare the object's size and its
        SHA-256 checksum (from a HEAD: nothing is downloaded) with the bytes sent, and those with
        `size`/`sha256`. On a difference remove the object and raise NotSaved. A failed upload
        leaves nothing: an object appears only when its PUT, or its whole multipart upload, succeeds.
        """
        part_size = ChunksizeAdjuster().adjust_chunksize(self.transfer_config.multipart_chunksize)
        sent = _Hashing(content, part_size=part_size)
        try:
            saved = self.save(name, File(sent, name=name))
        except (ClientError, S3UploadFailedError) as error:
            code = error.response["Error"]["Code"] if isinstance(error, ClientError) else ""
            if code in S3_DIGEST_ERRORS or any(c in str(error) for c in S3_DIGEST_ERRORS):
                raise _not_saved(sent=size, landed=None) from error
            raise
        head = self.connection.meta.client.head_object(
            Bucket=self.bucket_name,
            Key=self._normalize_name(clean_name(saved)),
            ChecksumMode="ENABLED",
        )
        # A multipart object's checksum is composite, reported as "<checksum>-<parts>"; its ETag
        # ends in "-<parts>" too (moto's HEAD leaves the suffix off the checksum, not the ETag).
        reported, _, reported_parts = (head.get("ChecksumSHA256") or "").partition("-")
        reported_parts = reported_parts or head.get("ETag", "").strip('"').partition("-")[2]
        if not reported:  # a store that keeps no checksums: read what landed back once instead
            reported, reported_parts = self._read_back(saved), ""
        expected, parts = sent.s3_checksum(composite=bool(reported_parts))
        if (
            sent.size != size
            or sent.sha256.hexdigest() != sha256
            or head["ContentLength"] != size
            or reported != expected
            or reported_parts not in ("", str(parts))
        ):
            self.delete(saved)
            raise _not_saved(sent=size, landed=head["ContentLength"])
        return saved

    def _read_back(self, name: str) -> str:
        landed = hashlib.sha256()
        with self.open(name, "rb") as kept:
            while piece := kept.read(READ_PIECE):
                landed.update(piece)
        return base64.b64encode(landed.digest()).decode()

    def signed_download_url(self, name: str, *, filename: str, expire: int) -> str:
        """A GET URL valid for `expire` seconds that makes the browser save the file as `filename`."""
        parameters = {
            "ResponseContentDisposition": content_disposition_header(
                as_attachment=True, filename=filename
            ),
            "ResponseContentType": "application/octet-stream",
            "ResponseCacheControl": "no-store, private",
        }
        return super().url(name, parameters=parameters, expire=expire)


class _Hashing(io.RawIOBase):
    """`content` as boto3 reads it, each byte hashed the first time it is read, in order (a retry
    reads again from a seek back), into the whole file's SHA-256 and one SHA-256 per multipart part
    of `part_size` bytes: the pieces of the checksum S3 keeps for the object."""

    def __init__(self, content: File, *, part_size: int) -> None:
        super().__init__()
        self._content = content
        self._position = content.tell() if content.seekable() else 0
        self._part_size = part_size
        self._part = hashlib.sha256()
        self._parts: list[bytes] = []
        self.sha256 = hashlib.sha256()
        self.size = 0  # bytes hashed so far; a read that skipped some leaves a gap and a mismatch
        self._gap = False

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._content.seekable()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._position = self._content.seek(offset, whence)
        return self._position

    def tell(self) -> int:
        return self._position

    def readinto(self, buffer) -> int:
        data = self._content.read(len(buffer))
        buffer[: len(data)] = data
        start, self._position = self._position, self._position + len(data)
        if start > self.size:
            self._gap = True
        elif self._position > self.size:
            self._hash(memoryview(data)[self.size - start :])
        return len(data)

    def _hash(self, data: memoryview) -> None:
        self.sha256.update(data)
        while data:
            room = self._part_size - self.size % self._part_size
            self._part.update(data[:room])
            self.size += len(data[:room])
            if self.size % self._part_size == 0:
                self._parts.append(self._part.digest())
                self._part = hashlib.sha256()
            data = data[room:]

    def s3_checksum(self, *, composite: bool) -> tuple[str | None, int]:
        """The ChecksumSHA256 S3 keeps for these bytes, and the number of parts it covers: the
        SHA-256 itself for one PUT, or for a multipart upload the SHA-256 of the parts' SHA-256s."""
        if self._gap:
            return None, 0
        if not composite:
            return base64.b64encode(self.sha256.digest()).decode(), 1
        parts = [*self._parts, self._part.digest()] if self.size % self._part_size else self._parts
        return base64.b64encode(hashlib.sha256(b"".join(parts)).digest()).decode(), len(parts)


class _S3Range(io.RawIOBase):
    """An object in the bucket as a seekable file that fetches only the bytes read (HTTP ranges),
    so reading one ZIP member of a 1 GB CD costs that member, not the CD."""

    def __init__(self, storage: "PrivateS3Storage", name: str) -> None:
        super().__init__()
        self._client = storage.connection.meta.client
        self._bucket = storage.bucket_name
        self._key = storage._normalize_name(clean_name(name))
        try:
            self._size = self._client.head_object(Bucket=self._bucket, Key=self._key)[
                "ContentLength"
            ]
        except ClientError as error:
            if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                raise FileNotFoundError(name) from error
            raise
        self._position = 0
        self.name = ""  # never a path anyone should reopen

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, buffer) -> int:
        end = min(self._position + len(buffer), self._size)
        if end <= self._position:
            return 0
        body = self._client.get_object(
            Bucket=self._bucket, Key=self._key, Range=f"bytes={self._position}-{end - 1}"
        )["Body"]
        data = body.read()
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)


def open_ranged(storage, name: str, *, buffer_size: int = 256 * 1024) -> io.BufferedReader:
    """A stored file opened for random reading: local files directly, bucket objects by ranges
    (django-storages' own `open` fetches the whole object first)."""
    if isinstance(storage, PrivateS3Storage):
        return io.BufferedReader(_S3Range(storage, name), buffer_size=buffer_size)
    return storage.open(name, "rb")
