"""Upload throughput of one 500 MB file, in the same run (a benchmark, not a test):

- tus: our resumable uploads (tuspy, 8 MiB PATCH requests, as the form's JavaScript sends them),
  to the bench gunicorn, ending with the server's whole-file SHA-256 and type check, **then the form
  post that attaches the upload to a request** (what the patient waits for: the timing is the two
  together; `tus_upload` is the same run's time to the last chunk alone, for comparison with the
  earlier figures, which left the attach out);
- the plain form: the same bytes as one multipart POST of the MRI review form to the same server
  (what a browser without JavaScript does: parsed, written to a temporary file, sniffed, hashed,
  moved to private storage, saved with its row);
- the bare sink: the same multipart bytes POSTed to /_bench/sink (reads and drops the body), the
  server's ceiling;
- nginx (Debian's): the same multipart bytes POSTed to an nginx on 127.0.0.1 that writes the body
  to a file (bench/nginx-upload.conf, started and stopped here): the goals' baseline. Beside it,
  `nginx_durable`: the same POST, then the body's file fsynced by the bench (nginx never fsyncs;
  the form and tus fsync every byte they keep), so the ratios can be read both ways.

Each is run `rounds` times, alternating, and the median taken; figures are MB/s (MB = 2**20 bytes).
"""

import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from tusclient.client import TusClient

from bench.tus_memory import make_file
from tests.serving import FileToSend, Patient, free_port, get_status

MB = 1024**2
SIZE_MB = 500
PIECE = 8 * MB
CONF = Path(__file__).resolve().parent / "nginx-upload.conf"


class Nginx:
    def __init__(self) -> None:
        self.port = free_port()
        self.work = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
        self.work.chmod(0o755)  # workers run as nobody when started by root
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Nginx":
        conf = self.work / "nginx.conf"
        conf.write_text(
            CONF.read_text().replace("@WORK@", str(self.work)).replace("@PORT@", str(self.port))
        )
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.process = subprocess.Popen(  # noqa: S603 - Debian's nginx with our config file
            [nginx, "-p", str(self.work), "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while get_status(f"http://127.0.0.1:{self.port}/done") != 200:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("nginx did not start: " + self.log())
            time.sleep(0.05)
        return self

    def log(self) -> str:
        path = self.work / "error.log"
        return path.read_text()[-500:] if path.exists() else ""

    def clear(self) -> None:
        for body in (self.work / "bodies").glob("*"):
            body.unlink()

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=15)
        shutil.rmtree(self.work, ignore_errors=True)


def _tus(base_url: str, source: Path, uploaded_at: list[float]) -> bool:
    patient = Patient(base_url, timeout=600)
    patient.start_upload_session()  # as the dashboard does before its first upload
    client = TusClient(
        f"{base_url}/mri-review/uploads/",
        headers={"Cookie": "; ".join(f"{k}={v}" for k, v in patient.cookies.items())},
    )
    with source.open("rb") as stream:
        uploader = client.uploader(
            file_stream=stream, chunk_size=PIECE, metadata={"filename": "scan.dcm"}
        )
        uploader.upload()
    uploaded_at.append(time.monotonic())
    if uploader.offset != source.stat().st_size:
        return False
    # The form post that attaches it, as the dashboard's form sends it: the upload's key, no file.
    reply = patient.submit([], staged=[uploader.url.rsplit("/", 1)[1]])
    return reply.reference is not None


def _form(base_url: str, source: Path) -> bool:
    reply = Patient(base_url, timeout=600).submit([FileToSend("scan.dcm", path=source)])
    return reply.reference is not None


def _sink(base_url: str, source: Path) -> bool:
    status, _ = Patient(base_url, timeout=600).post_files(
        "/_bench/sink", [FileToSend("scan.dcm", path=source)], {"first_name": "Maria"}
    )
    return status == 200


def _nginx(base_url: str, source: Path) -> bool:
    status, _ = Patient(base_url, timeout=600).post_files(
        "/upload", [FileToSend("scan.dcm", path=source)], {"first_name": "Maria"}
    )
    return status == 200


def _nginx_durable(nginx: Nginx):
    """nginx's POST, then its body file on disk for sure, as the form and tus keep theirs."""

    def send(base_url: str, source: Path) -> bool:
        if not _nginx(base_url, source):
            return False
        for body in (nginx.work / "bodies").glob("*"):
            if body.is_file():
                with body.open("rb") as kept:
                    os.fsync(kept.fileno())
        return True

    return send


def _timed(send, base_url: str, source: Path) -> float | None:
    started = time.monotonic()
    ok = send(base_url, source)
    return time.monotonic() - started if ok else None


def _timed_tus(base_url: str, source: Path, seconds: dict[str, list[float]]) -> bool:
    uploaded_at: list[float] = []
    started = time.monotonic()
    ok = _tus(base_url, source, uploaded_at)
    if ok:
        seconds["tus"].append(time.monotonic() - started)
        seconds["tus_upload"].append(uploaded_at[0] - started)
    return ok


def run(ctx) -> dict:
    source = ctx.cache / f"upload-{SIZE_MB}mb.dcm"
    if not source.exists():
        ctx.cache.mkdir(parents=True, exist_ok=True)
        make_file(source, SIZE_MB)
    rounds = max(ctx.rounds, 2)
    names = ("tus", "tus_upload", "form", "sink", "nginx", "nginx_durable")
    seconds: dict[str, list[float]] = {name: [] for name in names}
    failed: list[str] = []
    with Nginx() as nginx:
        targets = {
            "form": (_form, ctx.server.base_url),
            "sink": (_sink, ctx.server.base_url),
            "nginx": (_nginx, f"http://127.0.0.1:{nginx.port}"),
            "nginx_durable": (_nginx_durable(nginx), f"http://127.0.0.1:{nginx.port}"),
        }
        for _ in range(rounds):
            if not _timed_tus(ctx.server.base_url, source, seconds):
                failed.append("tus")
            ctx.clear_storage(ctx.server)
            for name, (send, base_url) in targets.items():
                took = _timed(send, base_url, source)
                if took is None:
                    failed.append(name)
                else:
                    seconds[name].append(took)
                ctx.clear_storage(ctx.server)
                nginx.clear()
        nginx_log = nginx.log()
    size_mb = source.stat().st_size / MB
    median = {name: statistics.median(times) for name, times in seconds.items() if times}
    rate = {name: round(size_mb / took, 1) for name, took in median.items()}

    def ratio(a: str, b: str) -> float | None:
        return round(rate[a] / rate[b], 3) if a in rate and b in rate else None

    result = {
        "file_mb": round(size_mb),
        "rounds": rounds,
        "seconds": {name: [round(t, 2) for t in times] for name, times in seconds.items()},
        "mb_per_second": rate,
        "failed": failed,
        "tus_vs_form": ratio("tus", "form"),
        "tus_upload_only_vs_form": ratio("tus_upload", "form"),
        "tus_vs_sink": ratio("tus", "sink"),
        "tus_vs_nginx": ratio("tus", "nginx"),
        "form_vs_nginx": ratio("form", "nginx"),
        "tus_vs_nginx_durable": ratio("tus", "nginx_durable"),
        "form_vs_nginx_durable": ratio("form", "nginx_durable"),
        "nginx_errors": nginx_log if re.search(r"\[(error|crit|alert|emerg)\]", nginx_log) else "",
    }
    result["table"] = [
        (
            f"{name}, {size_mb:.0f} MB",
            f"{rate.get(name, 0):.0f} MB/s ({median.get(name, 0):.1f} s)",
            f"{rate.get(name, 0) / rate['nginx']:.0%} of nginx" if "nginx" in rate else "",
            f"tus (with attach) / form {result['tus_vs_form']:.0%}" if name == "tus" else "",
        )
        for name in seconds
    ]
    return result
