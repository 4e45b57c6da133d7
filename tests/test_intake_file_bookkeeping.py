"""The one helper that keeps storage in step with the database (intake.files)."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, OperationalError, transaction

from intake.files import delete_on_commit, written_files


def write(name: str) -> str:
    return default_storage.save(name, ContentFile(b"bytes"))


def write_then_fail(names: list[str], error: type[Exception], **options) -> None:
    with written_files(what="a test file", **options) as written:
        written.append(write("uploads/a.bin"))
        names.extend(written)
        raise error


def test_files_of_a_failed_write_are_removed():
    names: list[str] = []
    with pytest.raises(IntegrityError):
        write_then_fail(names, IntegrityError, keep_if_commit_unknown=True)
    assert names
    assert not default_storage.exists(names[0])


def test_files_stay_when_it_is_unknown_whether_the_transaction_committed():
    names: list[str] = []
    with pytest.raises(OperationalError):
        write_then_fail(names, OperationalError, keep_if_commit_unknown=True)
    assert default_storage.exists(names[0])


def test_without_that_care_a_lost_connection_removes_them_too():
    names: list[str] = []
    with pytest.raises(OperationalError):
        write_then_fail(names, OperationalError)
    assert not default_storage.exists(names[0])


def test_files_of_a_write_that_succeeds_stay():
    with written_files(what="a test file") as written:
        written.append(write("uploads/c.bin"))
    assert default_storage.exists(written[0])


def delete_then_roll_back(name: str) -> None:
    with transaction.atomic():
        delete_on_commit([name], what="a test file")
        raise RuntimeError


@pytest.mark.django_db(transaction=True)
def test_replaced_files_go_only_once_the_transaction_commits():
    kept, replaced = write("uploads/kept.bin"), write("uploads/replaced.bin")
    with pytest.raises(RuntimeError):
        delete_then_roll_back(kept)
    with transaction.atomic():
        delete_on_commit([replaced], what="a test file")
        assert default_storage.exists(replaced)
    assert default_storage.exists(kept)
    assert not default_storage.exists(replaced)
