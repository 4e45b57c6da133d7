"""Quotas on resumable-upload staging (per session, per client address, in total), and sessions that
start only with an upload or a post, never with a look at the form."""

import base64
import datetime
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.utils import timezone
from tusclient.client import TusClient

from intake.models import ReviewRequest, StagedUpload
from tests.factories import mr_small_bytes
from tests.intake_support import intake_settings, post_request  # noqa: F401
from tests.serving import Patient
from tests.tus_support import TUS, uploader

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("intake_settings")]

UPLOADS = "/mri-review/uploads/"
SESSION_COOKIE = django_settings.SESSION_COOKIE_NAME


def create(client: Client, length: int, name: str = "IM0001.dcm", **extra):
    """A tus creation (nothing sent but the headers), as Uppy's first request for a file."""
    metadata = "filename " + base64.b64encode(name.encode()).decode()
    return client.post(
        UPLOADS,
        headers={**TUS, "Upload-Length": str(length), "Upload-Metadata": metadata},
        **extra,
    )


def stranger(address: str = "198.51.100.7") -> Client:
    """A client with no cookie, as a script that never keeps one."""
    return Client(REMOTE_ADDR=address)


def session_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_session")
        return cursor.fetchone()[0]


# --- Sessions -------------------------------------------------------------------------------------


def test_looking_at_the_form_writes_no_session_and_sets_no_session_cookie(client):
    response = client.get("/mri-review/")
    assert response.status_code == HTTPStatus.OK
    assert SESSION_COOKIE not in response.cookies
    assert session_rows() == 0


def test_the_dashboard_starts_one_session_with_the_forms_csrf_token():
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/mri-review/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    assert 'data-session-url="/mri-review/upload-session/"' in page

    assert browser.post("/mri-review/upload-session/").status_code == HTTPStatus.FORBIDDEN
    assert session_rows() == 0
    started = browser.post("/mri-review/upload-session/", headers={"X-CSRFToken": token})
    assert started.status_code == HTTPStatus.NO_CONTENT
    assert SESSION_COOKIE in started.cookies
    assert session_rows() == 1

    # The uploads that follow (several at once, in the browser) all join that one session.
    for number in range(3):
        assert create(browser, 1000, f"IM{number}.dcm").status_code == HTTPStatus.CREATED
    assert session_rows() == 1
    assert StagedUpload.objects.values("owner").distinct().count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_tus_client_with_the_dashboards_session_uploads_over_http(live_server):
    patient = Patient(live_server.url)
    assert patient.start_upload_session() == HTTPStatus.NO_CONTENT
    cookies = "; ".join(f"{k}={v}" for k, v in patient.cookies.items())
    client = TusClient(f"{live_server.url}{UPLOADS}", headers={"Cookie": cookies})
    content = mr_small_bytes()
    uploader(client, "MR_small.dcm", content).upload()
    staged = StagedUpload.objects.get()
    assert staged.offset == len(content)
    assert session_rows() == 1


def test_a_tus_creation_with_no_cookie_still_starts_its_own_session():
    response = create(stranger(), 1000)
    assert response.status_code == HTTPStatus.CREATED
    assert SESSION_COOKIE in response.cookies
    assert session_rows() == 1


def test_the_form_post_still_works_and_starts_the_session_for_its_confirmation(client):
    response = post_request(client, follow=True)
    assert response.redirect_chain == [("/mri-review/thanks/", HTTPStatus.FOUND)]
    assert ReviewRequest.objects.count() == 1
    assert session_rows() == 1


def test_make_nightly_runs_clearsessions_with_the_other_clean_ups():
    dry_run = subprocess.run(
        ["make", "-n", "nightly"],
        cwd=Path(django_settings.BASE_DIR),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for command in ("sweep_stray_uploads", "purge_expired_uploads", "clearsessions"):
        assert f"manage.py {command}" in dry_run


# --- Per client address ---------------------------------------------------------------------------


def test_new_uploads_from_one_address_are_bounded_across_new_sessions(settings):
    settings.INTAKE_STAGING_MAX_CREATIONS_PER_ADDRESS = 5
    for _ in range(5):
        assert create(stranger(), 1000).status_code == HTTPStatus.CREATED
    assert StagedUpload.objects.values("owner").distinct().count() == 5  # five sessions

    refused = create(stranger(), 1000, "scan.dcm")
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert refused["Retry-After"] == "3600"
    assert refused.content.decode() == (
        "“scan.dcm” was not uploaded: we accept at most 5 new files an hour from one internet "
        "connection. Please try again in an hour."
    )
    assert SESSION_COOKIE not in refused.cookies
    assert StagedUpload.objects.count() == 5
    # The session endpoint counts too, so it cannot write session rows for the same script.
    again = stranger().post("/mri-review/upload-session/")
    assert again.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert session_rows() == 5

    assert create(stranger("203.0.113.20"), 1000).status_code == HTTPStatus.CREATED


def test_declared_bytes_from_one_address_are_bounded_across_sessions_until_they_leave_staging(
    settings,
):
    settings.INTAKE_STAGING_MAX_BYTES_PER_ADDRESS = 5 * 1024**2
    # Declared lengths count at once: nothing has to arrive for a creation to hold its room.
    assert create(stranger(), 2 * 1024**2).status_code == HTTPStatus.CREATED
    assert create(stranger(), 2 * 1024**2).status_code == HTTPStatus.CREATED

    refused = create(stranger(), 2 * 1024**2, "scan.dcm")
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert refused.content.decode().startswith(
        "“scan.dcm” was not uploaded: the files uploaded from your internet connection and not "
        "yet sent with a form already add up to 5 MB, the most we hold for one connection."
    )
    assert StagedUpload.objects.count() == 2
    assert create(stranger("203.0.113.20"), 2 * 1024**2).status_code == HTTPStatus.CREATED

    # An upload that expired no longer holds the address's room.
    StagedUpload.objects.filter(pk=StagedUpload.objects.first().pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert create(stranger(), 2 * 1024**2).status_code == HTTPStatus.CREATED


def test_behind_the_proxy_the_address_is_the_last_forwarded_one(settings):
    settings.BEHIND_PROXY = True
    settings.INTAKE_STAGING_MAX_CREATIONS_PER_ADDRESS = 1
    proxy = "10.0.0.2"  # every request reaches the app from the proxy

    def via_proxy(forwarded: str):
        return create(stranger(proxy), 1000, HTTP_X_FORWARDED_FOR=forwarded)

    assert via_proxy("203.0.113.1").status_code == HTTPStatus.CREATED
    assert via_proxy("203.0.113.2").status_code == HTTPStatus.CREATED  # another patient
    # A client's own X-Forwarded-For entries come first and are ignored: the proxy appends the real one.
    assert via_proxy("192.0.2.99, 203.0.113.1").status_code == HTTPStatus.TOO_MANY_REQUESTS


# --- Per session ----------------------------------------------------------------------------------


def test_declared_bytes_per_session_are_bounded_by_the_forms_total(client, settings):
    settings.INTAKE_MAX_REQUEST_SIZE = 3 * 1024**2
    assert create(client, 2 * 1024**2).status_code == HTTPStatus.CREATED
    refused = create(client, 2 * 1024**2, "scan.dcm")
    assert refused.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert refused.content.decode() == (
        "“scan.dcm” was not accepted: your files add up to more than the 3 MB limit."
    )
    # Another session from the same address has its own room.
    assert create(stranger("127.0.0.1"), 2 * 1024**2).status_code == HTTPStatus.CREATED


# --- The whole staging area -----------------------------------------------------------------------


def test_new_uploads_are_refused_in_plain_words_when_the_staging_area_is_full(settings, caplog):
    settings.INTAKE_STAGING_MAX_TOTAL_BYTES = 5 * 1024**2
    assert create(stranger("203.0.113.1"), 2 * 1024**2).status_code == HTTPStatus.CREATED
    assert create(stranger("203.0.113.2"), 2 * 1024**2).status_code == HTTPStatus.CREATED

    refused = create(stranger("203.0.113.3"), 2 * 1024**2, "scan.dcm")
    assert refused.status_code == HTTPStatus.INSUFFICIENT_STORAGE
    assert refused.content.decode() == (
        "“scan.dcm” was not uploaded: our upload area is full just now. Please try again in a few "
        "hours, or send the form and choose “I will send a CD or films to the clinic”."
    )
    assert "Staging area full" in caplog.text
    assert StagedUpload.objects.count() == 2

    # An expired upload still on disk counts with the bytes it received, until the purge.
    first = StagedUpload.objects.first()
    StagedUpload.objects.filter(pk=first.pk).update(
        offset=1024**2, expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert (
        create(stranger("203.0.113.3"), 3 * 1024**2).status_code == HTTPStatus.INSUFFICIENT_STORAGE
    )
    assert create(stranger("203.0.113.3"), 2 * 1024**2).status_code == HTTPStatus.CREATED


@pytest.mark.django_db(transaction=True)
def test_parallel_creations_cannot_pass_the_staging_limit_together(live_server, settings):
    settings.INTAKE_STAGING_MAX_TOTAL_BYTES = 5 * 1024**2

    def create_over_http(number: int) -> int:
        return requests.post(
            f"{live_server.url}{UPLOADS}",
            headers={**TUS, "Upload-Length": str(1024**2)},
            timeout=60,
        ).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(create_over_http, range(24)))
    assert statuses.count(HTTPStatus.CREATED) == 5
    assert statuses.count(HTTPStatus.INSUFFICIENT_STORAGE) == 19
    assert StagedUpload.objects.count() == 5
