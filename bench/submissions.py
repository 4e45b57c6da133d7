"""The MRI review form with files, end to end over HTTP, against a bare upload sink in the same run.

- `submit`: a few patients in parallel, each looping GET form → POST a ~20 MB zipped study →
  confirmation page with a reference, for a fixed time; the baseline is the same clients POSTing the
  same multipart bytes to /_bench/sink (a view that only reads and drops the body). The task worker
  (`manage.py run_worker`) runs throughout, as in production: the sink is timed first (the worker
  idle), then the form (the worker processing each kept study: e-mails, the imaging pipeline).
- `upload_memory`: one gunicorn worker; its peak RSS (VmHWM, reset before each upload) while it receives
  a 50 MB and a 500 MB study, through the form and through the sink. Flat means the peak does not grow
  with the file.
"""

import threading
import time

from bench.studies import build_zip_study
from tests.serving import FileToSend, Patient, memory_kb, reset_peak_memory

MB = 1024**2


def _loop(base_url: str, seconds: float, send, clients: int) -> dict:
    done: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client() -> None:
        patient = Patient(base_url)
        while time.monotonic() < deadline:
            started = time.monotonic()
            ok, detail = send(patient)
            with lock:
                (done if ok else failures).append(time.monotonic() - started if ok else detail)

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {
        "completed": len(done),
        "failed": len(failures),
        "failures": sorted(set(failures))[:5],
        "seconds": round(elapsed, 1),
        "per_minute": round(len(done) / elapsed * 60, 1),
        "mean_seconds_each": round(sum(done) / len(done), 2) if done else None,
    }


def run_submit(ctx) -> dict:
    study = build_zip_study(ctx.cache / "study-20mb.zip", 20 * MB)
    files = [FileToSend("study.zip", path=study)]

    def submit(patient: Patient) -> tuple[bool, str]:
        reply = patient.submit(files)
        return reply.reference is not None, str(reply.status)

    def sink(patient: Patient) -> tuple[bool, str]:
        status, _ = patient.post_files("/_bench/sink", files, {"first_name": "Maria"})
        return status == 200, str(status)

    seconds = ctx.seconds * 4
    clients = 3
    with ctx.task_worker() as worker:
        baseline = _loop(ctx.server.base_url, seconds, sink, clients)
        form = _loop(ctx.server.base_url, seconds, submit, clients)
        worker_alive = worker.poll() is None
    ratio = form["per_minute"] / baseline["per_minute"] if baseline["per_minute"] else 0
    return {
        "study_bytes": study.stat().st_size,
        "clients": clients,
        "form": form,
        "baseline_sink": baseline,
        "task_worker": "running throughout" if worker_alive else "EXITED during the run",
        "ratio": round(ratio, 3),
        "table": [
            (
                f"form + {study.stat().st_size / MB:.0f} MB zip, {clients} clients",
                f"{form['per_minute']:.0f} / {baseline['per_minute']:.0f} per min",
                f"{ratio:.0%}",
                f"{form['completed']} kept, {form['failed']} failed; "
                f"{form['mean_seconds_each']} s each",
            )
        ],
    }


def _peak_during(pid: int, send) -> dict:
    """Reset the worker's peak, send, and read its peak RSS (also sampled, as a cross-check)."""
    reset_peak_memory(pid)
    before = memory_kb(pid)["VmRSS"]
    sampled = [before]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.02):
            sampled.append(memory_kb(pid)["VmRSS"])

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.monotonic()
    try:
        ok = send()
    finally:
        stop.set()
        sampler.join()
    peak = memory_kb(pid)["VmHWM"]
    return {
        "ok": ok,
        "seconds": round(time.monotonic() - started, 1),
        "rss_before_mb": round(before / 1024, 1),
        "peak_rss_mb": round(peak / 1024, 1),
        "peak_sampled_mb": round(max(sampled) / 1024, 1),
        "growth_mb": round((peak - before) / 1024, 1),
    }


def run_upload_memory(ctx) -> dict:
    studies = {
        "50 MB": build_zip_study(ctx.cache / "study-50mb-stored.zip", 50 * MB, compress=False),
        "500 MB": build_zip_study(ctx.cache / "study-500mb-stored.zip", 500 * MB, compress=False),
    }
    result: dict = {"table": []}
    with ctx.server_with(workers=1, name="memory") as server:
        (pid,) = server.worker_pids()
        patient = Patient(server.base_url, timeout=600)
        patient.submit([FileToSend("warm.zip", content=studies["50 MB"].read_bytes()[:4096])])
        for label, study in studies.items():
            files = [FileToSend("study.zip", path=study)]
            form = _peak_during(
                pid, lambda files=files: patient.submit(files).reference is not None
            )
            sink = _peak_during(
                pid, lambda files=files: patient.post_files("/_bench/sink", files, {})[0] == 200
            )
            result[label] = {"bytes": study.stat().st_size, "form": form, "baseline_sink": sink}
            result["table"].append(
                (
                    f"worker peak RSS, {label} upload",
                    f"form {form['peak_rss_mb']:.0f} MB / sink {sink['peak_rss_mb']:.0f} MB",
                    f"+{form['growth_mb']:.0f} MB",
                    f"form {form['seconds']} s ({'kept' if form['ok'] else 'FAILED'}), "
                    f"sink {sink['seconds']} s",
                )
            )
        ctx.clear_storage(server)
    growth = [result[label]["form"]["growth_mb"] for label in studies]
    result["flat"] = abs(growth[1] - growth[0]) < 20
    return result
