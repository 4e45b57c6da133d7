"""Two gunicorn servers (two processes each) and two workers share one Postgres, one Redis (a private
redis-server of the test's own) and one S3 bucket, and behave as one site: a request sent through one
server is downloaded by staff through the other, signed in on the first; a resumable (tus) upload
whose chunks alternate between the servers is attached through one and downloaded through the other;
the rate limit counts posts across both; two workers send each follow-up e-mail once. Everything
real over HTTP; every process bounded in time and stopped."""

import hashlib
import re
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings
from django.contrib.auth.models import Permission, User
from django_tasks_db.models import DBTaskResult

from exercises.models import Status
from intake.models import ReviewRequest, SentEmail, StagedUpload
from tests.database_support import app_database_url
from tests.factories import ExerciseFactory, mr_small_bytes, pdf_bytes, review_form_data
from tests.serving import EXAMPLE_CLINIC_ENV
from tests.storage_support import BucketFiles, free_port, stop, wait_for_http
from tests.triage_support import backup_code
from tests.tus_support import sha256_header

SECRET_KEY = "scale-out-test-secret-" + "x" * 40
STAFF_PASSWORD = "a long enough password 42"


@pytest.fixture
def shared_bucket(moto_server):
    files = BucketFiles(moto_server, moto_server.new_bucket())
    yield files
    files.empty()


@pytest.fixture
def cluster(transactional_db, redis_server, shared_bucket, tmp_path):
    """Start two production-like servers on the same database, Redis and bucket; stop them after."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DEBUG": "false",
        "HTTPS": "false",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "http://127.0.0.1",
        **EXAMPLE_CLINIC_ENV,
        "DATABASE_URL": app_database_url(),
        "CONN_MAX_AGE": "0",
        "REDIS_URL": redis_server,  # a private redis-server, never the developer's
        "BACKCARE_TESTING": "1",  # nor their .env
        "EMAIL_BACKEND": "file",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "INTAKE_RATE_LIMIT_POSTS": "4",
        **shared_bucket.server.environment(shared_bucket.bucket),
    }
    servers, urls, logs = [], [], []
    try:
        for name in ("a", "b"):
            port = free_port()
            log = (tmp_path / f"gunicorn-{name}.log").open("wb")
            logs.append(log)
            process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "gunicorn", "backcare.wsgi"),
                    *("--bind", f"127.0.0.1:{port}", "--workers", "2"),
                    *("--worker-class", "gthread", "--threads", "2", "--timeout", "60"),
                ],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            servers.append(process)
            wait_for_http(f"http://127.0.0.1:{port}/healthz", seconds=60, process=process)
            urls.append(f"http://127.0.0.1:{port}")
        yield {"a": urls[0], "b": urls[1], "env": env, "tmp": tmp_path}
    finally:
        for process in servers:
            stop(process)
        for log in logs:
            log.close()


def form_tokens(browser: requests.Session, base_url: str) -> dict[str, str]:
    page = browser.get(f"{base_url}/mri-review/", timeout=30)
    assert page.status_code == HTTPStatus.OK
    return {
        field: re.search(rf'name="{field}" value="([^"]+)"', page.text)[1]
        for field in ("csrfmiddlewaretoken", "submission_token")
    }


def sign_in(browser: requests.Session, base_url: str, user: User) -> None:
    page = browser.get(f"{base_url}/admin/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    response = browser.post(
        f"{base_url}/admin/login/?next=/admin/",
        data={
            "csrfmiddlewaretoken": token,
            "username": user.username,
            "password": STAFF_PASSWORD,
            "otp_token": backup_code(user),
        },
        headers={"Referer": f"{base_url}/admin/login/"},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == HTTPStatus.FOUND, response.text[:500]


def test_a_file_sent_through_one_server_is_downloaded_by_staff_through_the_other(
    cluster, shared_bucket
):
    patient = requests.Session()
    data = {**review_form_data(imaging_plan="upload"), **form_tokens(patient, cluster["a"])}
    sent = patient.post(
        f"{cluster['a']}/mri-review/",
        data=data,
        files=[("files", ("lumbar report.pdf", pdf_bytes(), "application/pdf"))],
        headers={"Referer": f"{cluster['a']}/mri-review/"},
        allow_redirects=False,
        timeout=60,
    )
    assert sent.status_code == HTTPStatus.FOUND, sent.text[:500]
    upload = ReviewRequest.objects.get().uploads.get()
    assert shared_bucket.read(upload.file.name) == pdf_bytes()
    shared_bucket.assert_private(upload.file.name)
    # The confirmation comes from the other server: the session is shared too.
    thanks = patient.get(f"{cluster['b']}/mri-review/thanks/", allow_redirects=False, timeout=30)
    assert thanks.status_code == HTTPStatus.OK
    assert upload.request.reference in thanks.text

    staff = User.objects.create_user("triage", password=STAFF_PASSWORD, is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="download_upload"))
    browser = requests.Session()
    sign_in(browser, cluster["a"], staff)
    download = browser.get(f"{cluster['b']}/mri-review/files/{upload.pk}/", timeout=30)
    assert download.status_code == HTTPStatus.OK
    assert download.content == pdf_bytes()
    assert download.headers["Content-Disposition"] == 'attachment; filename="lumbar report.pdf"'

    # Two workers on two processes share the queue; each e-mail goes out once.
    workers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--batch", "--no-startup-delay"],
            cwd=settings.BASE_DIR,
            env=cluster["env"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    try:
        for worker in workers:
            _, errors = worker.communicate(timeout=120)
            assert worker.returncode == 0, errors
    finally:
        for worker in workers:
            stop(worker)
    assert {task.status for task in DBTaskResult.objects.all()} == {"SUCCESSFUL"}
    assert SentEmail.objects.count() == 2
    mail = [p.read_text() for p in Path(cluster["tmp"], "mail").iterdir()]
    assert sum(text.count("Subject:") for text in mail) == 2


def test_the_rate_limit_counts_posts_across_both_servers(cluster):
    browser = requests.Session()
    token = form_tokens(browser, cluster["a"])["csrfmiddlewaretoken"]
    statuses = []
    for number in range(6):
        base_url = cluster["a"] if number % 2 == 0 else cluster["b"]
        response = browser.post(
            f"{base_url}/mri-review/",
            data={"csrfmiddlewaretoken": token, "first_name": ""},  # an incomplete form
            headers={"Referer": f"{base_url}/mri-review/"},
            allow_redirects=False,
            timeout=30,
        )
        statuses.append(response.status_code)
    # Limit 4: each server saw only 3 posts, yet the 5th and 6th are paused.
    assert statuses == [HTTPStatus.OK] * 4 + [HTTPStatus.TOO_MANY_REQUESTS] * 2
    assert not ReviewRequest.objects.exists()


def test_a_tus_upload_whose_chunks_alternate_between_servers_is_attached_and_downloaded(
    cluster, shared_bucket
):
    content = mr_small_bytes()
    patient = requests.Session()  # one session cookie, sent to both servers
    tokens = form_tokens(patient, cluster["a"])
    tus = {"Tus-Resumable": "1.0.0"}
    created = patient.post(
        f"{cluster['a']}/mri-review/uploads/",
        headers={**tus, "Upload-Length": str(len(content)), "Upload-Metadata": "filename TVIuZGNt"},
        timeout=30,
    )
    assert created.status_code == HTTPStatus.CREATED, created.text
    path = urlsplit(created.headers["Location"]).path
    chunk, offset, servers = 2500, 0, []
    while offset < len(content):
        base_url = cluster["b"] if len(servers) % 2 == 0 else cluster["a"]
        body = content[offset : offset + chunk]
        sent = patient.patch(
            f"{base_url}{path}",
            data=body,
            headers={
                **tus,
                "Content-Type": "application/offset+octet-stream",
                "Upload-Offset": str(offset),
                "Upload-Checksum": sha256_header(body),
            },
            timeout=30,
        )
        assert sent.status_code == HTTPStatus.NO_CONTENT, sent.text
        offset = int(sent.headers["Upload-Offset"])
        servers.append(base_url)
        # Each server answers where the upload stands, whichever server took the last chunk.
        for other in (cluster["a"], cluster["b"]):
            asked = patient.head(f"{other}{path}", headers=tus, timeout=30)
            assert asked.headers["Upload-Offset"] == str(offset)
    assert set(servers) == {cluster["a"], cluster["b"]}
    staged = StagedUpload.objects.get()
    assert (staged.status, staged.kind) == ("complete", "dicom")
    assert staged.sha256 == hashlib.sha256(content).hexdigest()
    assert len([n for n in shared_bucket.names() if n.startswith("staging/")]) == len(servers)

    data = {**review_form_data(imaging_plan="upload"), **tokens, "staged": staged.key}
    submitted = patient.post(
        f"{cluster['b']}/mri-review/",
        data=data,
        headers={"Referer": f"{cluster['b']}/mri-review/"},
        allow_redirects=False,
        timeout=60,
    )
    assert submitted.status_code == HTTPStatus.FOUND, submitted.text[:500]
    upload = ReviewRequest.objects.get().uploads.get()
    assert (upload.original_name, upload.size) == ("MR.dcm", len(content))
    shared_bucket.assert_private(upload.file.name)
    assert not StagedUpload.objects.exists()
    assert not [n for n in shared_bucket.names() if n.startswith("staging/")]

    staff = User.objects.create_user("triage", password=STAFF_PASSWORD, is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="download_upload"))
    browser = requests.Session()
    sign_in(browser, cluster["b"], staff)
    download = browser.get(f"{cluster['a']}/mri-review/files/{upload.pk}/", timeout=30)
    assert download.status_code == HTTPStatus.OK
    assert hashlib.sha256(download.content).hexdigest() == upload.sha256 == staged.sha256


def test_exercise_pages_and_searches_are_the_same_through_both_servers(cluster):
    """The library's pages and cards are kept in the shared Redis, its searches in each process."""
    exercise = ExerciseFactory(
        title="Wall slide", status=Status.PUBLISHED, steps=["Stand by a wall."]
    )
    paths = [
        f"{exercise.get_absolute_url()}?utm_id=1",
        "/exercises/?q=wall",
        "/exercises/?q=wall+-zz1",
    ]
    pages = {}
    for server in ("a", "b", "a"):
        for path in paths:
            response = requests.get(cluster[server] + path, timeout=30)
            assert response.status_code == HTTPStatus.OK, (server, path)
            pages.setdefault(path, set()).add(response.text)
    assert all(len(texts) == 1 for texts in pages.values())
    assert "Wall slide" in next(iter(pages["/exercises/?q=wall+-zz1"]))
