"""A database outage or a full disk gives the patient a 503 that says to send again, and keeps nothing."""

import errno
import socket
from http import HTTPStatus

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.exceptions import SessionInterrupted
from django.db import OperationalError, connection
from django.test import Client

from backcare.views import bad_request
from intake.models import ReviewRequest, Upload
from intake.uploads.storage import PrivateFileSystemStorage
from tests.factories import mr_small_bytes
from tests.intake_support import intake_settings, post_request  # noqa: F401 - fixture

SEND_AGAIN = "it was not saved: please wait a minute and send it again"


@pytest.fixture
def client_no_raise():
    """A browser's view: the error page Django's handler500 renders, not the raised exception."""
    return Client(raise_request_exception=False)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_form_sent_while_the_database_is_down_gets_a_503_to_send_again(
    client_no_raise,
    django_db_blocker,
    monkeypatch,
    intake_settings,  # noqa: F811
):
    with django_db_blocker.unblock():
        connection.close()
        monkeypatch.setitem(connection.settings_dict, "PORT", str(closed_port()))
        try:
            response = post_request(client_no_raise, files=[("scan.dcm", mr_small_bytes())])
        finally:
            connection.close()
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Retry-After"]
    assert SEND_AGAIN in response.text


def full_disk_save(self, *args, **kwargs):
    """What the disk says when it is full (the real tmpfs cases are in test_resilience.py and
    test_intake_storage_full.py)."""
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.django_db(transaction=True)
def test_a_full_disk_gets_a_503_to_send_again_and_keeps_no_row(
    client_no_raise,
    monkeypatch,
    private_storage,
    intake_settings,  # noqa: F811
):
    # A received file is linked into place (same filesystem) or copied (another one): both fail.
    monkeypatch.setattr(PrivateFileSystemStorage, "_save", full_disk_save)
    monkeypatch.setattr(PrivateFileSystemStorage, "_link", full_disk_save)
    response = post_request(client_no_raise, files=[("scan.dcm", mr_small_bytes())])
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert SEND_AGAIN in response.text
    assert not ReviewRequest.objects.exists()
    assert not Upload.objects.exists()


def _session_interrupted_by(cause: Exception) -> SessionInterrupted:
    """The chain SessionMiddleware raises when the session store cannot save: its own UpdateError,
    raised while handling the store's error."""
    try:
        try:
            try:
                raise cause
            except type(cause):
                raise UpdateError from None
        except UpdateError:
            raise SessionInterrupted("The session could not be saved.")  # noqa: B904
    except SessionInterrupted as interrupted:
        return interrupted


def test_a_session_lost_to_a_database_outage_gets_the_send_again_page_not_a_bad_request(rf):
    response = bad_request(
        rf.get("/mri-review/"), _session_interrupted_by(OperationalError("gone"))
    )
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert "send it again" in response.content.decode()


def test_a_bad_request_for_any_other_reason_stays_a_bad_request(rf):
    response = bad_request(rf.get("/mri-review/"), _session_interrupted_by(ValueError("other")))
    assert response.status_code == HTTPStatus.BAD_REQUEST
