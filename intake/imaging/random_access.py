"""A read-only file of known size that can be read at any position, whatever holds its bytes: a
stretch of another file (`slices.Window`), a bucket object read by HTTP ranges (`uploads.storage`),
a staged upload's parts (`uploads.staging.PartsFile`). Each says how to fill a buffer from
`self._position` (`readinto`); the position bookkeeping that `zipfile`, pydicom and
`io.BufferedReader` rely on is here once."""

import io


class RandomAccess(io.RawIOBase):
    def __init__(self, size: int) -> None:
        super().__init__()
        self._size = size
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Past the end is allowed, as in a real file (reads there give nothing); before the start
        stops at 0."""
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = max(0, base + offset)
        return self._position
