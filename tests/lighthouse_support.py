"""Lighthouse 13 over every public page, in English and in Spanish, against the production set-up:
gunicorn with DEBUG off behind the shipped nginx, which compresses the HTML (issue #18). Used by
tests/test_lighthouse.py (accessibility, in `make test`) and bench/lighthouse_pages.py (performance,
`make lighthouse-performance`): the page list, the seeded site, and the Node runner
(deploy/lighthouse/run.mjs, Lighthouse's Node API, one Chromium).
"""

import datetime
import json
import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import LocalePrefixPattern
from django.utils import timezone

from deploy.proxy import Nginx
from exercises.models import Exercise, Programme, ProgrammeItem
from intake.models import ReviewLetter, UploadLink
from intake.request.letters import letter_url
from intake.triage import services as triage
from tests.factories import ReviewRequestFactory
from tests.review_support import coordinator, signed_review
from tests.serving import ROOT, Gunicorn, database_url, free_port
from tests.triage_support import COORDINATOR, staff_user

RUNNER = ROOT / "deploy/lighthouse/run.mjs"
LIGHTHOUSE = ROOT / "deploy/lighthouse/node_modules/lighthouse"
MIN_PERFORMANCE = 95
MAX_TOTAL_BLOCKING_MS = 200
MAX_RUNS = 5
RUNNER_TIMEOUT = 1800  # seconds; it took 18 minutes at load average 20 on 2 cores (bench/README.md)
LANGUAGES = ["en", "es"]
MORE_FILES_TOKEN = "a-test-token-only-the-patient-has"
PROGRAMME = "ABCD2345"

# The patient-facing URL names (those under i18n_patterns) that are no page to measure, and why.
NOT_PAGES = {
    "exercises:service_worker": "the player's service worker script",
    "intake:thanks": "shown once, to the session that just sent the form",
    "intake:upload_session": "the upload dashboard's POST",
    "intake:tus_uploads": "the tus upload API",
    "intake:tus_upload": "the tus upload API",
    "intake:upload_download": "staff only",
    "intake:preview": "staff only",
    "intake:viewer": "staff only",
    "intake:viewer_index": "staff only",
    "intake:viewer_frames": "staff only",
    "intake:viewer_page": "staff only",
}


def patient_url_names() -> set[str]:
    """Every named URL under i18n_patterns (the pages that exist in English and Spanish)."""

    def names(patterns, namespace: str = "") -> set[str]:
        found = set()
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                found |= names(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                found.add(namespace + pattern.name)
        return found

    return set().union(
        *(
            names(resolver.url_patterns)
            for resolver in get_resolver().url_patterns
            if isinstance(resolver, URLResolver)
            and isinstance(resolver.pattern, LocalePrefixPattern)
        )
    )


# Every public page (URL name, label, arguments), in English; the Spanish ones are under /es/. The
# seeded library's exercise and routine, the home programme, the link for more files and the letter's
# link are made by the `site` fixture.
EXERCISE = "bird-dog"
ROUTINE = "gentle-start"
PAGES = [
    ("home", "home", []),
    ("privacy", "privacy", []),
    ("exercises:library", "exercise library", []),
    ("exercises:library", "library, searched and filtered", []),
    ("exercises:exercise", "exercise", [EXERCISE]),
    ("exercises:exercise_print", "exercise, print", [EXERCISE]),
    ("exercises:exercise_player", "exercise player", [EXERCISE]),
    ("exercises:routine", "routine", [ROUTINE]),
    ("exercises:routine_print", "routine, print", [ROUTINE]),
    ("exercises:routine_player", "routine player", [ROUTINE]),
    ("exercises:progress", "my progress", []),
    ("exercises:programme_find", "programme look-up", []),
    ("exercises:programme", "programme", [PROGRAMME]),
    ("exercises:programme_player", "programme player", [PROGRAMME]),
    ("intake:request", "MRI review form", []),
    ("intake:status", "request status", []),
    ("intake:review_letter", "letter look-up", None),  # its signed link, made with the letter
    ("intake:more_files", "more files", [MORE_FILES_TOKEN]),
]
QUERIES = {"library, searched and filtered": "?q=stretch&difficulty=gentle&no_floor=on"}


def page_paths(letter_path: str) -> list[tuple[str, str]]:
    """(label, path) of every page in PAGES, in English."""
    return [
        (label, letter_path if args is None else reverse(name, args=args) + QUERIES.get(label, ""))
        for name, label, args in PAGES
    ]


ERROR_PAGES = [
    ("not found (404)", "/exercises/no-such-exercise/"),
    ("more-files link gone (410)", "/mri-review/more-files/no-such-token/"),
    ("letter link gone (404)", "/mri-review/letter/no-such-token/"),
]


@pytest.fixture
def site(transactional_db, private_storage, tmp_path, settings):
    """The seeded library, a home programme, a link for more files and a sent letter, served by
    gunicorn (DEBUG off, HTTPS on behind the proxy) behind the shipped nginx."""
    call_command("seed_exercises", verbosity=0)
    programme = Programme.objects.create(code=PROGRAMME)
    ProgrammeItem.objects.create(programme=programme, exercise=Exercise.objects.first())
    review_request = ReviewRequestFactory()
    UploadLink.objects.create(
        request=review_request,
        token_hash=triage.hash_token(MORE_FILES_TOKEN),
        created_by=staff_user(role=COORDINATOR),
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    letter = ReviewLetter.objects.create(
        review=signed_review(),
        sent_by=coordinator(),
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    # The letter's link is signed with the server's key.
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    letter_path = "/" + letter_url(letter).split("/", 3)[3]
    pages = page_paths(letter_path)
    connection.close()
    server = Gunicorn(
        database_url(connection.settings_dict["NAME"]),
        private_storage.location,
        env={"HTTPS": "true", "BEHIND_PROXY": "true", "SECRET_KEY": settings.SECRET_KEY},
        log_path=tmp_path / "gunicorn.log",
    )
    # Not under tmp_path: nginx's workers (nobody, as root) need to reach their run folder.
    run = Path(tempfile.mkdtemp(prefix="backcare-lighthouse-"))
    try:
        with server, Nginx(f"127.0.0.1:{server.port}", run, free_port(), free_port()) as proxy:
            yield proxy.base_url, pages
    finally:
        shutil.rmtree(run, ignore_errors=True)


def lighthouse(plan: dict, tmp_path: Path) -> dict:
    assert (LIGHTHOUSE / "package.json").exists(), (
        "Lighthouse is not installed: `make lighthouse` (npm ci in deploy/lighthouse)."
    )
    chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    assert chromium, "Chromium is not installed: `make chromium` installs Debian's."
    plan_path = tmp_path / "pages.json"
    plan_path.write_text(json.dumps(plan))
    answer = tmp_path / "lighthouse.json"
    try:
        done = subprocess.run(
            [shutil.which("node") or "node", str(RUNNER), str(plan_path), str(answer)],
            env={**os.environ, "CHROME_PATH": chromium},
            capture_output=True,
            text=True,
            timeout=RUNNER_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        measured = json.loads(answer.read_text())["pages"] if answer.exists() else []
        pytest.fail(f"Lighthouse took over {RUNNER_TIMEOUT} s; so far:\n{table(measured)}")
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(answer.read_text())


def table(results: list[dict]) -> str:
    rows = ["page | performance | TBT ms | LCP ms | accessibility | runs (performance/TBT)"]
    for page in results:
        runs = " ".join(f"{run['performance']}/{run['tbt']}" for run in page.get("runs", []))
        rows.append(
            f"{page['name']} | {page.get('performance', '-')} | {page.get('tbt', '-')} | "
            f"{page.get('lcp', '-')} | {page['accessibility']} | {runs or 'snapshot'}"
        )
    return "\n".join(rows)


def plan_pages(base_url: str, pages: list[tuple[str, str]], *, performance: bool) -> list[dict]:
    """Every page in both languages. Without `performance`, each is opened and only its
    accessibility judged (a snapshot: no throttled load, seconds a page, the same on a busy machine);
    the error pages are always snapshots (Lighthouse refuses to measure an error document)."""
    planned = []
    for language in LANGUAGES:
        prefix = "/es" if language == "es" else ""
        for label, path in pages:
            page = {"name": f"{label} ({language})", "url": base_url + prefix + path}
            planned.append(page if performance else {**page, "mode": "snapshot"})
        for label, path in ERROR_PAGES:
            planned.append(
                {
                    "name": f"{label} ({language})",
                    "url": base_url + prefix + path,
                    "mode": "snapshot",
                }
            )
    return planned


def accessibility_problems(results: list[dict]) -> list[str]:
    problems = []
    for page in results:
        runs = page.get("runs") or [page["snapshot"]]
        if errors := {run["runtimeError"] for run in runs} - {None}:
            problems.append(f"{page['name']}: Lighthouse could not measure it: {errors}")
        elif page["accessibility"] < 100:
            failing = "; ".join(
                f"{audit['id']}: {audit['items']}" for audit in page["accessibilityFailures"]
            )
            problems.append(f"{page['name']}: accessibility {page['accessibility']} ({failing})")
    return problems
