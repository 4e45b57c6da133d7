"""Shared set-up for the intake tests: settings that make tests independent, and a post helper."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.database_support import app_database_url
from tests.factories import review_form_data


@pytest.fixture
def intake_settings(settings):
    """Tasks run at once (the real worker is tested on its own); rate-limit counts start at zero."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    cache.clear()
    yield settings
    cache.clear()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def post_request(client, files=(), *, follow=False, **overrides):
    """Post the MRI review form as a browser does; files are (name, bytes) pairs."""
    data = review_form_data(**overrides)
    if files:
        data["imaging_plan"] = overrides.get("imaging_plan", "upload")
        data["files"] = [upload(name, content) for name, content in files]
    return client.post("/mri-review/", data, follow=follow)


def run_db_worker(tmp_path: Path, private_storage) -> None:
    """The real task worker, in its own process, until the queue is empty; e-mails to tmp_path/mail."""
    env = {
        **os.environ,
        "DATABASE_URL": app_database_url(),
        "EMAIL_BACKEND": "file",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        **private_storage.environment(),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
