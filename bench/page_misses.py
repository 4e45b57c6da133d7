"""What an exercise page costs when nothing is kept (the first view after an edit), in-process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/backcare_bench .venv/bin/python bench/page_misses.py

`make bench` runs it after `pages` (bench/run.py). Django's test client calls the production
settings (DEBUG off) in this process, against the bench database; before every timed request every
cache is emptied (whole pages, cards, frames, a search's results, the library's lexemes, the content
stamp), so each page is a cold miss: the content stamp's queries, the page's queries, every template.
The bare baseline view (/_bench/bytes/<same size>) is timed the same way, in alternating rounds;
each figure is the median per request. No network and no gunicorn: this is the server's own work,
not a throughput figure.
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.serving import EXAMPLE_CLINIC_ENV  # noqa: E402

PAGES = {
    "library": "/exercises/",
    "search": "/exercises/?q=knee",
    "filter": "/exercises/?category=core",
    "exercise": "/exercises/glute-bridge/",
    "routine": "/exercises/routines/gentle-start/",
}


def setup() -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "backcare.settings",
            "DEBUG": "false",
            "HTTPS": "false",
            "ALLOWED_HOSTS": "testserver",
            "SITE_URL": "http://127.0.0.1",
            "SECRET_KEY": "b" * 50,
            "EMAIL_BACKEND": "console",
            "BENCHMARK_BASELINE": "true",
            **EXAMPLE_CLINIC_ENV,
        }
    )
    import django

    django.setup()


def timed(client, path: str, requests: int) -> float:
    from django.core.cache import caches

    from exercises.views import _library_lexemes

    spent = 0.0
    for _ in range(requests):
        for kept in caches.all(initialized_only=True):
            kept.clear()
        _library_lexemes.clear()
        started = time.perf_counter()
        response = client.get(path)
        spent += time.perf_counter() - started
        if response.status_code != 200:
            sys.exit(f"{path} answered {response.status_code}")
    return spent / requests * 1000


def main(rounds: int = 5, requests: int = 20) -> dict:
    setup()
    from django.test import Client

    client = Client()
    sizes = {name: len(client.get(path).content) for name, path in PAGES.items()}
    samples: dict[str, list[float]] = {name: [] for name in PAGES}
    bare: dict[str, list[float]] = {name: [] for name in PAGES}
    for _ in range(rounds):
        for name, path in PAGES.items():
            samples[name].append(timed(client, path, requests))
            bare[name].append(timed(client, f"/_bench/bytes/{sizes[name]}", requests))
    result = {}
    for name, path in PAGES.items():
        page_ms, bare_ms = statistics.median(samples[name]), statistics.median(bare[name])
        result[name] = {
            "path": path,
            "bytes": sizes[name],
            "cold_ms": round(page_ms, 2),
            "bare_ms": round(bare_ms, 2),
            "ratio": round(bare_ms / page_ms, 3),
        }
        print(
            f"{name:10s} cold {page_ms:6.2f} ms  bare {bare_ms:5.2f} ms  {bare_ms / page_ms:4.0%}"
        )
    return result


if __name__ == "__main__":
    figures = main()
    if os.environ.get("BENCH_RESULT_JSON"):
        Path(os.environ["BENCH_RESULT_JSON"]).write_text(json.dumps(figures, indent=2))
