"""The staff admin with 100,000 or 1,000,000 review requests (a benchmark, not a test).

Run by `make bench` (bench/run.py, as `admin_queue`) with BENCH_BASE_URL, BENCH_RESULT_JSON and
DATABASE_URL set; for a million rows, in its own database (kept between runs):

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/backcare_bench_1m BENCH_ADMIN_ROWS=1000000 \
        .venv/bin/python bench/run.py --only admin_queue

1. Fills the database up to --rows requests (BENCH_ADMIN_ROWS; 100,000 by default) with `INSERT …
   SELECT generate_series`, 100,000 rows a statement (tests/queue_seed.py: two years of requests, the
   open ones recent, ~5 % emergency and ~6 % "see a doctor soon", common names with many Smiths and
   e-mails at a few common domains), then VACUUM ANALYZE. It never removes rows: a database that
   holds more than asked is measured as it is (the figures say how many rows).
2. Signs in as an intake coordinator through the real login form (password and a backup code) on
   the bench gunicorn and times each page — the admin home, the queue and its filters, searches for
   one patient's e-mail and reference, for "Smith" and for common domains, and a request page —
   with --requests GETs each (50 by default) after one warm-up: p50 and p95, beside the bare
   baseline view of the same server in the same run.
3. Counts each page's queries and their time in the database with Django's test client in this
   process (CaptureQueriesContext), and writes `EXPLAIN (ANALYZE, BUFFERS)` of every query on the
   requests table to bench/results/explain-admin-queue-<size>.txt; the figures go to
   bench/results/admin_queue-<size>.json.
"""

import argparse
import contextlib
import json
import os
import re
import secrets
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.serving import EXAMPLE_CLINIC_ENV  # noqa: E402 - stdlib only, before Django is set up

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backcare.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("SITE_URL", "http://127.0.0.1")
for _name, _value in EXAMPLE_CLINIC_ENV.items():
    os.environ.setdefault(_name, _value)
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("EMAIL_BACKEND", "console")

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from intake.enums import OPEN_STATUSES  # noqa: E402
from intake.models import ReviewRequest  # noqa: E402
from tests.queue_seed import seed_requests  # noqa: E402
from tests.triage_support import COORDINATOR, backup_code, otp_login  # noqa: E402

ROWS = 100_000
PASSWORD = "bench queue password 42"  # noqa: S105 - a bench-only staff user
COORDINATOR_NAME = "bench-coordinator@example.org"
QUEUE = "/admin/intake/reviewrequest/"
RESULTS = ROOT / "bench" / "results"


def staff() -> User:
    """Five staff (the bench coordinator first), created once; a fresh password and backup code."""
    group = Group.objects.get(name=COORDINATOR)
    coordinator = None
    for i in range(5):
        name = COORDINATOR_NAME if i == 0 else f"bench-staff{i}@example.org"
        user, _ = User.objects.get_or_create(username=name, defaults={"is_staff": True})
        user.groups.add(group)
        coordinator = coordinator or user
    coordinator.set_password(PASSWORD)
    coordinator.save()
    return coordinator


BATCH = 100_000
OPEN_SQL = "status IN (" + ", ".join(f"'{status}'" for status in OPEN_STATUSES) + ")"


@contextlib.contextmanager
def without_search_indexes(cursor, adding: int):
    """Drops the table's indexes that back no constraint while many rows go in, and builds them
    again afterwards (same names and definitions): one sorted build of a trigram index is far
    cheaper than a million inserts into it (with fastupdate off, each insert updates the index in
    place); a million rows took ~50 minutes here under load, with the indexes in place. In the
    caller's transaction, so an interrupted seed leaves the table and its indexes as they were."""
    if adding < BATCH:
        yield
        return
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'intake_reviewrequest' "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
    )
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    yield
    # The foreign keys' checks are deferred to the commit; an index is built only without them.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for name, definition in indexes:
        built = time.monotonic()
        cursor.execute(definition)
        print(f"  built {name} in {time.monotonic() - built:.0f} s", flush=True)


def seed(rows: int) -> dict:
    """Fills the table up to `rows` requests (kept for the next run; never shrinks it)."""
    have = ReviewRequest.objects.count()
    started = time.monotonic()
    with connection.cursor() as cursor:
        if have < rows:
            with transaction.atomic(), without_search_indexes(cursor, rows - have):
                while have < rows:
                    start = 1_000_000 + have  # clear of earlier runs' numbers
                    stop = start + min(BATCH, rows - have) - 1
                    seed_requests(cursor, start=start, stop=stop)
                    have += stop - start + 1
                    print(f"  seeded {have:,} rows", flush=True)
        # ANALYZE for the planner, VACUUM for the visibility map (index-only counts).
        cursor.execute("VACUUM (ANALYZE) intake_reviewrequest")
        cursor.execute("VACUUM (ANALYZE) intake_upload")
        cursor.execute(
            f"SELECT count(*), count(*) FILTER (WHERE {OPEN_SQL}), count(*) FILTER (WHERE tier < 3), "  # noqa: S608 - constants
            "count(*) FILTER (WHERE last_name = 'Smith'), "
            "count(*) FILTER (WHERE email LIKE '%@example.com'), "
            "(SELECT count(*) FROM intake_upload), "
            "pg_total_relation_size('intake_reviewrequest') FROM intake_reviewrequest"
        )
        total, open_, urgent, smith, example, uploads, size = cursor.fetchone()
    return {
        "rows": total,
        "open": open_,
        "urgent": urgent,
        "smith": smith,
        "at_example_com": example,
        "uploads": uploads,
        "table_with_indexes_mb": round(size / 1024**2),
        "seed_seconds": round(time.monotonic() - started, 1),
    }


def cases() -> dict[str, str]:
    """label -> admin URL. One patient's reference and e-mail (an open request), and the common name
    and domains that match thousands of rows."""
    found = (
        ReviewRequest.objects.open()
        .filter(email__endswith="@gmail.com")
        .order_by("pk")
        .values("pk", "reference", "email")[1234:1235]
    )
    if not found:
        raise SystemExit(
            "The bench database holds requests from an older seed (no gmail.com addresses): drop it "
            "or set another BENCH_DATABASE_URL, and run again."
        )
    sample = found[0]

    def queue(**params) -> str:
        return QUEUE + ("?" + urlencode(params) if params else "")

    return {
        "home (counts)": "/admin/",
        "default list (open)": queue(),
        "status: all": queue(status="all"),
        "emergency": queue(tier__exact="1"),
        "assigned to me": queue(assigned="me"),
        "overdue": queue(overdue="yes"),
        "search e-mail (open)": queue(q=sample["email"]),
        "search e-mail (all)": queue(status="all", q=sample["email"]),
        "search reference (all)": queue(status="all", q=sample["reference"]),
        'search "Smith" (open)': queue(q="Smith"),
        'search "Smith" (all)': queue(status="all", q="Smith"),
        'search "example.com" (open)': queue(q="example.com"),
        'search "example.com" (all)': queue(status="all", q="example.com"),
        'search "gmail.com" (all)': queue(status="all", q="gmail.com"),
        "request page": f"{QUEUE}{sample['pk']}/change/",
    }


def sign_in(base_url: str, coordinator: User) -> requests.Session:
    """The real login form: username, password and a backup code (django-otp's static device)."""
    session = requests.Session()
    page = session.get(f"{base_url}/admin/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    code = backup_code(coordinator, secrets.token_hex(4))
    reply = session.post(
        f"{base_url}/admin/login/?next={QUEUE}",
        data={
            "csrfmiddlewaretoken": token,
            "username": coordinator.username,
            "password": PASSWORD,
            "otp_token": code,
            "next": QUEUE,
        },
        headers={"Referer": f"{base_url}/admin/login/"},
        timeout=30,
        allow_redirects=False,
    )
    if reply.status_code != 302:
        raise SystemExit(f"sign-in failed: {reply.status_code}")
    return session


def timed(session: requests.Session, url: str, n: int) -> dict:
    session.get(url, timeout=60)  # warm-up: connection, caches, the plan
    times = []
    rows = None
    for _ in range(n):
        started = time.perf_counter()
        reply = session.get(url, timeout=60)
        times.append((time.perf_counter() - started) * 1000)
        if reply.status_code != 200:
            raise SystemExit(f"{url}: {reply.status_code}")
        rows = reply.text.count('name="_selected_action"')
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(statistics.quantiles(times, n=20)[-1], 1),
        "max_ms": round(max(times), 1),
        "rows_on_page": rows,
    }


def queries(coordinator: User, url: str, n: int = 5) -> tuple[list[str], float, float]:
    """The page's queries (one GET with Django's test client in this process), the median of n
    GETs' total time in the database, and the median of their CPU time in this process (Python:
    the view, the filters, the template; not Postgres's). The CPU time is what the machine's other
    jobs disturb least: on 2 cores shared with a load of 20, a page's wall time is mostly waiting."""
    client = otp_login(Client(), coordinator)
    client.get(url)  # the first GET fills per-process caches (content types, permissions)
    sql_ms, cpu_ms = [], []
    for _ in range(n):
        with CaptureQueriesContext(connection) as captured:
            started = time.process_time()
            reply = client.get(url)
            cpu_ms.append((time.process_time() - started) * 1000)
        if reply.status_code != 200:
            raise SystemExit(f"{url}: {reply.status_code} in the test client")
        sql_ms.append(sum(float(query["time"]) for query in captured.captured_queries) * 1000)
    sqls = [query["sql"] for query in captured.captured_queries]
    return sqls, statistics.median(sql_ms), statistics.median(cpu_ms)


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def bare(session: requests.Session, base_url: str, n: int) -> dict | None:
    """The bare baseline view (bench/run.py's server only): what any page costs before its work."""
    if session.get(f"{base_url}/_bench/bytes/100", timeout=30).status_code != 200:
        return None
    return timed(session, f"{base_url}/_bench/bytes/100000", n)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50, help="timed GETs per page")
    parser.add_argument(
        "--cpu-requests", type=int, default=11, help="GETs per page in this process (SQL, CPU)"
    )
    parser.add_argument(
        "--rows",
        type=int,
        default=int(os.environ.get("BENCH_ADMIN_ROWS", ROWS)),
        help="fill the table up to this many requests (env BENCH_ADMIN_ROWS)",
    )
    args = parser.parse_args()
    base_url = os.environ["BENCH_BASE_URL"]
    coordinator = staff()
    data = seed(args.rows)
    print(
        f"{data['rows']:,} requests ({data['open']:,} open, {data['smith']:,} Smith, "
        f"{data['at_example_com']:,} at example.com; {data['table_with_indexes_mb']} MB)",
        flush=True,
    )
    session = sign_in(base_url, coordinator)
    baseline = bare(session, base_url, args.requests)
    results = {}
    explained = []
    for label, url in cases().items():
        figures = timed(session, base_url + url, args.requests)
        sqls, sql_ms, cpu_ms = queries(coordinator, url, n=args.cpu_requests)
        figures["queries"] = len(sqls)
        figures["sql_ms_p50"] = round(sql_ms, 1)
        figures["python_cpu_ms_p50"] = round(cpu_ms, 1)
        if baseline:
            figures["p50_vs_bare"] = round(figures["p50_ms"] / baseline["p50_ms"], 1)
        results[label] = figures
        print(
            f"{label}: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, "
            f"{figures['queries']} queries, {figures['sql_ms_p50']} ms in SQL, "
            f"{figures['python_cpu_ms_p50']} ms of Python CPU",
            flush=True,
        )
        for sql in sqls:
            if "intake_reviewrequest" in sql and sql.lstrip().startswith("SELECT"):
                plan = explain(sql)
                time_ms = float(re.search(r"Execution Time: ([\d.]+)", plan).group(1))
                explained.append((label, time_ms, sql, plan))
    size = f"{data['rows'] // 1000}k" if data["rows"] < 1_000_000 else f"{data['rows'] // 10**6}M"
    explain_file = RESULTS / f"explain-admin-queue-{size}.txt"
    with explain_file.open("w") as out:
        out.write(
            "EXPLAIN (ANALYZE, BUFFERS) of every query on intake_reviewrequest that the admin "
            f"pages run, {data['rows']} requests ({data['open']} open). Written by "
            "bench/admin_queue.py.\n"
        )
        for label, time_ms, sql, plan in explained:
            out.write(f"\n=== {label}: {time_ms:.1f} ms\n{sql}\n\n{plan}\n")
    slowest = max(result["p95_ms"] for result in results.values())
    figures = {
        "data": data,
        "requests_per_page": args.requests,
        "bare_view_100kb": baseline,
        "load_average": [round(x, 1) for x in os.getloadavg()],
        "pages": results,
        "slowest_p95_ms": slowest,
        "under_300_ms": slowest < 300,
        "explain": str(explain_file.relative_to(ROOT)),
    }
    # One file per size too: the 100k and 1M runs are read side by side.
    (RESULTS / f"admin_queue-{size}.json").write_text(json.dumps(figures, indent=2) + "\n")
    if os.environ.get("BENCH_RESULT_JSON"):
        Path(os.environ["BENCH_RESULT_JSON"]).write_text(json.dumps(figures, indent=2))
    print(f"slowest p95 {slowest} ms; bare view p50 {baseline and baseline['p50_ms']} ms")


if __name__ == "__main__":
    main()
