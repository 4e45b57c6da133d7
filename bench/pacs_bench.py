"""Send to PACS, speed (a benchmark, not a test): the 500-instance synthetic MR study sent to a local
Orthanc by our task body, against dcmtk's `storescu` sending the same files in the same run.

Run by `make bench` (bench/run.py, as `pacs`) with DATABASE_URL and BENCH_RESULT_JSON set; alone:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/backcare_bench .venv/bin/python bench/pacs_bench.py [--rounds 3]

1. Builds (once, kept in var/bench/cache/) the 500 x 512x512 instances in 4 series of
   bench/pipeline_bench.py, zipped as a patient's CD, and unzips them into a folder for storescu.
2. Keeps two requests in the bench database, each with its files in a private storage folder of
   this run: one with the zipped CD as one upload, one with the 500 files as 500 uploads.
3. Each round, in turn, into a fresh Orthanc each time (tests/orthanc.py; an Orthanc that already
   holds an instance answers faster): `storescu +sd +r` on the folder (one association), then
   `intake.triage.pacs.run_send` for each request (the task's whole body: listing the instances,
   the database rows, reading the stored upload, reconciling each copy, C-STORE over one association).
   Every run must leave 500 instances in Orthanc.
4. The same three against a sink that stores nothing (dcmtk's `storescp --ignore`), so the senders'
   own cost shows where Orthanc's disk and index do not hide it.

Ratios are ours / storescu in instances per second, median over the rounds.
"""

import argparse
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.pipeline_bench import INSTANCES, build_study  # noqa: E402
from tests.orthanc import free_port, running_orthanc  # noqa: E402

CACHE = ROOT / "var" / "bench" / "cache"
CALLING_AE = "BACKCARE"
WORK = Path(tempfile.mkdtemp(prefix="backcare-pacs-bench-"))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backcare.settings")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ["STORAGE_BACKEND"] = "local"
os.environ["PRIVATE_STORAGE_ROOT"] = str(WORK / "private")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.files import File  # noqa: E402

from intake.models import PacsSend, ReviewRequest, Upload  # noqa: E402
from intake.rules import FileKind  # noqa: E402
from intake.triage import pacs  # noqa: E402
from tests.factories import ReviewRequestFactory  # noqa: E402


def study_files() -> tuple[Path, Path]:
    """The zipped study (cached) and a folder with its files unzipped."""
    CACHE.mkdir(parents=True, exist_ok=True)
    zip_path = CACHE / f"pacs-study-{INSTANCES}.zip"
    if not zip_path.exists():
        partial = zip_path.with_suffix(".part")
        build_study(partial)
        partial.rename(zip_path)
    loose = WORK / "loose"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(loose)
    return zip_path, loose


def _upload(review_request: ReviewRequest, path: Path, kind: str) -> None:
    with path.open("rb") as data:
        Upload.objects.create(
            request=review_request,
            file=File(data, name="upload"),
            original_name=path.name,
            kind=kind,
            size=path.stat().st_size,
            sha256="0" * 64,  # not read by the send
        )


def requests_to_send(zip_path: Path, loose: Path) -> dict[str, ReviewRequest]:
    cd = ReviewRequestFactory(first_name="Bench")
    _upload(cd, zip_path, FileKind.ZIP)
    files = ReviewRequestFactory(first_name="Bench")
    for path in sorted(loose.rglob("*")):
        if path.is_file():
            _upload(files, path, FileKind.DICOM)
    return {"ours (zipped CD, 1 upload)": cd, "ours (500 uploads of 1 file)": files}


def point_at(aet: str, port: int) -> None:
    settings.PACS_HOST, settings.PACS_PORT, settings.PACS_AE_TITLE = "127.0.0.1", port, aet
    settings.PACS_CALLING_AE_TITLE = CALLING_AE


def storescu(aet: str, port: int, loose: Path) -> float:
    command = [shutil.which("storescu") or "/usr/bin/storescu", "-aet", CALLING_AE, "-aec", aet]
    command += ["+sd", "+r", "-q", "127.0.0.1", str(port), str(loose)]  # one association, all files
    started = time.perf_counter()
    subprocess.run(command, check=True, timeout=900)  # noqa: S603 - dcmtk's storescu
    return time.perf_counter() - started


def ours(review_request: ReviewRequest, user: User) -> float:
    send = PacsSend.objects.create(
        request=review_request,
        patient_id="BENCH-MRN-1",
        accession_number=pacs.assigned_accession(review_request),
        destination=str(pacs.destination()),
        created_by=user,
    )
    started = time.perf_counter()
    done = pacs.run_send(send.pk)
    elapsed = time.perf_counter() - started
    sent = done.instances.filter(status="sent").count()
    if sent != INSTANCES:
        sys.exit(f"only {sent} of {INSTANCES} sent: {done.detail}")
    return elapsed


def into_orthanc(name: str, send) -> float:
    with running_orthanc(WORK / f"orthanc-{name}") as orthanc:
        point_at(orthanc.aet, orthanc.dicom_port)
        elapsed = send(orthanc.aet, orthanc.dicom_port)
        stored = len(orthanc.get("/instances"))
    shutil.rmtree(WORK / f"orthanc-{name}", ignore_errors=True)
    if stored != INSTANCES:
        sys.exit(f"{name}: Orthanc holds {stored} of {INSTANCES} instances")
    return elapsed


def into_sink(send) -> float:
    port = free_port()
    sink = subprocess.Popen(  # noqa: S603 - dcmtk's storescp, fixed arguments
        [
            shutil.which("storescp") or "/usr/bin/storescp",
            "--ignore",
            "+xa",
            "-aet",
            "SINK",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        point_at("SINK", port)
        return send("SINK", port)
    finally:
        sink.terminate()
        sink.wait(timeout=30)


def measure(rounds: int) -> dict:
    zip_path, loose = study_files()
    user, _ = User.objects.get_or_create(username="pacs-bench@example.org")
    to_send = requests_to_send(zip_path, loose)
    senders = {"storescu (dcmtk), same files": lambda aet, port: storescu(aet, port, loose)}
    for label, review_request in to_send.items():
        senders[label] = lambda aet, port, r=review_request: ours(r, user)
    seconds: dict[str, dict[str, list[float]]] = {"orthanc": {}, "sink": {}}
    try:
        for round_number in range(rounds):
            for label, send in senders.items():
                print(f"round {round_number + 1}: {label}", flush=True)
                into = seconds["orthanc"].setdefault(label, [])
                into.append(into_orthanc(str(round_number), send))
                seconds["sink"].setdefault(label, []).append(into_sink(send))
    finally:  # the rows (their files go with WORK); the access records stay, as they must
        ReviewRequest.objects.filter(pk__in=[r.pk for r in to_send.values()]).delete()
    return {"seconds": seconds, "zip_mb": round(zip_path.stat().st_size / 1024**2, 1)}


def summarise(measured: dict) -> dict:
    rows = []
    for target, by_sender in measured["seconds"].items():
        baseline = INSTANCES / statistics.median(by_sender["storescu (dcmtk), same files"])
        for label, runs in by_sender.items():
            rate = INSTANCES / statistics.median(runs)
            rows.append(
                {
                    "into": target,
                    "sender": label,
                    "instances_per_second": round(rate, 1),
                    "ratio_to_storescu": round(rate / baseline, 2),
                    "seconds": [round(s, 2) for s in runs],
                }
            )
    return {"instances": INSTANCES, "zip_mb": measured["zip_mb"], "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    try:
        figures = summarise(measure(args.rounds))
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    for row in figures["rows"]:
        print(
            f"{row['into']:8} {row['sender']:32} {row['instances_per_second']:7.1f} inst/s "
            f"{row['ratio_to_storescu']:5.2f}x storescu  {row['seconds']}"
        )
    if os.environ.get("BENCH_RESULT_JSON"):
        Path(os.environ["BENCH_RESULT_JSON"]).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
