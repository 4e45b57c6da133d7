"""Streaming limits and hashing for the MRI review form's multipart uploads.

Django parses the body as it arrives. The first handler in the chain counts files and bytes: a file
that passes the per-file limit, the request's total, or the file count is skipped the moment it does
(its bytes are read and dropped, never written), and the rest of the form still parses. The form then
names each skipped file and why, so the patient gets a clear message instead of a crash. The second
writes each file to a temporary file and hashes it on the way (SHA-256), so no file is read back to
hash it: on local disk it is then linked into private storage as it is (`intake.uploads.storage`).
"""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from django.core.files.uploadhandler import FileUploadHandler, SkipFile, TemporaryFileUploadHandler
from django.http import HttpRequest
from django.utils.translation import gettext

from intake import rules
from intake.uploads.storage import ReceivedFile


@dataclass(frozen=True)
class SkippedFile:
    name: str
    reason: str  # "file_size" | "request_size" | "count"


# How much of a request body is read at a time, by the form's parser (its handlers' chunk_size) and
# by tus. 1 MiB is gunicorn's largest recv() for a body: its reader reads ahead up to that and, on
# every smaller read, copies what it read ahead into a new buffer, so 64 KiB reads copied each byte
# about 16 times (profiled with py-spy: a third of a tus chunk's time; the 500 MB form 2.1 -> 1.6 s
# in one bench run each, bench/README.md). Memory stays a piece per handler.
BODY_PIECE = 1024 * 1024


class IntakeLimitsUploadHandler(FileUploadHandler):
    chunk_size = BODY_PIECE

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.skipped: list[SkippedFile] = []
        self.file_count = 0
        self.total_size = 0
        self.current_size = 0

    def new_file(self, field_name, file_name, *args, **kwargs) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        self.current_size = 0
        self.file_count += 1

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        # Skipping happens here, not in new_file: Django closes every handler's current file on a
        # skip, and before new_file has run for the next handlers that is the previous, finished file.
        if self.file_count > rules.max_files():
            self._skip("count")
        self.current_size += len(raw_data)
        self.total_size += len(raw_data)
        if self.current_size > rules.max_file_size():
            self._skip("file_size")
        if self.total_size > rules.max_request_size():
            self._skip("request_size")
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler builds the file

    def _skip(self, reason: str) -> None:
        self.total_size -= self.current_size  # a skipped file's bytes are not kept
        self.skipped.append(SkippedFile(rules.clean_file_name(self.file_name), reason))
        raise SkipFile


class HashingTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's stream-to-disk handler, hashing each piece as it writes it: the finished file has
    `sha256`, the hash of exactly the bytes written to it. It is received in private storage's own
    folder by default (`intake.uploads.storage.receiving_folder`)."""

    chunk_size = BODY_PIECE

    def new_file(self, *args, **kwargs) -> None:
        FileUploadHandler.new_file(self, *args, **kwargs)
        self.file = ReceivedFile(
            self.file_name, self.content_type, 0, self.charset, self.content_type_extra
        )
        self.sha256 = hashlib.sha256()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        with self._removed_on_error():
            self.file.write(raw_data)
        self.sha256.update(raw_data)

    def file_complete(self, file_size: int):
        with self._removed_on_error():  # its seek writes out the buffer's last bytes
            uploaded = super().file_complete(file_size)
        uploaded.sha256 = self.sha256.hexdigest()
        return uploaded

    @contextmanager
    def _removed_on_error(self) -> Iterator[None]:
        """A full disk: the partial file goes now, not whenever it is garbage-collected."""
        try:
            yield
        except OSError:
            with suppress(OSError):  # closing flushes the buffer and fails the same way
                self.file.close()
            raise


def install_intake_upload_handlers(request: HttpRequest) -> IntakeLimitsUploadHandler:
    """Limits first, then straight to a temporary file on disk: no upload is ever held in memory
    (Django's default keeps each file under 2.5 MB in memory, and a CD is hundreds of them)."""
    limits = IntakeLimitsUploadHandler(request)
    request.upload_handlers = [limits, HashingTemporaryFileUploadHandler(request)]
    return limits


# Why a skipped file was not accepted, in the patient's words: the form and tus both say it so.
def size_text(size: int) -> str:
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} bytes"


SKIP_REASONS = {
    "file_size": lambda: (
        gettext("it is bigger than the %(size)s limit for one file")
        % {"size": size_text(rules.max_file_size())}
    ),
    "request_size": lambda: (
        gettext("your files add up to more than the %(size)s limit")
        % {"size": size_text(rules.max_request_size())}
    ),
    "count": lambda: (
        gettext("you can send at most %(count)s files at once") % {"count": rules.max_files()}
    ),
}
