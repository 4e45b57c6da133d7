"""File bookkeeping for writes that span the database and private storage, in one place.

A write records each storage name before it writes (`written_files`); if its transaction fails the
files go, unless the failure leaves it unknown whether the transaction committed (a connection lost
during COMMIT may have kept the rows: those files stay for the stray sweep, which removes only files
no row points to). Files a write replaces or retention removes go only once the transaction commits
(`delete_on_commit`). A file that cannot be removed is logged and left to `sweep_stray_uploads`.
"""

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import partial

from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError, transaction

logger = logging.getLogger(__name__)


def delete_files(names: Iterable[str], *, what: str) -> None:
    """Remove these files now; `what` names them in the log ("a preview file")."""
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.exception("Could not remove %s; the stray-file sweep will", what)


def delete_on_commit(names: Iterable[str], *, what: str) -> None:
    """Remove these files once the current transaction commits; never if it rolls back."""
    transaction.on_commit(partial(delete_files, list(names), what=what))


@contextmanager
def written_files(*, what: str, keep_if_commit_unknown: bool = False) -> Iterator[list[str]]:
    """Collect the storage names a write makes; remove them if the block fails.

    With `keep_if_commit_unknown`, a lost database connection leaves them for the stray sweep: the
    rows may have been kept, and a kept row must never lose its file.
    """
    written: list[str] = []
    try:
        yield written
    except BaseException as error:
        if keep_if_commit_unknown and isinstance(error, OperationalError | InterfaceError):
            logger.warning("Database connection lost while saving; files left for the stray sweep")
        else:
            delete_files(written, what=what)
        raise
