"""CPU per request of the exercise pages beside the bare view, counting Postgres's work too.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/backcare_bench .venv/bin/python bench/page_cpu.py

On a shared machine whose load swings between 10 and 25, wrk's req/s ratios (bench/pages.py) move by
±40 % from run to run. CPU time spent per request moves much less: this script counts it for warm
caches, in-process (Django's test client, production settings, like bench/page_misses.py), as this
process's CPU time plus that of its Postgres backend (/proc/<pid>/stat, so Postgres must run on this
machine). Paths, baselines and rounds as in bench/pages.py; the median per request over the rounds.
A ratio is bare CPU ÷ page CPU: above 100 % the page costs less than the bare view.
"""

import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.page_misses import setup  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def _postgres_cpu(connection) -> float:
    pid = connection.connection.info.backend_pid
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def main(rounds: int = 5, requests: int = 200) -> dict:
    setup()
    from django.db import connection
    from django.test import Client

    client = Client()
    library = client.get("/exercises/")
    exercise = re.search(
        r'class="exercise-card".*?href="(/exercises/[a-z0-9-]+/)"', library.text, re.S
    ).group(1)
    counter = iter(range(10**9))
    pages = {
        "search, unique words": (lambda: f"/exercises/?q=knee+-zz1x{next(counter)}", {}),
        "library (hit)": (lambda: "/exercises/", {}),
        "exercise (hit)": (lambda: exercise, {}),
        "library 304": (lambda: "/exercises/", {"if-none-match": library["ETag"]}),
        "bare, library's size": (lambda: f"/_bench/bytes/{len(library.content)}", {}),
        "bare, empty": (lambda: "/_bench/bytes/0", {}),
    }
    for path, headers in pages.values():  # warm every cache and template
        client.get(path(), headers=headers)
        client.get(path(), headers=headers)
    samples: dict[str, list[float]] = {name: [] for name in pages}
    for _ in range(rounds):
        for name, (path, headers) in pages.items():
            connection.ensure_connection()
            postgres, started = _postgres_cpu(connection), time.process_time()
            for _ in range(requests):
                client.get(path(), headers=headers)
            spent = time.process_time() - started + _postgres_cpu(connection) - postgres
            samples[name].append(spent / requests * 1000)
    ms = {name: statistics.median(values) for name, values in samples.items()}
    bare_of = {
        "search, unique words": "bare, library's size",
        "library (hit)": "bare, library's size",
        "exercise (hit)": "bare, library's size",
        "library 304": "bare, empty",
    }
    result = {"cpu_ms": {name: round(value, 3) for name, value in ms.items()}}
    for name, bare in bare_of.items():
        result[name] = round(ms[bare] / ms[name], 3)
        print(
            f"{name:22s} {ms[name]:5.2f} ms CPU, bare {ms[bare]:5.2f} ms: {ms[bare] / ms[name]:4.0%}"
        )
    return result


if __name__ == "__main__":
    figures = main()
    if os.environ.get("BENCH_RESULT_JSON"):
        Path(os.environ["BENCH_RESULT_JSON"]).write_text(json.dumps(figures, indent=2))
