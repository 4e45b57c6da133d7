"""Load and faults against the production server (gunicorn in a subprocess, DEBUG off, 127.0.0.1).

- Mixed load: readers on the exercise pages and patients sending real files at the same time; no 5xx,
  and every request that got a reference is in the database with all its files, byte for byte.
- Postgres stopped and started under load: /healthz goes 503 then 200, a form sent during the outage
  gets the 503 "send it again" page, nothing is half-kept, and the same server works afterwards.
  This uses a private Postgres cluster (same binaries, its own data folder and port), so the restart
  disturbs no other test or database on the machine.
- Disk full: a 2 MB tmpfs as private storage; a bigger submission gets the 503 page, no row, no file.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http import HTTPStatus
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from intake.models import ReviewRequest, Upload
from tests.database_support import app_database_url
from tests.factories import jpeg_bytes, mr_small_bytes, pdf_bytes
from tests.serving import ROOT, FileToSend, Gunicorn, Patient, database_url, free_port, get_status

SEND_AGAIN = "please wait a minute and send it again"
NO_RATE_LIMIT = {"INTAKE_RATE_LIMIT_POSTS": "1000000"}


def patient_files() -> list[FileToSend]:
    """Real files, each made unique by trailing bytes, so a mix-up between requests would show."""
    return [
        FileToSend("scan.dcm", content=mr_small_bytes() + os.urandom(32)),
        FileToSend("photo.jpg", content=jpeg_bytes() + os.urandom(32)),
        FileToSend("report.pdf", content=pdf_bytes()),
    ]


def digests(files: list[FileToSend]) -> list[str]:
    return sorted(hashlib.sha256(f.content).hexdigest() for f in files)


def stored_files(storage: Path) -> set[str]:
    return {str(p.relative_to(storage)) for p in storage.rglob("*") if p.is_file()}


def assert_all_kept(sent: dict[str, list[str]], storage: Path, rows) -> None:
    """`sent`: reference -> SHA-256s sent; `rows`: (reference, [(file name, size, sha256)])."""
    kept = dict(rows)
    assert set(kept) == set(sent)  # no row without a reference the patient saw, and the reverse
    for reference, uploads in kept.items():
        assert uploads, f"{reference} has no files"
        assert sorted(sha for _, _, sha in uploads) == sent[reference]
        for name, size, sha in uploads:
            content = (storage / name).read_bytes()
            assert len(content) == size
            assert hashlib.sha256(content).hexdigest() == sha
    assert stored_files(storage) == {name for uploads in kept.values() for name, _, _ in uploads}


@pytest.fixture
def server(transactional_db, private_storage, tmp_path):
    """gunicorn against this test's database and private storage folder."""
    call_command("seed_exercises", verbosity=0)
    connection.close()  # the server's connections should be the only ones in use
    with Gunicorn(
        app_database_url(),
        private_storage.location,
        env=NO_RATE_LIMIT,
        log_path=tmp_path / "gunicorn.log",
    ) as running:
        yield running


def test_mixed_load_keeps_every_request_whole_and_answers_no_5xx(server, private_storage):
    paths = ["/exercises/", "/", "/mri-review/"]
    statuses: list[int] = []
    sent: dict[str, list[str]] = {}
    failures: list[tuple[int, str]] = []
    lock = threading.Lock()
    deadline = time.monotonic() + 10

    def reader() -> None:
        client = Patient(server.base_url)
        library = client.get("/exercises/").body
        links = [p for p in ("/exercises/routines/", "/exercises/") if p in library]
        while time.monotonic() < deadline:
            for path in [*paths, *links]:
                status = client.get(path).status
                with lock:
                    statuses.append(status)

    def patient() -> None:
        while time.monotonic() < deadline:
            files = patient_files()
            reply = Patient(server.base_url).submit(files)
            with lock:
                statuses.append(reply.status)
                if reply.reference:
                    sent[reply.reference] = digests(files)
                else:
                    failures.append((reply.status, reply.body[:200]))

    threads = [threading.Thread(target=reader) for _ in range(3)]
    threads += [threading.Thread(target=patient) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not failures
    assert len(sent) >= 3
    assert all(status < HTTPStatus.INTERNAL_SERVER_ERROR for status in statuses)
    rows = [
        (r.reference, [(u.file.name, u.size, u.sha256) for u in r.uploads.all()])
        for r in ReviewRequest.objects.prefetch_related("uploads")
    ]
    assert_all_kept(sent, private_storage.location, rows)


# --- Postgres stopped and started under load ---------------------------------------------------


def pg_bin(name: str) -> str:
    versions = sorted(Path("/usr/lib/postgresql").iterdir(), key=lambda p: int(p.name))
    return str(versions[-1] / "bin" / name)


class PrivatePostgres:
    """A throwaway cluster run by the postgres user (Postgres refuses to run as root)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="backcare-pg-"))
        shutil.chown(self.folder, "postgres", "postgres")
        self.data = self.folder / "data"

    def _as_postgres(self, *command: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *command],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def init(self) -> None:
        self._as_postgres(
            pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.folder / "postgres.log")
        self._as_postgres(
            pg_bin("pg_ctl"), "-D", str(self.data), "-l", log, "-o", options, "-w", "start"
        )

    def stop(self) -> None:
        self._as_postgres(pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, name: str) -> str:
        return database_url(name, self.port)

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def private_postgres():
    cluster = PrivatePostgres()
    try:
        cluster.init()
        cluster.start()
        with psycopg.connect(cluster.url("postgres"), autocommit=True) as admin:
            admin.execute("CREATE DATABASE backcare")
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
            cwd=ROOT,
            env={
                **os.environ,
                "DATABASE_URL": cluster.url("backcare"),
                "MIGRATION_DATABASE_URL": cluster.url("backcare"),
            },
            check=True,
            timeout=120,
        )
        yield cluster
    finally:
        cluster.remove()


class Patients:
    """Patients who keep sending until told to stop; each failed send is sent again later with the
    same one-time token, as a patient does who follows the error page's advice."""

    def __init__(self, base_url: str, count: int) -> None:
        self.base_url = base_url
        self.sent: dict[str, tuple[list[FileToSend], str | None]] = {}  # token -> files, reference
        self.errors: list[tuple[int, str]] = []
        self.lock = threading.Lock()
        self.running = threading.Event()
        self.threads = [threading.Thread(target=self._loop) for _ in range(count)]

    def send(self, files: list[FileToSend], token: str):
        reply = Patient(self.base_url).submit(files, submission_token=token)
        with self.lock:
            self.sent[token] = (files, reply.reference)
            if not reply.reference:
                self.errors.append((reply.status, reply.body))
        return reply

    def _loop(self) -> None:
        while self.running.is_set():
            self.send(patient_files(), str(uuid.uuid4()))

    def __enter__(self) -> "Patients":
        self.running.set()
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.running.clear()
        for thread in self.threads:
            thread.join()


def watch_health(base_url: str, stop: threading.Event, seen: list[int | None]) -> None:
    while not stop.wait(0.05):
        seen.append(get_status(base_url + "/healthz", timeout=2))


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_postgres_restart_under_load_loses_nothing_and_the_site_recovers(
    private_postgres, tmp_path
):
    storage = tmp_path / "pg-private"
    with Gunicorn(
        private_postgres.url("backcare"),
        storage,
        env=NO_RATE_LIMIT,
        log_path=tmp_path / "gunicorn.log",
    ) as server:
        health: list[int | None] = []
        stop_watching = threading.Event()
        watcher = threading.Thread(
            target=watch_health, args=(server.base_url, stop_watching, health)
        )
        watcher.start()
        with Patients(server.base_url, count=2) as patients:
            assert wait_for(lambda: any(r for _, r in patients.sent.values()), 15)
            time.sleep(1)
            private_postgres.stop()
            assert wait_for(lambda: HTTPStatus.SERVICE_UNAVAILABLE in health, 10)
            during = Patient(server.base_url).submit(patient_files())
            private_postgres.start()
            assert wait_for(lambda: health[-1] == HTTPStatus.OK, 30)
            time.sleep(2)
        stop_watching.set()
        watcher.join()

        # Every error page was the "send it again" one; sending again (same token) now works.
        assert during.status == HTTPStatus.SERVICE_UNAVAILABLE
        assert SEND_AGAIN in during.body
        for status, body in patients.errors:
            assert status == HTTPStatus.SERVICE_UNAVAILABLE
            assert "send it again" in body
        for token, (files, reference) in list(patients.sent.items()):
            if reference is None:
                assert patients.send(files, token).reference
        # The same server, without a restart, serves every worker's requests again.
        for _ in range(2 * server.workers):
            assert get_status(server.base_url + "/exercises/") == HTTPStatus.OK
        after = Patients(server.base_url, count=0)
        for _ in range(2 * server.workers):
            assert after.send(patient_files(), str(uuid.uuid4())).reference

    first = health.index(HTTPStatus.SERVICE_UNAVAILABLE)
    assert HTTPStatus.OK in health[:first]
    assert HTTPStatus.OK in health[first:]
    sent = {
        reference: digests(files)
        for files, reference in [*patients.sent.values(), *after.sent.values()]
    }
    assert len(sent) == len(patients.sent) + len(after.sent)
    # A save whose COMMIT the outage cut leaves its files for the stray sweep (the rows may have been
    # kept); the sweep removes exactly the files no row points to.
    subprocess.run(
        [sys.executable, "manage.py", "sweep_stray_uploads", "--older-than-hours", "0"],
        cwd=ROOT,
        env={**server.environment(), "DJANGO_ALLOW_ASYNC_UNSAFE": ""},
        check=True,
        timeout=60,
        capture_output=True,
    )
    with psycopg.connect(private_postgres.url("backcare")) as db:
        rows = db.execute(
            "SELECT r.reference, u.file, u.size, u.sha256 FROM intake_reviewrequest r "
            "LEFT JOIN intake_upload u ON u.request_id = r.id"
        ).fetchall()
    kept: dict[str, list] = {}
    for reference, name, size, sha in rows:
        kept.setdefault(reference, [])
        if name:
            kept[reference].append((name, size, sha))
    assert_all_kept(sent, storage, kept.items())


# --- Disk full ---------------------------------------------------------------------------------


@pytest.fixture
def tiny_disk():
    """A real 2 MB filesystem (tmpfs; the tests run as root on these machines)."""
    folder = Path(tempfile.mkdtemp(prefix="backcare-full-"))
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(folder)], check=True
    )
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)
        folder.rmdir()


def test_a_full_disk_gives_a_clear_error_and_keeps_nothing(transactional_db, tiny_disk, tmp_path):
    connection.close()
    with Gunicorn(
        app_database_url(),
        tiny_disk,
        env=NO_RATE_LIMIT,
        workers=1,
        log_path=tmp_path / "gunicorn.log",
    ) as server:
        small = Patient(server.base_url).submit([FileToSend("scan.dcm", content=mr_small_bytes())])
        big = mr_small_bytes() + os.urandom(3 * 1024**2)
        reply = Patient(server.base_url).submit(
            [FileToSend("scan.dcm", content=mr_small_bytes()), FileToSend("big.dcm", content=big)]
        )
    assert small.reference
    assert reply.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert SEND_AGAIN in reply.body
    assert list(ReviewRequest.objects.values_list("reference", flat=True)) == [small.reference]
    kept = Upload.objects.get()
    assert stored_files(tiny_disk) == {kept.file.name}
    # The kept file is whole: the size and SHA-256 of its row (see test_intake_storage_full.py).
    content = (tiny_disk / kept.file.name).read_bytes()
    assert (len(content), hashlib.sha256(content).hexdigest()) == (kept.size, kept.sha256)
