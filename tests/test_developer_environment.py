"""The tests neither depend on nor damage the developer's environment: their .env file, the
REDIS_URL in their shell, the data in their Redis.

The proof runs the suite's own machinery (conftest.py and its autouse fixtures, settings) in a
second pytest, inside a copy of the project whose .env names a SITE_URL and the developer's Redis,
with that REDIS_URL exported too."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import redis
from django.conf import settings

from tests.redis_support import private_redis

PROBE = """
import json
import subprocess
import sys

from django.conf import settings
from django.core.cache import cache


def test_settings_ignore_the_env_file_and_the_developers_redis():
    assert settings.SITE_URL == "http://127.0.0.1:8000"
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    cache.set("probe", "written by a test")  # the autouse fixture clears the cache around this


def test_processes_a_test_starts_ignore_them_too():
    shown = subprocess.run(
        [sys.executable, "-c", (
            "import json, django; django.setup(); from django.conf import settings; "
            "print(json.dumps([settings.SITE_URL, settings.REDIS_URL]))"
        )],
        capture_output=True, text=True, check=True,
    ).stdout
    assert json.loads(shown) == ["http://127.0.0.1:8000", ""]
"""


def project_copy(root: Path) -> Path:
    """The project at `root`: settings and tests copied (so BASE_DIR, and the .env beside it, is
    `root`), everything else linked."""
    source = Path(settings.BASE_DIR)
    skip = shutil.ignore_patterns("__pycache__")
    shutil.copytree(source / "backcare", root / "backcare", ignore=skip)
    shutil.copytree(source / "tests", root / "tests", ignore=skip)
    for entry in source.iterdir():
        if entry.name not in {"backcare", "tests", ".env", ".git", "var"}:
            (root / entry.name).symlink_to(entry)
    return root


def test_a_developers_env_file_and_redis_are_neither_read_nor_touched(tmp_path):
    with private_redis() as developers_redis:  # stands for the Redis the developer works with
        kept = redis.Redis.from_url(developers_redis)
        kept.set("developer:work", "keep me")
        project = project_copy(tmp_path / "project")
        (project / ".env").write_text(
            f"SITE_URL=https://from-the-developers-env-file.example\nREDIS_URL={developers_redis}\n"
        )
        (project / "tests" / "test_probe.py").write_text(PROBE)
        environment = {k: v for k, v in os.environ.items() if k != "BACKCARE_TESTING"}
        environment["REDIS_URL"] = developers_redis  # exported in the developer's shell as well
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:xdist", "-q", "tests/test_probe.py"],
            cwd=project,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        assert "2 passed" in run.stdout
        assert kept.get("developer:work") == b"keep me"
        assert kept.dbsize() == 1  # nothing of the tests' was written there either
        kept.close()


def test_make_test_says_at_once_that_it_needs_root():
    as_a_user = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
    run = subprocess.run(
        [*as_a_user, "make", "--no-print-directory", "-s", "test-preflight"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode != 0
    assert "make test must run as root" in run.stderr
