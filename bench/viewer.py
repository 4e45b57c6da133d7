"""The image viewer's speed and memory (a benchmark, not a test); results in bench/README.md.

Run by `make bench` (bench/run.py, as `viewer`); alone:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/backcare_bench .venv/bin/python bench/viewer.py

It starts its own production-like server (gunicorn, DEBUG off, ONE worker of 4 threads, so that
worker's memory is the web process's) on a free port over the bench database, with its own storage
folder, and Debian's Orthanc beside it (tests/orthanc.py). Then, in one run:

1. Builds (once, cached in var/bench/cache/) a zipped CD with a sagittal and an axial MR series of 30
   slices of 512 x 512 (16-bit), and a CD with one axial CT series of 1,000 slices of 512 x 512; stores
   both as uploads of two requests and processes them (times the slice index of 1,000 slices).
2. In Debian's Chromium (Playwright), signs in as a surgeon through the login form and opens the MR
   request's viewer N times: time from navigation to the first image drawn, and to every slice of
   the left pane (30) and of both panes (60) loaded (performance marks set by viewer.js). Then
   scrolls by key presses, one per animation frame, for 3 s: slices shown per second and the time
   one slice takes to draw.
3. Server work per 512 x 512 frame, side by side, alternating rounds over the same 30 instances:
   our frame view over HTTP; Orthanc's `/instances/{id}/preview` (decode, window, PNG) over HTTP;
   and the bare baseline view (`/_bench/bytes/<n>`) sending the same number of bytes: the floor of
   an HTTP answer from this server. Also the decoding function alone, in this process.
4. The worker's peak memory growth while the index and every frame of the 30-slice series are
   fetched, then the same for the 1,000-slice series.
"""

import hashlib
import io
import json
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
import zipfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.serving import EXAMPLE_CLINIC_ENV  # noqa: E402 - stdlib only, before Django is set up

WORK = ROOT / "var" / "bench"
STORAGE = WORK / "storage-viewer"
CACHE = WORK / "cache"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backcare.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("SITE_URL", "http://127.0.0.1")
for _name, _value in EXAMPLE_CLINIC_ENV.items():
    os.environ.setdefault(_name, _value)
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("EMAIL_BACKEND", "console")
# Backup codes are made in this process while the sync Playwright API runs its event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
os.environ["PRIVATE_STORAGE_ROOT"] = str(STORAGE)  # the same folder as the server below

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.core.files import File  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from intake.imaging import slices  # noqa: E402
from intake.models import ImageSlice, Upload  # noqa: E402
from intake.processing import keep  # noqa: E402
from intake.rules import FileKind  # noqa: E402
from tests.factories import ReviewRequestFactory  # noqa: E402
from tests.orthanc import running_orthanc  # noqa: E402
from tests.serving import Gunicorn, memory_kb, reset_peak_memory  # noqa: E402
from tests.triage_support import SURGEON, backup_code, staff_user  # noqa: E402
from tests.viewer_support import (  # noqa: E402
    SeriesSpec,
    axial,
    frames_url,
    sagittal,
    zipped_study,
)

PASSWORD = "bench viewer password 42"  # noqa: S105 - a bench-only staff user
SURGEON_NAME = "bench-surgeon@example.org"
CHROMIUM = "/usr/bin/chromium"
OPENINGS = 7
ROUNDS = 3


def study_zip(name: str, *specs: SeriesSpec) -> Path:
    path = CACHE / name
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        path.write_bytes(zipped_study(*specs))
    return path


def stored_request(path: Path):
    review_request = ReviewRequestFactory()
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while piece := source.read(1024**2):
            digest.update(piece)
        source.seek(0)
        upload = Upload.objects.create(
            request=review_request,
            file=File(source, name="upload"),
            original_name=path.name,
            kind=FileKind.ZIP,
            size=path.stat().st_size,
            sha256=digest.hexdigest(),
        )
    started = time.perf_counter()
    keep.process_upload(upload.pk)
    return review_request, upload, time.perf_counter() - started


def surgeon():
    from django.contrib.auth.models import User

    user = User.objects.filter(username=SURGEON_NAME).first() or staff_user(
        SURGEON_NAME, role=SURGEON
    )
    user.set_password(PASSWORD)
    user.save()
    return user


def signed_in_session(base_url: str, user) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base_url}/admin/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    reply = session.post(
        f"{base_url}/admin/login/",
        data={
            "csrfmiddlewaretoken": token,
            "username": user.username,
            "password": PASSWORD,
            "otp_token": backup_code(user, secrets.token_hex(4)),
            "next": "/admin/",
        },
        headers={"Referer": f"{base_url}/admin/login/"},
        timeout=30,
        allow_redirects=False,
    )
    if reply.status_code != 302:
        raise SystemExit(f"sign-in failed: {reply.status_code}")
    return session


def p50(values: list[float | None]) -> float | None:
    """The median of what was measured (a mark that never came, after two minutes, is None)."""
    found = [v for v in values if v is not None]
    return round(statistics.median(found), 1) if found else None


# -- 2. In the browser ----------------------------------------------------------------------------

MARKS_JS = """async (names) => {
    const deadline = performance.now() + 120000;
    const found = () => names.map(n => performance.getEntriesByName(n)[0]);
    while (found().some(m => !m) && performance.now() < deadline) {
        await new Promise(r => setTimeout(r, 5));
    }
    return found().map(m => m ? m.startTime : null);
}"""

SCROLL_JS = """async () => {
    const stage = document.querySelector('#viewer-pane-0 .viewer-stage');
    const pane = window.backcareViewer.panes[0];
    stage.focus();
    let shown = 0, drawing = 0;
    const start = performance.now();
    while (performance.now() - start < 3000) {
        const last = pane.index === pane.stack.items.length - 1;
        const t = performance.now();
        stage.dispatchEvent(new KeyboardEvent('keydown', {key: last ? 'Home' : 'ArrowDown', bubbles: true}));
        drawing += performance.now() - t;
        await new Promise(r => requestAnimationFrame(r));
        shown++;
    }
    return {per_second: shown / ((performance.now() - start) / 1000), draw_ms: drawing / shown};
}"""


def browser_figures(base_url: str, user, mr_request, ct_request) -> dict:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(f"{base_url}/admin/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_label("One-time code").fill(backup_code(user, secrets.token_hex(4)))
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/admin/")
        marks = ["viewer-first-image", "viewer-pane-0-ready", "viewer-pane-1-ready"]
        openings = []
        for _ in range(OPENINGS):
            page.goto(f"{base_url}/mri-review/viewer/{mr_request.pk}/")
            openings.append(page.evaluate(MARKS_JS, marks))
        scroll = page.evaluate(SCROLL_JS)
        page.goto(f"{base_url}/mri-review/viewer/{ct_request.pk}/")
        ct_first = page.evaluate(MARKS_JS, ["viewer-first-image"])[0]
        browser.close()
    return {
        "openings": OPENINGS,
        "first_image_ms_p50": p50([o[0] for o in openings]),
        "first_image_ms_all": [o[0] and round(o[0]) for o in openings],
        "ready_ms_all": [[o[1] and round(o[1]), o[2] and round(o[2])] for o in openings],
        "left_series_30_ready_ms_p50": p50([o[1] for o in openings]),
        "both_series_60_ready_ms_p50": p50([o[2] and o[1] and max(o[1], o[2]) for o in openings]),
        "scroll_slices_per_second": round(scroll["per_second"], 1),
        "draw_ms_per_slice": round(scroll["draw_ms"], 2),
        "ct_1000_first_image_ms": ct_first and round(ct_first),
    }


# -- 3. Server work per frame, side by side --------------------------------------------------------


def timed_gets(session, urls: list[str]) -> list[float]:
    times = []
    for url in urls:
        started = time.perf_counter()
        reply = session.get(url, timeout=60)
        times.append((time.perf_counter() - started) * 1000)
        if reply.status_code != 200:
            raise SystemExit(f"{url}: {reply.status_code}")
    return times


def orthanc_ids(orthanc, zip_path: Path, series: str) -> list[str]:
    ids = []
    with zipfile.ZipFile(zip_path) as archive:
        for name in sorted(n for n in archive.namelist() if f"/{series}/" in n):
            reply = requests.post(
                f"{orthanc.http_url}/instances", data=archive.read(name), timeout=60
            )
            ids.append(reply.json()["ID"])
    return ids


def frame_figures(session, base_url: str, mr_request, mr_zip: Path) -> dict:
    session.get(f"{base_url}/mri-review/viewer/{mr_request.pk}/", timeout=30)
    index = session.get(f"{base_url}/mri-review/viewer/{mr_request.pk}/index/", timeout=30).json()
    ids = [s["id"] for s in index["series"][0]["slices"]]
    ours = [base_url + frames_url(mr_request.pk, i) for i in ids]  # one slice per request
    batches = [base_url + frames_url(mr_request.pk, *ids[k : k + 8]) for k in range(0, 24, 8)]
    size = len(session.get(ours[0], timeout=30).content)
    baseline = [f"{base_url}/_bench/bytes/{size}"] * len(ours)
    with tempfile.TemporaryDirectory() as folder, running_orthanc(Path(folder)) as orthanc:
        orthanc_ids_ = orthanc_ids(orthanc, mr_zip, "S01")
        theirs = [f"{orthanc.http_url}/instances/{i}/preview" for i in orthanc_ids_]
        plain = requests.Session()
        times = {"ours": [], "orthanc": [], "baseline": [], "batch_of_8": []}
        for _ in range(ROUNDS):  # alternating, after a warm-up of each
            for name, urls, client in (
                ("ours", ours, session),
                ("orthanc", theirs, plain),
                ("baseline", baseline, session),
                ("batch_of_8", batches, session),
            ):
                timed_gets(client, urls[:3])
                times[name] += timed_gets(client, urls)
    in_process = []
    entry = ImageSlice.objects.filter(upload__request=mr_request).order_by("pk").first()
    member = slices.ZipEntry.from_json(entry.zip_entry)
    with mr_zip.open("rb") as fileobj:
        for _ in range(30):
            started = time.perf_counter()
            slices.frame_bytes(slices.read_frame(fileobj, member=member, frame=None))
            in_process.append((time.perf_counter() - started) * 1000)
    ours_ms, orthanc_ms = p50(times["ours"]), p50(times["orthanc"])
    per_frame_batched = p50(times["batch_of_8"]) / 8
    return {
        "answer_bytes_one_slice": size,
        "ours_one_slice_ms_p50": ours_ms,
        "ours_per_slice_in_batches_of_8_ms_p50": round(per_frame_batched, 1),
        "orthanc_preview_ms_p50": orthanc_ms,
        "baseline_same_bytes_ms_p50": p50(times["baseline"]),
        "orthanc_over_ours_one_slice": round(orthanc_ms / ours_ms, 2),
        "orthanc_over_ours_batched": round(orthanc_ms / per_frame_batched, 2),
        "decode_in_process_ms_p50": p50(in_process),
        "requests_each": len(times["ours"]),
    }


def transport_figures(mr_request, mr_zip: Path) -> dict:
    """What each way of sending a 512 x 512 slice costs the server and the network (in process):
    its stored values as they are (this viewer), deflated, or rendered at one window as an 8-bit
    PNG (DICOMweb's "rendered", Orthanc's preview), which the browser must ask again for each
    window it shows."""
    import zlib

    import numpy as np
    from PIL import Image

    entry = ImageSlice.objects.filter(upload__request=mr_request).order_by("pk").first()
    with mr_zip.open("rb") as fileobj:
        frame = slices.read_frame(
            fileobj, member=slices.ZipEntry.from_json(entry.zip_entry), frame=None
        )
    raw, _ = slices.frame_bytes(frame)

    def png(level: int) -> bytes:
        grey = slices.window_frame(frame, center=1000, width=2000)
        out = io.BytesIO()
        Image.fromarray(np.ascontiguousarray(grey), "L").save(out, "PNG", compress_level=level)
        return out.getvalue()

    ways = {
        "raw_16_bit": lambda: raw,
        "raw_16_bit_deflate_1": lambda: zlib.compress(raw, 1),
        "png_8_bit_window_level_6": lambda: png(6),
        "png_8_bit_window_level_1": lambda: png(1),
    }
    figures = {}
    for name, make in ways.items():
        times = []
        for _ in range(20):
            started = time.perf_counter()
            body = make()
            times.append((time.perf_counter() - started) * 1000)
        figures[name] = {"bytes": len(body), "ms_p50": round(statistics.median(times), 2)}
    return figures


# -- 4. Memory ------------------------------------------------------------------------------------


def memory_figures(session, base_url: str, worker: int, requests_by_size: dict) -> dict:
    figures = {}
    for label, review_request in requests_by_size.items():
        session.get(f"{base_url}/mri-review/viewer/{review_request.pk}/", timeout=30)
        reset_peak_memory(worker)
        before = memory_kb(worker)["VmRSS"]
        index = session.get(
            f"{base_url}/mri-review/viewer/{review_request.pk}/index/", timeout=60
        ).json()
        ids = [s["id"] for series in index["series"] for s in series["slices"]]
        timed_gets(
            session,
            [
                base_url + frames_url(review_request.pk, *ids[k : k + 16])
                for k in range(0, len(ids), 16)
            ],
        )
        peak = memory_kb(worker)["VmHWM"]
        figures[label] = {
            "frames": len(ids),
            "rss_before_mb": round(before / 1024, 1),
            "growth_mb": round((peak - before) / 1024, 1),
        }
    return figures


def main() -> None:
    # Noise of 6 bits, as an MR or CT slice has: the CD compresses about 1.6x, as real ones do.
    mr = (sagittal(count=30, side=512, spacing=0.5), axial(count=30, side=512, spacing=0.5))
    ct = axial(count=1000, side=512, spacing=0.7)
    mr_zip = study_zip("viewer-mr-30-v2.zip", *(replace(spec, noise=64) for spec in mr))
    ct_zip = study_zip("viewer-ct-1000-v2.zip", replace(ct, noise=64, description="CT AX"))
    mr_request, _, _ = stored_request(mr_zip)
    ct_request, _, ct_seconds = stored_request(ct_zip)
    user = surgeon()
    results: dict = {
        "load_average_at_start": os.getloadavg(),
        "ct_1000_processing_seconds": round(ct_seconds, 1),
    }
    with Gunicorn(
        os.environ["DATABASE_URL"],
        STORAGE,
        env={"BENCHMARK_BASELINE": "true"},
        workers=1,
        log_path=WORK / "gunicorn-viewer.log",
    ) as server:
        (worker,) = server.worker_pids()
        results["browser"] = browser_figures(server.base_url, user, mr_request, ct_request)
        session = signed_in_session(server.base_url, user)
        results["frames"] = frame_figures(session, server.base_url, mr_request, mr_zip)
        results["transport"] = transport_figures(mr_request, mr_zip)
        results["memory"] = memory_figures(
            session,
            server.base_url,
            worker,
            {"series_of_30_mr": mr_request, "series_of_1000_ct": ct_request},
        )
    results["load_average_at_end"] = os.getloadavg()
    for review_request in (mr_request, ct_request):
        for upload in review_request.uploads.all():
            upload.file.delete(save=False)
    print(json.dumps(results, indent=2))
    if os.environ.get("BENCH_RESULT_JSON"):
        Path(os.environ["BENCH_RESULT_JSON"]).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
