"""The shipped production set-up: gunicorn behind deploy/nginx/backcare.conf (TLS with a certificate
made at run time, HTTP -> HTTPS, request bodies buffered by nginx), against slow clients (issue #12),
and graded by Mozilla's HTTP Observatory scanner, offline.
"""

import base64
import http.client
import json
import os
import shutil
import subprocess
import tempfile
import time
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from django.core.management import call_command
from django.db import connection

from deploy.proxy import Nginx
from tests.factories import mr_small_bytes
from tests.serving import ROOT, Gunicorn, database_url, free_port
from tests.slow_clients import Trickle, idle_in_transaction

TRICKLES = 8
# The scanner's own script: its `mdn-http-observatory-scan` wrapper sets NODE_EXTRA_CA_CERTS to
# a Mozilla CA bundle (downloaded by an install script we do not run), overwriting ours.
OBSERVATORY = ROOT / "deploy/observatory/node_modules/@mdn/mdn-http-observatory/src/scan.js"


def serve(private_storage, tmp_path, env: dict[str, str]) -> Gunicorn:
    call_command("seed_exercises", verbosity=0)
    connection.close()
    return Gunicorn(
        database_url(connection.settings_dict["NAME"]),
        private_storage.location,
        env=env,
        log_path=tmp_path / "gunicorn.log",
    )


@pytest.fixture
def gunicorn(transactional_db, private_storage, tmp_path):
    """The production server with HTTPS on, trusting the proxy's X-Forwarded-Proto."""
    with serve(private_storage, tmp_path, {"HTTPS": "true", "BEHIND_PROXY": "true"}) as running:
        yield running


@pytest.fixture
def plain_gunicorn(transactional_db, private_storage, tmp_path):
    """`make serve`'s server: plain HTTP on 127.0.0.1, nothing in front."""
    with serve(private_storage, tmp_path, {}) as running:
        yield running


@pytest.fixture
def nginx(gunicorn):
    # Not under pytest's tmp_path: that is closed to others (0700), and nginx's workers (nobody,
    # when the tests run as root) spool request bodies in the run folder.
    run = Path(tempfile.mkdtemp(prefix="backcare-nginx-"))
    try:
        with Nginx(f"127.0.0.1:{gunicorn.port}", run, free_port(), free_port()) as proxy:
            yield proxy
    finally:
        shutil.rmtree(run, ignore_errors=True)


def browser(nginx: Nginx) -> requests.Session:
    session = requests.Session()
    # Not the environment's CA bundle (REQUESTS_CA_BUNDLE would win over `verify`): only ours.
    session.trust_env = False
    session.verify = str(nginx.certificate)
    return session


def new_upload(session: requests.Session, base_url: str, length: int) -> str:
    """A browser's first steps: the form page (for the session), then a tus creation."""
    assert session.get(f"{base_url}/mri-review/", timeout=30).status_code == HTTPStatus.OK
    name = base64.b64encode(b"MR_small.dcm").decode()
    created = session.post(
        f"{base_url}/mri-review/uploads/",
        headers={
            "Tus-Resumable": "1.0.0",
            "Upload-Length": str(length),
            "Upload-Metadata": f"filename {name}",
        },
        timeout=30,
    )
    assert created.status_code == HTTPStatus.CREATED, created.text
    return created.headers["Location"]


def trickles(session, base_url, content, *, context=None) -> list[Trickle]:
    """Eight uploads, each sending its first chunk one byte every two seconds."""
    # All created first: once the trickles hold gunicorn's threads (without nginx), nothing else
    # gets an answer, creations included.
    locations = [urlsplit(new_upload(session, base_url, len(content))) for _ in range(TRICKLES)]
    cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
    started = []
    try:
        for location in locations:
            started.append(
                Trickle(
                    location.hostname,
                    location.port,
                    location.path,
                    cookie,
                    offset=0,
                    body=content,
                    interval=2,
                    context=context,
                )
            )
    except BaseException:
        for trickle in started:
            trickle.close()
        raise
    return started


def seconds(session: requests.Session, url: str) -> float:
    started = time.monotonic()
    response = session.get(url, timeout=15)
    assert response.status_code == HTTPStatus.OK
    return time.monotonic() - started


def test_eight_trickling_uploads_leave_health_and_the_form_answering_within_a_second(nginx):
    content = mr_small_bytes()[:4096]
    patient = browser(nginx)
    for path in ("/healthz", "/mri-review/"):  # warm: the first render loads templates
        seconds(patient, nginx.base_url + path)

    slow = trickles(patient, nginx.base_url, content, context=nginx.ssl_context())
    try:
        for trickle in slow:
            trickle.wait_until_sent(1)
        times: dict[str, list[float]] = {"/healthz": [], "/mri-review/": []}
        deadline = time.monotonic() + 60
        while min(len(t) for t in times.values()) < 6:
            assert time.monotonic() < deadline
            for path, taken in times.items():
                # A new connection each time, like a new visitor or a load balancer's probe.
                with browser(nginx) as visitor:
                    taken.append(seconds(visitor, nginx.base_url + path))
            time.sleep(0.5)
        assert all(trickle.sent < len(content) - 1 for trickle in slow)  # still trickling
        for path, taken in times.items():
            assert max(taken) < 1, f"{path}: {taken}"

        # The trickles were real uploads: once their bodies are complete nginx hands each one to
        # gunicorn, which keeps it.
        assert [trickle.finish() for trickle in slow] == [HTTPStatus.NO_CONTENT] * TRICKLES
    finally:
        for trickle in slow:
            trickle.close()


def test_without_nginx_a_trickle_holds_no_database_transaction(plain_gunicorn):
    """gunicorn's threads wait on the trickles (that is nginx's job to prevent), but none of them
    sits in a transaction meanwhile."""
    content = mr_small_bytes()[:4096]
    slow = trickles(requests.Session(), plain_gunicorn.base_url, content)
    try:
        for trickle in slow:
            trickle.wait_until_sent(2)
        for _ in range(5):
            assert idle_in_transaction(plain_gunicorn.database_url) == []
            time.sleep(0.5)
        # They were real uploads, read by the view: each chunk is kept once complete.
        assert [trickle.finish() for trickle in slow] == [HTTPStatus.NO_CONTENT] * TRICKLES
    finally:
        for trickle in slow:
            trickle.close()


def test_http_is_redirected_pages_are_compressed_and_tus_chunks_pass_up_to_their_size(nginx):
    plain = http.client.HTTPConnection(nginx.host, nginx.http_port, timeout=10)
    plain.request("GET", "/mri-review/?step=1")
    response = plain.getresponse()
    assert response.status == HTTPStatus.MOVED_PERMANENTLY
    assert response.getheader("Location") == f"{nginx.base_url}/mri-review/?step=1"
    plain.close()

    # Pages are compressed.
    patient = browser(nginx)
    page = patient.get(f"{nginx.base_url}/mri-review/", timeout=30)
    assert page.headers["Content-Encoding"] == "gzip"

    # A whole 8 MiB chunk (the browser's size) is spooled to nginx's temporary folder, then kept.
    chunk = 8 * 1024 * 1024
    location = new_upload(patient, nginx.base_url, 3 * chunk)
    body = mr_small_bytes()[:4096].ljust(chunk, b"\0")
    kept = patient.patch(
        location,
        data=body,
        headers={
            "Tus-Resumable": "1.0.0",
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": "0",
        },
        timeout=60,
    )
    assert (kept.status_code, kept.headers["Upload-Offset"]) == (HTTPStatus.NO_CONTENT, str(chunk))

    # A bigger body is refused by nginx from its header alone, before gunicorn hears of it.
    tls = http.client.HTTPSConnection(
        nginx.host, nginx.https_port, timeout=10, context=nginx.ssl_context()
    )
    tls.putrequest("PATCH", urlsplit(location).path)
    tls.putheader("Content-Length", str(10 * 1024 * 1024))
    tls.putheader("Content-Type", "application/offset+octet-stream")
    tls.endheaders()
    assert tls.getresponse().status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    tls.close()


def test_the_http_observatory_grades_the_tls_endpoint_a_plus(nginx):
    assert OBSERVATORY.exists(), "the scanner is missing: run `make observatory`"
    hsts_preload = OBSERVATORY.parent.parent / "conf" / "hsts-preload.json"
    assert hsts_preload.exists(), "the scanner's HSTS preload list is missing: `make observatory`"
    scan = subprocess.run(
        ["node", str(OBSERVATORY), f"{nginx.host}:{nginx.https_port}"],
        # Trust our self-signed certificate, as a browser told to trust it would; without it the
        # scanner retries unverified and fails HSTS and the redirection ("invalid certificate").
        env={**os.environ, "NODE_EXTRA_CA_CERTS": str(nginx.certificate)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(scan.stdout)
    failed = {name: test["result"] for name, test in result["tests"].items() if not test["pass"]}
    assert failed == {}
    assert result["scan"]["grade"] == "A+", result["scan"]
    # The scanner's "http" request went to the TLS port too (host:port is used for both); nginx
    # redirected it (error_page 497). The HTTP port's redirect is checked in the test above.
    assert result["tests"]["redirection"]["route"] == [
        f"http://{nginx.host}:{nginx.https_port}/",
        f"{nginx.base_url}/",
    ]
    # Nothing was graded on an unverified connection.
    assert result["tests"]["strict-transport-security"]["result"] == (
        "hsts-implemented-max-age-at-least-six-months"
    )
    assert result["scan"]["score"] >= 100
