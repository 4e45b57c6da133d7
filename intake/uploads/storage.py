"""Private storage for patients' files: local disk for one machine, an S3-compatible bucket for many.

settings.STORAGES["default"] picks one from the STORAGE_BACKEND environment variable. Both refuse to
give a URL: staff reach files only through the permission-checked download view, which streams the
file or (S3, if configured) redirects to a short-lived signed URL it asks for explicitly.

Every patient's byte is written with `save_verified`: what landed in storage must be exactly what
was sent, and on any difference nothing is kept and `NotSaved` is raised (the site answers 503 "not
saved, send again"). A full disk must never keep a short file silently. How each backend proves it,
without hashing the same bytes twice (docs/security.md §8):
- local disk, a temporary file on the storage's own filesystem (the default: `receiving_folder` is
  PRIVATE_STORAGE_ROOT/incoming): its bytes were hashed as they were written, so it is fsynced, its
  size checked and it is hard-linked into place: no byte is copied, so none can change, and the
  streamed hash is the kept file's hash;
- local disk, anything else (a temporary folder on another filesystem): copied, then read back once;
- a bucket: one PUT is hashed once, by boto3 as it sends it, and the store refuses other bytes; a
  multipart upload is also hashed here as it is sent. Either way the checksum S3 keeps is compared
  with the expected SHA-256 (a HEAD, nothing downloaded).
A finished tus upload is attached with `join`: a hard link on local disk, a server-side (multipart)
copy on a bucket; neither moves a byte through this process.
"""

import base64
import errno
import hashlib
import io
import logging
import math
import os
import tempfile
from pathlib import Path

from boto3.exceptions import S3UploadFailedError
from botocore.exceptions import ClientError
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.utils._os import safe_makedirs
from django.utils.http import content_disposition_header
from s3transfer.utils import ChunksizeAdjuster
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from intake.imaging.random_access import RandomAccess

logger = logging.getLogger(__name__)

NO_URL = "Private files are not accessible via a URL; use the staff download view."
READ_PIECE = 1024 * 1024
# S3's answers when the bytes it received are not the ones the client's checksum describes.
S3_DIGEST_ERRORS = {"BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch"}
# os.link's answers when this filesystem (or this mount) cannot link: the file is copied instead.
CANNOT_LINK = {errno.EXDEV, errno.EPERM, errno.EMLINK, errno.EOPNOTSUPP, errno.ENOTSUP}
# S3's multipart limits: every part but the last at least 5 MiB, at most 5 GiB, at most 10,000 parts.
S3_MIN_PART = 5 * 1024**2
S3_COPY_PART = 1024**3
S3_MAX_PARTS = 10_000


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


def receiving_folder() -> Path:
    """Where uploads are received before they are kept: FILE_UPLOAD_TEMP_DIR if set; otherwise local
    storage's own `incoming/` folder (so keeping a file is a link, not a copy), or the system's
    temporary folder for a bucket. Not Django's own default for the setting: its system check
    wants the folder to exist before any command runs, and this one is made on first use."""
    if settings.FILE_UPLOAD_TEMP_DIR:
        return Path(settings.FILE_UPLOAD_TEMP_DIR)
    location = getattr(default_storage, "location", None)
    return Path(location, "incoming") if location else Path(tempfile.gettempdir())


def temporary_folder() -> str:
    """`receiving_folder()`, made if missing (mode 0700)."""
    folder = receiving_folder()
    safe_makedirs(folder, settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS or 0o700, exist_ok=True)
    return str(folder)


class ReceivedFile(TemporaryUploadedFile):
    """Django's temporary upload, in `receiving_folder()`."""

    def __init__(self, name, content_type, size, charset, content_type_extra=None):
        file = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed (and removed) with the upload
            suffix=".upload" + os.path.splitext(name)[1], dir=temporary_folder()
        )
        UploadedFile.__init__(self, file, name, content_type, size, charset, content_type_extra)


def sha256_of(path: str | Path) -> str:
    """One read of a local file. Only for the rare case of a file that could not be linked."""
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        while piece := source.read(READ_PIECE):
            digest.update(piece)
    return digest.hexdigest()


def fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


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
        # folder on the root disk, storage on a mounted volume) that copies with os.write and ignores
        # how many bytes each call wrote, so on a full disk the last piece lands short and no error
        # is raised. Without the path Django streams the file through a Python file object instead,
        # whose writes write every byte or raise (ENOSPC). save_verified links files on the same
        # filesystem itself and comes here only to copy.
        if hasattr(content, "temporary_file_path"):
            source = Path(content.temporary_file_path())
            if _device(source) != _device(Path(self.path(name))):
                content = File(content.file, content.name)
        return super()._save(name, content)

    def links_temporary_files(self) -> bool:
        """Whether received files land on this storage's filesystem, so that keeping one is a link
        and its SHA-256 is needed only once, for the row (not to check a copy)."""
        return _device(Path(temporary_folder())) == _device(Path(self.location))

    def save_verified(
        self, name: str, content: File, *, size: int, sha256: str | None, durable: bool = True
    ) -> str:
        """Keep `content` as `name` (a fresh name) only if exactly `size` bytes with SHA-256 `sha256`
        landed; otherwise remove what landed and raise NotSaved. A failed write (a full disk) leaves
        nothing either.

        A temporary file on this filesystem is linked (`_link`): `sha256` is the hash its bytes were
        given as they were written, and may be None when no row needs it (a tus part). Anything else
        is copied and read back once, since a copy is where bytes can go missing. `durable=False`
        skips the fsync, for a tus part: it is read again, hashed and fsynced as part of the whole
        file when the upload completes, and a part lost to a crash shows there as a short file."""
        path = Path(self.path(name))
        if path.exists():  # the clean-up below must never remove another file of that name
            raise FileExistsError(f"{name} is taken")
        if hasattr(content, "temporary_file_path"):
            try:
                saved = self._link(content.file, path, name, size=size, durable=durable)
            except OSError as error:
                if error.errno not in CANNOT_LINK:
                    raise
            else:
                # A move that never replaces a file: the temporary name goes at once.
                Path(content.temporary_file_path()).unlink(missing_ok=True)
                return saved
            if sha256 is None:  # hash what arrived before it is copied
                sha256 = sha256_of(content.temporary_file_path())
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

    def _link(self, source, path: Path, name: str, *, size: int, durable: bool = True) -> str:
        """Give the open file `source` the name `path` without copying a byte.

        fsync first: a filesystem may report a full disk only when it writes the cached pages
        (delayed allocation, network filesystems), and the row that names the file commits next.
        Then the size the filesystem holds must be the size received. The bytes themselves cannot
        differ from those hashed as they arrived: the link is the same inode, nothing was rewritten.
        A link never replaces an existing name (EEXIST), and on a full disk fails whole (ENOSPC)."""
        source.flush()
        if durable:
            os.fsync(source.fileno())
        landed = os.fstat(source.fileno()).st_size
        if landed != size:
            raise _not_saved(sent=size, landed=landed)
        safe_makedirs(path.parent, self.directory_permissions_mode or 0o700, exist_ok=True)
        os.link(source.name, path)
        try:
            os.chmod(path, self.file_permissions_mode or 0o600)
            if durable:
                fsync_folder(path.parent)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return name

    def join(self, sources: list[str], name: str, *, size: int) -> str | None:
        """Keep the files `sources`, one after the other, as `name` without reading them, or return
        None (the caller copies). One file of `size` bytes is linked; the staged name goes after
        the request commits, and a rollback removes only the new name."""
        if len(sources) != 1:
            return None
        path = Path(self.path(name))
        if path.exists():
            raise FileExistsError(f"{name} is taken")
        with open(self.path(sources[0]), "rb") as source:
            return self._link(source, path, name, size=size)


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

    def links_temporary_files(self) -> bool:
        return False

    def save_verified(
        self, name: str, content: File, *, size: int, sha256: str | None, durable: bool = True
    ) -> str:
        """Save `content` as `name` (always durable: the store answers a PUT once it has kept it);
        then compare the object's size and SHA-256 checksum (from a HEAD: nothing is downloaded)
        with `size`/`sha256`. On a difference remove the object and raise NotSaved. A failed
        upload leaves nothing: an object appears only when its PUT, or its whole multipart upload,
        succeeds.

        One PUT (below boto3's multipart threshold) is hashed once, by boto3 as it sends it; the
        store refuses bytes that do not match and reports that checksum, compared here with
        `sha256`. `sha256` may be None (a tus part: the whole file is hashed at completion): the
        store's check of what boto3 read from the received file is then the proof. A multipart
        upload is also hashed here as it is sent (one SHA-256 per part: the pieces of S3's
        composite checksum)."""
        if size < self.transfer_config.multipart_threshold:
            return self._put(name, content, size=size, sha256=sha256)
        part_size = ChunksizeAdjuster().adjust_chunksize(self.transfer_config.multipart_chunksize)
        sent = _Hashing(content, part_size=part_size)
        saved = self._upload(name, File(sent, name=name), size=size)
        head = self._head(saved)
        # A multipart object's checksum is composite, reported as "<checksum>-<parts>"; its ETag
        # ends in "-<parts>" too (moto's HEAD leaves the suffix off the checksum, not the ETag).
        reported, _, reported_parts = (head.get("ChecksumSHA256") or "").partition("-")
        reported_parts = reported_parts or head.get("ETag", "").strip('"').partition("-")[2]
        if not reported:  # a store that keeps no checksums: read what landed back once instead
            reported, reported_parts = self._read_back(saved), ""
        expected, parts = sent.s3_checksum(composite=bool(reported_parts))
        if (
            sent.size != size
            or sent.sha256.hexdigest() != (sha256 or sent.sha256.hexdigest())
            or head["ContentLength"] != size
            or reported != expected
            or reported_parts not in ("", str(parts))
        ):
            self.delete(saved)
            raise _not_saved(sent=size, landed=head["ContentLength"])
        return saved

    def _put(self, name: str, content: File, *, size: int, sha256: str | None) -> str:
        saved = self._upload(name, content, size=size)
        head = self._head(saved)
        reported = head.get("ChecksumSHA256")
        if reported is None:  # a store that keeps no checksums: read what landed back once
            reported = self._read_back(saved)
            if sha256 is None and hasattr(content, "temporary_file_path"):
                sha256 = sha256_of(content.temporary_file_path())
        expected = base64.b64encode(bytes.fromhex(sha256)).decode() if sha256 else reported
        if head["ContentLength"] != size or reported != expected:
            self.delete(saved)
            raise _not_saved(sent=size, landed=head["ContentLength"])
        return saved

    def _upload(self, name: str, content: File, *, size: int) -> str:
        try:
            return self.save(name, content)
        except (ClientError, S3UploadFailedError) as error:
            code = error.response["Error"]["Code"] if isinstance(error, ClientError) else ""
            if code in S3_DIGEST_ERRORS or any(c in str(error) for c in S3_DIGEST_ERRORS):
                raise _not_saved(sent=size, landed=None) from error
            raise

    def _head(self, name: str) -> dict:
        return self.connection.meta.client.head_object(
            Bucket=self.bucket_name, Key=self._key(name), ChecksumMode="ENABLED"
        )

    def _key(self, name: str) -> str:
        return self._normalize_name(clean_name(name))

    def join(self, sources: list[str], name: str, *, size: int) -> str | None:
        """Keep the objects `sources`, one after the other, as `name` by a server-side multipart
        copy (UploadPartCopy): no byte passes through this process. None when S3's part limits do
        not allow it (a source under 5 MiB before the last): the caller streams the bytes instead.
        Checked by the object's size: the store copies its own verified objects."""
        client = self.connection.meta.client
        sizes = [
            client.head_object(Bucket=self.bucket_name, Key=self._key(s))["ContentLength"]
            for s in sources
        ]
        ranges = [
            r
            for source, length in zip(sources, sizes, strict=True)
            for r in _copy_ranges(source, length)
        ]
        if sum(sizes) != size or len(ranges) > S3_MAX_PARTS:
            return None
        if any(last - first + 1 < S3_MIN_PART for _, first, last in ranges[:-1]):
            return None
        name = self.get_available_name(name)
        key = self._key(name)
        params = self._get_write_parameters(name)
        params.pop("ChecksumAlgorithm", None)  # the parts are copies, not bytes sent
        upload_id = client.create_multipart_upload(Bucket=self.bucket_name, Key=key, **params)[
            "UploadId"
        ]
        try:
            parts = [
                {
                    "PartNumber": number,
                    "ETag": client.upload_part_copy(
                        Bucket=self.bucket_name,
                        Key=key,
                        UploadId=upload_id,
                        PartNumber=number,
                        CopySource={"Bucket": self.bucket_name, "Key": self._key(source)},
                        CopySourceRange=f"bytes={first}-{last}",
                    )["CopyPartResult"]["ETag"],
                }
                for number, (source, first, last) in enumerate(ranges, start=1)
            ]
            client.complete_multipart_upload(
                Bucket=self.bucket_name,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            client.abort_multipart_upload(Bucket=self.bucket_name, Key=key, UploadId=upload_id)
            raise
        if self._head(name)["ContentLength"] != size:
            self.delete(name)
            raise _not_saved(sent=size, landed=None)
        return name

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


def _copy_ranges(source: str, length: int) -> list[tuple[str, int, int]]:
    """`source` cut into the fewest even byte ranges S3 copies as one part each (at most 1 GiB)."""
    count = max(1, math.ceil(length / S3_COPY_PART))
    step = math.ceil(length / count)
    return [(source, first, min(first + step, length) - 1) for first in range(0, length, step)]


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


class _S3Range(RandomAccess):
    """An object in the bucket as a seekable file that fetches only the bytes read (HTTP ranges),
    so reading one ZIP member of a 1 GB CD costs that member, not the CD."""

    def __init__(self, storage: "PrivateS3Storage", name: str) -> None:
        client = storage.connection.meta.client
        key = storage._normalize_name(clean_name(name))
        try:
            size = client.head_object(Bucket=storage.bucket_name, Key=key)["ContentLength"]
        except ClientError as error:
            if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                raise FileNotFoundError(name) from error
            raise
        super().__init__(size)
        self._client = client
        self._bucket = storage.bucket_name
        self._key = key
        self.name = ""  # never a path anyone should reopen

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
