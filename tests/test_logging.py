"""What the console log shows: a refused request is one line, a fault keeps its traceback."""

import io
import logging
from http import HTTPStatus

import pytest

from tests.triage_support import otp_login, staff_user


@pytest.fixture
def console_log():
    """The text the configured console handler writes (its own filters and formatter)."""
    handler = next(h for h in logging.getLogger("django").handlers if h.name == "console")
    written = io.StringIO()
    previous = handler.setStream(written)
    yield written
    handler.setStream(previous)


@pytest.mark.django_db
def test_a_403_is_logged_as_one_line_without_a_traceback(client, console_log):
    otp_login(client, staff_user())  # staff, second factor passed, but no permission to download
    console_log.seek(0)  # only what the request writes
    console_log.truncate()
    response = client.get("/mri-review/files/1/")
    assert response.status_code == HTTPStatus.FORBIDDEN
    lines = console_log.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert "WARNING django.request Forbidden (Permission denied): /mri-review/files/1/" in lines[0]


def test_an_error_of_our_own_keeps_its_traceback(console_log):
    try:
        raise RuntimeError("a fault in our code")
    except RuntimeError as error:
        logging.getLogger("django.request").error(
            "Internal Server Error: /x", exc_info=error, extra={"status_code": 500}
        )
    assert "Traceback" in console_log.getvalue()
    assert "RuntimeError: a fault in our code" in console_log.getvalue()
