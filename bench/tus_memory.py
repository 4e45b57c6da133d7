"""Memory of the web process while a 500 MB file arrives by tus (a benchmark, not a test).

Starts gunicorn as `make serve` does (DEBUG off, gthread, 1 worker so the one process is measured),
uploads a 500 MB DICOM-headed file with tuspy in 8 MiB chunks, and reads the worker's peak RSS
(`VmHWM` in /proc) before and after. Usage:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/backcare .venv/bin/python bench/tus_memory.py [--mb 500]
"""

import argparse
import hashlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pydicom
import requests
from tusclient.client import TusClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.serving import EXAMPLE_CLINIC_ENV, free_port

ROOT = Path(__file__).resolve().parent.parent
PORT = free_port()  # never a fixed port: other servers share this machine
PIECE = 8 * 1024 * 1024


def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def make_file(path: Path, megabytes: int) -> str:
    head = (Path(pydicom.__file__).parent / "data" / "test_files" / "MR_small.dcm").read_bytes()
    digest = hashlib.sha256()
    with path.open("wb") as out:
        out.write(head)
        digest.update(head)
        remaining = megabytes * 1024 * 1024 - len(head)
        block = os.urandom(PIECE)
        while remaining > 0:
            piece = block[: min(PIECE, remaining)]
            out.write(piece)
            digest.update(piece)
            remaining -= len(piece)
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=500)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tus-bench-"))
    env = {
        **os.environ,
        "DEBUG": "false",
        "HTTPS": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": "http://127.0.0.1",
        **EXAMPLE_CLINIC_ENV,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "EMAIL_BACKEND": "console",
        "PRIVATE_STORAGE_ROOT": str(work / "private"),
        "LOG_LEVEL": "WARNING",
    }
    python = str(ROOT / ".venv" / "bin" / "python")
    # Our own fixed commands, no outside input (S603).
    for command in ("migrate", "collectstatic"):
        subprocess.run(  # noqa: S603
            [python, "manage.py", command, "--no-input", "-v0"], cwd=ROOT, env=env, check=True
        )
    source = work / "scan.dcm"
    expected = make_file(source, args.mb)
    server = subprocess.Popen(  # noqa: S603
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "backcare.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--worker-class",
            "gthread",
            "--workers",
            "1",
            "--threads",
            "4",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{PORT}"
        for _ in range(100):
            try:
                requests.get(f"{base}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        # A session, as the upload dashboard starts one: the form's CSRF token, then one POST.
        session = requests.Session()
        page = session.get(f"{base}/mri-review/", timeout=10).text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        session.post(
            f"{base}/mri-review/upload-session/", headers={"X-CSRFToken": token}, timeout=10
        )
        (worker,) = workers(server.pid)
        before_rss = status_kb(worker, "VmRSS")
        before_hwm = status_kb(worker, "VmHWM")

        client = TusClient(
            f"{base}/mri-review/uploads/",
            headers={"Cookie": "; ".join(f"{k}={v}" for k, v in session.cookies.items())},
        )
        started = time.monotonic()
        with source.open("rb") as stream:
            uploader = client.uploader(
                file_stream=stream, chunk_size=PIECE, metadata={"filename": "scan.dcm"}
            )
            uploader.upload()
        elapsed = time.monotonic() - started
        after_hwm = status_kb(worker, "VmHWM")
        # Every chunk was written straight into one file (intake.uploads.staging.InPlace).
        staged = next((work / "private" / "staging").iterdir()) / "whole"
        digest = hashlib.sha256()
        with staged.open("rb") as received:
            while piece := received.read(PIECE):
                digest.update(piece)
        if digest.hexdigest() != expected:
            raise SystemExit("the staged file differs from the source")
        print(f"uploaded {args.mb} MB in {elapsed:.1f} s ({args.mb / elapsed:.0f} MB/s), sha256 ok")
        print(
            f"worker RSS before: {before_rss / 1024:.0f} MB, peak before: {before_hwm / 1024:.0f} MB"
        )
        print(f"worker peak RSS after the upload: {after_hwm / 1024:.0f} MB")
        print(f"growth of the peak during the upload: {(after_hwm - before_hwm) / 1024:.1f} MB")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
