"""`make bench`: every benchmark against the production server, in one run, bounded in time.

    .venv/bin/python bench/run.py [--only pages,submit] [--seconds 5] [--rounds 2]

Creates (if missing), migrates and seeds the bench database (DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/backcare_bench), collects static files, starts gunicorn as
`make serve` does (DEBUG off, HTTPS=false, gthread, 2 workers x 4 threads) on 127.0.0.1 and a free
port with BENCHMARK_BASELINE=true (the bare baseline views) and the intake rate limit raised, then runs
each benchmark in BENCHMARKS. Each result goes to bench/results/<name>.json (with the machine it ran
on) and a table is printed. Uploaded files go to var/bench/ and are removed afterwards.

Adding a benchmark: either a function `run(ctx) -> dict` (see pages.py; put a "table" of
(what, figure, ratio, detail) rows in the dict to have it printed) added to BENCHMARKS, or a standalone
script added with `script(...)`: it gets BENCH_BASE_URL (the running server), BENCH_RESULT_JSON
(a path it may write its figures to, as JSON) and DATABASE_URL in its environment.
"""

import argparse
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import pages, submissions, uploads  # noqa: E402
from tests.serving import EXAMPLE_CLINIC_ENV, Gunicorn  # noqa: E402

RESULTS = ROOT / "bench" / "results"
WORK = ROOT / "var" / "bench"
PYTHON = sys.executable
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/backcare_bench"

# Only for the bench server: the form's per-address limit would stop the submission benchmark.
SERVER_ENV = {"BENCHMARK_BASELINE": "true", "INTAKE_RATE_LIMIT_POSTS": "1000000"}


@dataclass
class Context:
    server: Gunicorn
    database_url: str
    seconds: float
    rounds: int
    cache: Path

    @contextlib.contextmanager
    def server_with(self, *, workers: int, name: str):
        """Another server like the main one (e.g. one worker, to watch its memory)."""
        with Gunicorn(
            self.database_url,
            WORK / f"storage-{name}",
            env=SERVER_ENV,
            workers=workers,
            log_path=WORK / f"gunicorn-{name}.log",
        ) as server:
            yield server

    @contextlib.contextmanager
    def task_worker(self):
        """The task worker (`manage.py run_worker`, as `make run` starts it) against the main
        server's database and storage, for as long as the block runs."""
        log = (WORK / "worker.log").open("ab")
        worker = subprocess.Popen(  # noqa: S603 - this repository's manage.py
            [PYTHON, "manage.py", "run_worker", "--no-reload", "--no-startup-delay"],
            cwd=ROOT,
            env=self.server.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield worker
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(timeout=10)
            log.close()

    def clear_storage(self, server: Gunicorn) -> None:
        shutil.rmtree(server.storage / "uploads", ignore_errors=True)


def script(path: str, *args: str, timeout: float = 900) -> Callable[[Context], dict]:
    """A benchmark that is its own program (run with this Python, from the repository root)."""

    def run(ctx: Context) -> dict:
        result_json = WORK / f"{Path(path).stem}.json"
        result_json.unlink(missing_ok=True)
        env = {
            **os.environ,
            "BENCH_BASE_URL": ctx.server.base_url,
            "BENCH_RESULT_JSON": str(result_json),
            "DATABASE_URL": ctx.database_url,
        }
        done = subprocess.run(  # noqa: S603 - a script of this repository, by its path
            [PYTHON, path, *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        result = {"command": " ".join(["python", path, *args]), "exit_code": done.returncode}
        result["output"] = done.stdout.strip().splitlines()[-12:]
        if done.returncode:
            result["stderr"] = done.stderr.strip().splitlines()[-12:]
        if result_json.exists():
            result["figures"] = json.loads(result_json.read_text())
        return result

    return run


# name -> benchmark; run in this order. New benchmarks go here.
BENCHMARKS: dict[str, Callable[[Context], dict]] = {
    "pages": pages.run,
    "page_misses": script("bench/page_misses.py", timeout=600),
    "submit": submissions.run_submit,
    "upload_memory": submissions.run_upload_memory,
    "pipeline": script("bench/pipeline_bench.py", "--runs", "1"),
    "loose_files": script("bench/loose_bench.py", "--runs", "1", timeout=1800),
    "uploads": uploads.run,
    "admin_queue": script("bench/admin_queue.py", timeout=3600),  # seeding 1M rows takes minutes
    "viewer": script("bench/viewer.py", timeout=1500),
    "pacs": script("bench/pacs_bench.py", "--rounds", "2", timeout=1800),
    "cd_sort": script("bench/cd_sort.py", "--runs", "3", timeout=600),
}


def shell(*command: str, env: dict | None = None) -> str:
    done = subprocess.run(  # noqa: S603 - fixed commands (psql, manage.py, wrk) of this file
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.exit(f"{' '.join(command[:3])} failed:\n{done.stderr}")
    return done.stdout.strip()


def prepare_database(database_url: str) -> None:
    name = database_url.rsplit("/", 1)[1]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    exists = shell("psql", admin_url, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'")  # noqa: S608 - our own setting
    if not exists:
        shell("psql", admin_url, "-qc", f'CREATE DATABASE "{name}"')
    # One role for the bench database: migrate as it, whatever `make` exported.
    env = {**os.environ, "DATABASE_URL": database_url, "MIGRATION_DATABASE_URL": database_url}
    shell(PYTHON, "manage.py", "migrate", "--no-input", "-v0", env=env)
    shell(PYTHON, "manage.py", "seed_exercises", "-v0", env=env)
    shell(
        PYTHON,
        "manage.py",
        "collectstatic",
        "--no-input",
        "-v0",
        env={
            **env,
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": "http://127.0.0.1",
            **EXAMPLE_CLINIC_ENV,
            "EMAIL_BACKEND": "console",
            "SECRET_KEY": "c" * 50,
        },
    )


def _wrk_version() -> str | None:
    if not shutil.which("wrk"):
        return None
    # wrk prints its version with its usage and exits 1.
    out = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)  # noqa: S607
    return (out.stdout or out.stderr).splitlines()[0].split(" [")[0]


def machine(database_url: str) -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    import django
    import gunicorn

    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(memory_kb / 1024**2, 1),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "postgres": shell("psql", database_url, "-tAc", "SHOW server_version"),
        "wrk": _wrk_version(),
        "note": "Shared machine: other jobs run at the same time; compare same-run ratios only.",
    }


def print_table(rows: list[tuple]) -> None:
    widths = [max(len(str(row[i])) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated: " + ", ".join(BENCHMARKS))
    parser.add_argument("--seconds", type=float, default=5, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=2, help="page/baseline alternations")
    args = parser.parse_args()
    chosen = args.only.split(",") if args.only else list(BENCHMARKS)
    unknown = set(chosen) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    database_url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(exist_ok=True)
    prepare_database(database_url)
    info = machine(database_url)
    print(
        f"{info['cpu']}, {info['nproc']} cores, {info['memory_gb']} GB; load {info['load_average_at_start']}"
    )
    rows = [("benchmark", "figure (ours / baseline)", "ratio", "detail")]
    with Gunicorn(
        database_url, WORK / "storage", env=SERVER_ENV, log_path=WORK / "gunicorn.log"
    ) as server:
        ctx = Context(server, database_url, args.seconds, args.rounds, WORK / "cache")
        try:
            for name in chosen:
                print(f"running {name}…", flush=True)
                started = time.monotonic()
                result = BENCHMARKS[name](ctx)
                result["wall_seconds"] = round(time.monotonic() - started, 1)
                record = {
                    "benchmark": name,
                    "command": " ".join(["bench/run.py", *sys.argv[1:]]),
                    "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "machine": info,
                    "result": result,
                }
                (RESULTS / f"{name}.json").write_text(json.dumps(record, indent=2) + "\n")
                rows += result.get("table") or [(name, "see bench/results", "", "")]
        finally:
            ctx.clear_storage(server)
    print_table(rows)


if __name__ == "__main__":
    main()
