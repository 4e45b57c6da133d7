"""The triage queue in the admin with 100,000 requests (a benchmark, not a test).

Run by `make bench` (bench/run.py, as `admin_queue`) with BENCH_BASE_URL, BENCH_RESULT_JSON and
DATABASE_URL set; alone:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/backcare_bench BENCH_BASE_URL=http://127.0.0.1:8000 \
        .venv/bin/python bench/admin_queue.py [--requests 7]

1. Fills the bench database up to 100,000 review requests with one `INSERT … SELECT
   generate_series` (a few seconds; kept for the next run): two years of requests, the open ones
   recent, ~5 % emergency and ~6 % "see a doctor soon" (red flags matching the tier), assignees among five staff, `due_by` as the
   form sets it, every tenth with an upload and an imaging line.
2. Signs in as an intake coordinator through the real login form (password and a backup code) on
   the bench gunicorn and times each queue page (median of N GETs after one warm-up): the default
   list, each filter and each kind of search.
3. Counts each page's queries with Django's test client in this process (CaptureQueriesContext),
   and writes `EXPLAIN (ANALYZE, BUFFERS)` of the list's queries to
   bench/results/explain-admin-queue.txt.
"""

import argparse
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
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from intake.models import ReviewRequest  # noqa: E402
from tests.triage_support import COORDINATOR, backup_code, otp_login  # noqa: E402

ROWS = 100_000
PASSWORD = "bench queue password 42"  # noqa: S105 - a bench-only staff user
COORDINATOR_NAME = "bench-coordinator@example.org"
QUEUE = "/admin/intake/reviewrequest/"
EXPLAIN_FILE = ROOT / "bench" / "results" / "explain-admin-queue.txt"

# One statement, so 100k rows take seconds, not minutes. The reference is the row number written
# in the reference alphabet (unique, and it passes the table's format check).
SEED_SQL = """
WITH staff AS (SELECT array_agg(id ORDER BY id) AS ids FROM auth_user WHERE username LIKE 'bench-%%'),
rows AS (
    SELECT n,
           now() - (random() * interval '730 days') AS submitted_at,
           -- ~5 %% emergency (tier 1), ~6 %% see a doctor soon (tier 2), the rest routine.
           CASE WHEN random() < 0.05 THEN 1 WHEN random() < 0.06 THEN 2 ELSE 3 END AS tier,
           random() AS r
    FROM generate_series(%(start)s, %(stop)s) AS n
)
INSERT INTO intake_reviewrequest (
    reference, status, tier, submitted_at, submission_token, first_name, last_name,
    date_of_birth, email, phone, zip_code, preferred_contact, best_time_to_call, pain_locations,
    back_pain_score, leg_pain_score, pain_duration, pain_onset, pain_onset_details,
    tried_physical_therapy, physical_therapy_weeks, tried_medicines, tried_injections,
    tried_chiropractic, had_spine_surgery, spine_surgery_when, imaging_plan, mri_date,
    mri_facility, mri_body_area, has_radiology_report, urine_trouble, bladder_bowel_control,
    saddle_numbness, sexual_problems, both_legs, worsening_weakness, trauma, fever_unwell,
    cancer_history, weight_loss, night_pain, infection_risk, fracture_risk, morning_stiffness,
    insurance_carrier, insurance_plan_type,
    consent_privacy, consent_contact, consent_not_emergency, assignee_id, due_by, imaging_line
)
SELECT
    'BC-' || (SELECT string_agg(substr('23456789ABCDEFGHJKMNPQRSTVWXYZ',
                                       ((n / (30 ^ k)::bigint) %% 30)::int + 1, 1), '' ORDER BY k)
              FROM generate_series(0, 3) AS k)
          || '-' ||
          (SELECT string_agg(substr('23456789ABCDEFGHJKMNPQRSTVWXYZ',
                                    ((n / (30 ^ k)::bigint) %% 30)::int + 1, 1), '' ORDER BY k)
           FROM generate_series(4, 7) AS k),
    CASE
        WHEN submitted_at > now() - interval '60 days' AND r < 0.75 THEN
            (ARRAY['new', 'new', 'new', 'in_review', 'in_review', 'waiting_for_patient',
                   'reviewed_candidate', 'reviewed_not_candidate'])[1 + (n %% 8)]
        ELSE (ARRAY['closed', 'closed', 'closed', 'closed', 'patient_contacted',
                    'patient_contacted', 'closed', 'spam'])[1 + (n %% 8)]
    END,
    tier, submitted_at, gen_random_uuid(),
    (ARRAY['Maria', 'James', 'Linda', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael',
           'Elizabeth', 'David', 'Susan', 'Carlos', 'Aisha', 'Wei', 'Olga'])[1 + n %% 15],
    (ARRAY['Lopez', 'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller',
           'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Wilson', 'Anderson', 'Thomas',
           'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson', 'White',
           'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Nguyen',
           'Kowalski', 'Okafor'])[1 + (n / 15) %% 33]
        || CASE WHEN n %% 7 = 0 THEN '-' || (n %% 1000)::text ELSE '' END,
    date '1940-01-01' + (n %% 25000),
    'patient' || n || '@example.com',
    '555-' || lpad(((n / 10000) %% 1000)::text, 3, '0') || '-' || lpad((n %% 10000)::text, 4, '0'),
    lpad((10000 + n %% 89999)::text, 5, '0'),
    (ARRAY['phone', 'email'])[1 + n %% 2],
    (ARRAY['morning', 'afternoon', 'evening', 'any'])[1 + n %% 4],
    ARRAY['lower_back', 'one_leg']::varchar(16)[],
    n %% 11, (n / 11) %% 11,
    '3_12_months', 'slowly', '',
    n %% 3 = 0, CASE WHEN n %% 3 = 0 THEN 6 END, true, n %% 5 = 0, false, n %% 20 = 0,
    CASE WHEN n %% 20 = 0 THEN '2019' ELSE '' END,
    (ARRAY['upload', 'upload', 'bring', 'none'])[1 + n %% 4], NULL, '', '', '',
    -- Answers that match the tier (the table's check): an emergency row has a saddle or both-leg
    -- "yes", a "soon" row a history of cancer or night pain.
    false, false, tier = 1 AND n %% 2 = 0, false, tier = 1 AND n %% 2 = 1, false, false,
    false, tier = 2 AND n %% 2 = 0, false, tier = 2 AND n %% 2 = 1, false, false, n %% 50 = 0,
    '', '',
    true, true, true,
    CASE WHEN n %% 10 < 6 THEN (SELECT ids[1 + n %% array_length(ids, 1)] FROM staff) END,
    CASE WHEN tier < 3 THEN date_trunc('day', submitted_at) + interval '23 hours 59 minutes'
         ELSE submitted_at + interval '3 days' END,
    CASE WHEN n %% 10 = 0 THEN 'MR lumbar spine, 4 series, 120 images' ELSE '' END
FROM rows
ON CONFLICT DO NOTHING
"""

UPLOADS_SQL = """
INSERT INTO intake_upload (file, original_name, kind, size, sha256, status, failure_reason,
                           created_at, processed_at, request_id)
SELECT 'uploads/bench/' || rr.id, 'study.zip', 'zip', 21000000, repeat('ab', 32), 'processed', '',
       rr.submitted_at, rr.submitted_at, rr.id
FROM intake_reviewrequest rr
WHERE rr.imaging_line <> '' AND NOT EXISTS (SELECT 1 FROM intake_upload u WHERE u.request_id = rr.id)
"""


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


def seed() -> dict:
    have = ReviewRequest.objects.count()
    started = time.monotonic()
    if have < ROWS:
        with connection.cursor() as cursor:
            start = 1_000_000 + have  # clear of earlier runs' numbers
            cursor.execute(SEED_SQL, {"start": start, "stop": start + ROWS - have - 1})
            cursor.execute(UPLOADS_SQL)
            cursor.execute("ANALYZE intake_reviewrequest; ANALYZE intake_upload")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE status IN ('new', 'in_review', "
            "'waiting_for_patient', 'reviewed_candidate', 'reviewed_not_candidate')), "
            "count(*) FILTER (WHERE tier < 3), (SELECT count(*) FROM intake_upload) "
            "FROM intake_reviewrequest"
        )
        total, open_, urgent, uploads = cursor.fetchone()
    return {
        "rows": total,
        "open": open_,
        "urgent": urgent,
        "uploads": uploads,
        "seed_seconds": round(time.monotonic() - started, 1),
    }


def cases(coordinator: User) -> dict[str, dict]:
    sample = (
        ReviewRequest.objects.filter(assignee__isnull=False, last_name__contains="-")
        .order_by("pk")
        .values("reference", "last_name", "email", "phone")[1234]
    )
    today = timezone.localdate()
    week = {
        "submitted_at__gte": str(today - timezone.timedelta(days=7)),
        "submitted_at__lt": str(today + timezone.timedelta(days=1)),
    }
    return {
        "default (open)": {},
        "status: in review": {"status": "in_review"},
        "status: all": {"status": "all"},
        "emergency": {"tier__exact": "1"},
        "assigned to me": {"assigned": "me"},
        "overdue": {"overdue": "yes"},
        "past 7 days": week,
        "search reference (all)": {"status": "all", "q": sample["reference"]},
        "search last name (all)": {"status": "all", "q": sample["last_name"]},
        "search e-mail (all)": {"status": "all", "q": sample["email"]},
        "search phone (all)": {"status": "all", "q": sample["phone"]},
        "search last name (open)": {"q": sample["last_name"]},
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
        "median_ms": round(statistics.median(times), 1),
        "min_ms": round(min(times), 1),
        "max_ms": round(max(times), 1),
        "rows_on_page": rows,
    }


def queries(coordinator: User, url: str) -> list[str]:
    client = otp_login(Client(), coordinator)
    with CaptureQueriesContext(connection) as captured:
        reply = client.get(url)
    if reply.status_code != 200:
        raise SystemExit(f"{url}: {reply.status_code} in the test client")
    return [query["sql"] for query in captured.captured_queries]


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=7, help="timed GETs per page")
    args = parser.parse_args()
    base_url = os.environ["BENCH_BASE_URL"]
    coordinator = staff()
    data = seed()
    print(f"{data['rows']} requests ({data['open']} open, {data['urgent']} urgent)", flush=True)
    session = sign_in(base_url, coordinator)
    # The baseline in the same run: the admin's own home page (two triage counts, no list).
    baseline = timed(session, f"{base_url}/admin/", args.requests)
    results = {}
    explained = []
    for label, params in cases(coordinator).items():
        url = QUEUE + ("?" + urlencode(params) if params else "")
        figures = timed(session, base_url + url, args.requests)
        sqls = queries(coordinator, url)
        figures["queries"] = len(sqls)
        figures["url"] = url if "q" not in params else QUEUE + "?q=…"
        results[label] = figures
        print(f"{label}: {figures['median_ms']} ms, {figures['queries']} queries", flush=True)
        for sql in sqls:
            if "intake_reviewrequest" in sql and sql.lstrip().startswith("SELECT"):
                plan = explain(sql)
                time_ms = float(re.search(r"Execution Time: ([\d.]+)", plan).group(1))
                explained.append((label, time_ms, sql, plan))
    with EXPLAIN_FILE.open("w") as out:
        out.write(
            "EXPLAIN (ANALYZE, BUFFERS) of every query on intake_reviewrequest that the queue "
            f"page runs, {data['rows']} requests ({data['open']} open). Written by "
            "bench/admin_queue.py.\n"
        )
        for label, time_ms, sql, plan in explained:
            out.write(f"\n=== {label}: {time_ms:.1f} ms\n{sql}\n\n{plan}\n")
    slowest = max(result["median_ms"] for result in results.values())
    figures = {
        "data": data,
        "requests_per_page": args.requests,
        "baseline_admin_home": baseline,
        "pages": results,
        "slowest_median_ms": slowest,
        "under_300_ms": slowest < 300,
        "explain": str(EXPLAIN_FILE.relative_to(ROOT)),
    }
    if os.environ.get("BENCH_RESULT_JSON"):
        Path(os.environ["BENCH_RESULT_JSON"]).write_text(json.dumps(figures, indent=2))
    print(f"baseline admin home: {baseline['median_ms']} ms; slowest queue page {slowest} ms")


if __name__ == "__main__":
    main()
