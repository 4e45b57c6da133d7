"""The settings refuse to run in production without the values production needs."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from tests.serving import EXAMPLE_CLINIC_ENV

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-production-like-secret-key-" + "x" * 40,
    "ALLOWED_HOSTS": "backcare.example.org",
    "EMAIL_HOST": "smtp.example.org",
    "SITE_URL": "https://backcare.example.org",
    **EXAMPLE_CLINIC_ENV,
}


def run_django(env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    # The browser tests allow async-unsafe ORM use in this process; a deployed server never does.
    unset = {*PRODUCTION, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_HOST", "SITE_URL", *EXAMPLE_CLINIC_ENV]
)
def test_production_refuses_to_start_without_a_required_value(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = run_django(env, "check")
    assert result.returncode != 0
    assert f"Set the {missing} environment variable" in result.stderr


def test_development_starts_with_nothing_set():
    result = run_django({}, "check")
    assert result.returncode == 0, result.stderr


def test_deploy_check_reports_no_issues_with_production_values():
    result = run_django(PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "site_url", ["http://127.0.0.1:8000", "http://backcare.example.org", "https://localhost"]
)
def test_deploy_check_refuses_a_site_url_that_is_local_or_not_https(site_url):
    result = run_django(
        {**PRODUCTION, "SITE_URL": site_url}, "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode != 0
    assert "backcare.W001" in result.stderr
    assert f"SITE_URL is '{site_url}'" in result.stderr


def test_requests_run_in_a_transaction_with_health_checked_persistent_connections():
    database = settings.DATABASES["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["ATOMIC_REQUESTS"] is True
    assert database["CONN_HEALTH_CHECKS"] is True
