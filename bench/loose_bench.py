"""Benchmark (not a test): 2,000 loose DICOM files of one study vs the same study zipped (issue #20).

    DATABASE_URL=postgres://…/a_bench_database .venv/bin/python bench/loose_bench.py [--runs 2]

Builds 2,000 files of 512x512 MR in 4 series (bench/studies.py), and the same files zipped, once, in
var/bench/cache. Each run, in a fresh subprocess with Django set up and a private storage folder of its
own (the files hard-linked in, not copied):

- **zipped**: a request with the zip as its one upload, processed by `keep.process_upload` as the
  worker's task does;
- **loose**: a request with one upload per file (as the form keeps a CD's folder), processed by the
  tasks the kept request queues (`tasks.tasks_to_queue`: one per 200 loose files), one after the other;
- **loose-every-file**: the same, but a task for every file (as `manage.py process_uploads` queues
  stuck uploads): the tasks of files already read with their batch only look and leave.

Every time includes what the tasks keep in Postgres (rows, previews, checks). The modes alternate in
the same run; the ratio is loose / zipped (goal: at most 1.5). `--through-worker` runs the real
`db_worker` (one process, until the queue is empty) on what `enqueue_processing` queues instead, so the
queue's own cost per task is in.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CACHE = ROOT / "var" / "bench" / "cache"
INSTANCES = 2000


def study_files() -> tuple[Path, list[Path], Path]:
    from bench.studies import build_loose_study, zip_folder

    folder = CACHE / f"loose-{INSTANCES}"
    files = build_loose_study(folder, INSTANCES)
    return folder, files, zip_folder(files, folder, CACHE / f"loose-{INSTANCES}.zip")


def child(mode: str, storage: Path, through_worker: bool) -> dict:
    """In a fresh process: make the request and its uploads, then time their processing."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backcare.settings")
    os.environ["PRIVATE_STORAGE_ROOT"] = str(storage)
    import django

    django.setup()
    from intake.enums import UploadStatus
    from intake.models import Preview, ReviewRequest, Upload
    from intake.processing import keep
    from intake.processing.tasks import enqueue_processing, tasks_to_queue
    from tests.factories import ReviewRequestFactory

    _, files, zipped = study_files()
    review_request = ReviewRequestFactory()
    uploads_dir = storage / "uploads"
    uploads_dir.mkdir(parents=True, exist_ok=True)
    sources = [zipped] if mode == "zipped" else files
    kind = "zip" if mode == "zipped" else "dicom"
    rows = []
    for number, source in enumerate(sources):
        name = f"uploads/{number:05d}"
        os.link(source, storage / name)  # the same bytes, no copy
        rows.append(
            Upload(
                request=review_request,
                file=name,
                original_name=source.name,
                kind=kind,
                size=source.stat().st_size,
                sha256="0" * 64,  # not checked by processing; hashing 1 GB is not what is measured
            )
        )
    ids = [u.pk for u in Upload.objects.bulk_create(rows)]
    # What the worker runs: the tasks the kept request queues (one per 200 loose files), or, for
    # "loose-every-file", one task per file (as `manage.py process_uploads` queues stuck uploads).
    tasks = ids if mode == "loose-every-file" else tasks_to_queue(ids)
    started = time.perf_counter()
    if through_worker:
        enqueue_processing(review_request.pk)
        subprocess.run(
            [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"],
            cwd=ROOT,
            env={**os.environ, "LOG_LEVEL": "WARNING"},
            check=True,
            capture_output=True,
        )
    else:
        for upload_id in tasks:
            keep.process_upload(upload_id)
    seconds = time.perf_counter() - started
    review_request = ReviewRequest.objects.get(pk=review_request.pk)
    figures = {
        "mode": mode,
        "seconds": seconds,
        "uploads": len(ids),
        "tasks": len(tasks),
        "processed": review_request.uploads.filter(status=UploadStatus.PROCESSED).count(),
        "previews": Preview.objects.filter(upload__request=review_request).count(),
        "summary": review_request.imaging_line,
    }
    review_request.delete()
    return figures


def in_subprocess(mode: str, through_worker: bool) -> dict:
    storage = Path(tempfile.mkdtemp(prefix="backcare-loose-bench-"))
    try:
        output = subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--child", mode, str(storage)]
            + (["--through-worker"] if through_worker else []),
            check=True,
            capture_output=True,
            text=True,
            timeout=3600,
            cwd=ROOT,
        ).stdout
    finally:
        shutil.rmtree(storage, ignore_errors=True)
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--through-worker", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "STORAGE"))
    args = parser.parse_args()
    if args.child:
        mode, storage = args.child
        print(json.dumps(child(mode, Path(storage), args.through_worker)))
        return
    started = time.perf_counter()
    _, files, zipped = study_files()
    print(
        f"{len(files)} loose files, {sum(f.stat().st_size for f in files) / 1024**2:.0f} MB; "
        f"zipped {zipped.stat().st_size / 1024**2:.0f} MB (ready in {time.perf_counter() - started:.0f} s)"
    )
    runs: dict[str, list[dict]] = {"zipped": [], "loose": [], "loose-every-file": []}
    for _ in range(args.runs):
        for mode in runs:
            runs[mode].append(in_subprocess(mode, args.through_worker))
            print(json.dumps(runs[mode][-1]), flush=True)
    median = {mode: statistics.median(r["seconds"] for r in found) for mode, found in runs.items()}
    figures = {
        "through_worker": args.through_worker,
        "seconds": {mode: round(value, 2) for mode, value in median.items()},
        "ratio": round(median["loose"] / median["zipped"], 2),
        "ratio_every_file": round(median["loose-every-file"] / median["zipped"], 2),
        "runs": runs,
    }
    print(
        f"medians of {args.runs}: zipped {median['zipped']:.2f} s, loose {median['loose']:.2f} s "
        f"(ratio {figures['ratio']:.2f}), a task per loose file {median['loose-every-file']:.2f} s "
        f"(ratio {figures['ratio_every_file']:.2f})"
    )
    if result_json := os.environ.get("BENCH_RESULT_JSON"):
        Path(result_json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
