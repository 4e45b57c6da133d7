"""Reading a file whose lengths come from its own bytes, without believing them.

A DICOM element, a PDF or a ZIP member says how long it is, and a parser that believes it asks for a
gigabyte in one `read`. `BoundedReader` hands out at most `limit` bytes in all and refuses, before
reading, any read that would pass it, so no claimed length is ever allocated. Seeking passes through:
a value skipped by seeking (pydicom's `defer_size`) costs no memory (a ZIP member still inflates on the
way, in small pieces, and every byte is charged to the archive's budget).
"""

import io
from typing import BinaryIO


class ReadLimitExceeded(Exception):
    """The file asked us to hold more than the reader's limit.

    Parsers may wrap it in an error of their own (pydicom turns it into OSError inside a sequence),
    so callers check `BoundedReader.exceeded` rather than catch it.
    """


class BoundedReader(io.RawIOBase):
    def __init__(self, raw: BinaryIO, limit: int):
        super().__init__()
        self._raw = raw
        self._limit = limit
        self.given = 0  # bytes handed out so far
        self.exceeded = False
        # pydicom reopens a file by its name to load a deferred value; never let it.
        self.name = ""

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        room = self._limit - self.given
        if size is None or size < 0:
            data = self._raw.read(room + 1)  # the rest, if it fits
            if len(data) > room:
                self._refuse()
        elif size > room:
            self._refuse()
        else:
            data = self._raw.read(size)
        self.given += len(data)
        return data

    @property
    def room(self) -> int:
        """Bytes that may still be read."""
        return max(0, self._limit - self.given)

    def _refuse(self):
        self.exceeded = True
        raise ReadLimitExceeded(self._limit)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def tell(self) -> int:
        return self._raw.tell()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def close(self) -> None:
        # The caller owns the underlying file (an upload, a ZIP member) and closes it.
        super().close()
